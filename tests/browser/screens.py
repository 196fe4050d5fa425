"""Shared for the screen-by-screen tests: a citizen signed in without the log-in screen, and
every screen of the app with what to wait for on it."""

from __future__ import annotations

import json
from typing import Any

from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, api_login
from tests.e2e.servers import Server, graphql
from tests.integration.helpers import fresh_phone

SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'


async def signed_in_page(
    server: Server,
    pool: Pool,
    phone: NewPhone,
    language: str,
    *,
    elder: bool,
    citizen_phone: str | None = None,
    **options: Any,
) -> tuple[Any, str]:
    """A page whose app holds a session of a citizen (new unless named) in that language and
    mode, with one 新生儿 application; returns the page and the application's number."""
    number = citizen_phone or fresh_phone()
    token = await api_login(server, pool, number)
    await graphql(
        server,
        "mutation($l: String!, $e: Boolean!) { setLanguage(language: $l) { language } "
        "setElderMode(on: $e) { elderMode } }",
        {"l": language, "e": elder},
        token=token,
    )
    body = await graphql(server, SUBMIT, token=token)
    application = body["data"]["submitApplication"]["number"]
    context = await phone(language, **options)
    await context.add_init_script(
        f"localStorage.setItem('doorstep.token', {json.dumps(json.dumps(token))})"
    )
    page = await context.new_page()
    return page, application


def screens(application: str) -> list[tuple[str, str]]:
    """(route, selector that is there once the screen has its data)."""
    return [
        ("#/", "[data-list], .empty"),
        ("#/catalog", ".cards li"),
        ("#/apply/newborn", "form button[type=submit]"),
        (f"#/application/{application}", "[data-timeline] li"),
        ("#/notifications", ".cards li, .empty"),
        ("#/settings", "fieldset.languages"),
        ("#/offers", ".empty, [data-offer]"),
        ("#/tickets", ".empty, [data-list=tickets] li"),
        ("#/report", "form[data-form=ticket] button[type=submit]"),
        ("#/access", ".empty, [data-list=access] li"),
        ("#/identity", "form[data-form=identity] button[type=submit], [data-identity]"),
        ("#/delegations", "form[data-form=delegation]"),
        ("#/confirmations", ".empty, [data-list=confirmations] li"),
    ]


async def open_screen(page: Any, server: Server, route: str, ready: str) -> None:
    await page.goto(f"{server.base}/{route}")
    await page.locator(ready).first.wait_for()
    await page.locator("h1").first.wait_for()
