"""Steps the journeys of the citizen app share: past the elder-mode offer, to a route, the API
as another person (a clerk, the other party of a delegation) would use it."""

from __future__ import annotations

from typing import Any

import httpx

from doorstep.store.db import Pool
from tests.browser.conftest import axe_violations, log_in
from tests.e2e.servers import Server
from tests.integration.helpers import gql, login


async def enter(
    page: Any,
    server: Server,
    pool: Pool,
    phone: str,
    language: str | None = None,
    *,
    elder: bool = False,
) -> None:
    """Log in through the app; someone of 60 or more answers the elder-mode offer (no, unless
    `elder`). Returns once the log-in has finished and gone home."""
    await log_in(page, server, pool, phone, language)
    tabs = page.locator("nav.tabs")
    offer = page.locator("button.huge.primary" if elder else "button.huge.secondary")
    await tabs.or_(offer).first.wait_for()
    if await offer.count():
        await offer.click()
        await tabs.wait_for()
    # the log-in screen goes home last: a route set before that would be overwritten
    await page.wait_for_function("() => location.hash === '#/'")


async def visit(page: Any, route: str, ready: str) -> None:
    """Go to a hash route (#/offers) and wait until `ready` is there."""
    await page.evaluate("(r) => { location.hash = r; }", route)
    await page.locator(ready).first.wait_for(state="attached")


async def no_axe_violations(page: Any, where: str) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{where}: {violations}"


class Api:
    """The public API over HTTP against the served process, as another app would call it."""

    def __init__(self, server: Server, pool: Pool) -> None:
        self.client = httpx.AsyncClient(base_url=server.base, timeout=30)
        self.pool = pool

    async def token(self, phone: str, *, staff: bool = False) -> str:
        return await login(self.client, self.pool, phone, as_staff=staff)  # type: ignore[arg-type]

    async def run(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        body = await gql(self.client, query, variables, token=token)  # type: ignore[arg-type]
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def close(self) -> None:
        await self.client.aclose()
