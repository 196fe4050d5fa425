"""Browser tests: Playwright (Python) driving the machine's Chromium against a real API process.

One browser and one server for the whole session; each test gets fresh contexts (a phone each:
360x800, touch). Without a Chromium (`DOORSTEP_CHROMIUM`, else /usr/bin/chromium or chromium on
the PATH) every test here is skipped, and the run's header and summary say so.
Screenshots go to tests/browser/artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Server, api_servers, graphql, server_env
from tests.integration.helpers import forget_recent_codes, latest_code
from tests.integration.identity_helpers import staff_totp_code

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PHONE = {"width": 360, "height": 800}
LOCALES = {"zh_Hans": "zh-CN", "zh_Hant": "zh-TW", "en": "en-US"}


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("DOORSTEP_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _skip_reason() -> str | None:
    if chromium_path() is None:
        return "no Chromium found (install the chromium package or set DOORSTEP_CHROMIUM)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def pytest_report_header(config: pytest.Config) -> str:
    reason = _skip_reason()
    if reason:
        return f"browser tests: SKIPPED, {reason}"
    return f"browser tests: Chromium at {chromium_path()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reason = _skip_reason()
    if reason:
        terminalreporter.write_line(f"browser tests were SKIPPED: {reason}", yellow=True)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=chromium_path(),
            # the sandbox needs user namespaces, which containers (and root) often lack
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session")
async def web(settings: Settings) -> AsyncIterator[Server]:
    async with api_servers(settings, 1) as servers:
        yield servers[0]


NewPhone = Callable[..., Awaitable[Any]]


@pytest.fixture
async def phone(browser: Any) -> AsyncIterator[NewPhone]:
    """Opens a phone-sized context in a language; each is closed at the end of the test."""
    contexts: list[Any] = []

    async def open_context(language: str = "zh_Hans", **options: Any) -> Any:
        context = await browser.new_context(
            viewport=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale=LOCALES[language],
            timezone_id="Asia/Shanghai",
            **options,
        )
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        await context.close()


async def login_code(pool: Pool, phone: str) -> str:
    # sealed at rest with the data key: opened as the worker opens it
    return await latest_code(pool, phone)


async def log_in(
    page: Any, server: Server, pool: Pool, phone: str, language: str | None = None
) -> None:
    """Log in through the app's own screen, reading the SMS code from the outbox."""
    await forget_recent_codes(pool, phone)
    await page.goto(server.base + "/")
    if language:
        await page.locator(
            f"fieldset.languages button[lang='{language.replace('_', '-')}']"
        ).click()
        await page.locator(f"html[lang='{language.replace('_', '-')}']").wait_for(state="attached")
    await page.locator("input[type=tel]").fill(phone.removeprefix("+86"))
    await page.locator("form button[type=submit]").click()
    code_input = page.locator("input[autocomplete=one-time-code]")
    await code_input.wait_for()
    await code_input.fill(await login_code(pool, phone))
    await page.locator("form button[type=submit]").click()


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations of the page as it stands."""
    if not await page.evaluate("() => Boolean(window.axe)"):
        await page.add_script_tag(content=AXE.read_text())
    result: list[dict[str, Any]] = await page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}});
          return r.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }"""
    )
    return result


@asynccontextmanager
async def serve_on(settings: Settings, port: int) -> AsyncIterator[Server]:
    """One API process on a given port (a restarted one must come back where the page looks)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "doorstep", "serve", "--port", str(port), env=server_env(settings)
    )
    server = Server(process, port)
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await client.get(f"{server.base}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.returncode is None, "server exited"
                assert time.monotonic() < deadline, "server not ready"
                await asyncio.sleep(0.1)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def api_login(server: Server, pool: Pool, phone: str, *, as_staff: bool = False) -> str:
    await forget_recent_codes(pool, phone)
    await graphql(
        server, "mutation($p: String!) { requestLoginCode(phone: $p) { phone } }", {"p": phone}
    )
    body = await graphql(
        server,
        "mutation($p: String!, $c: String!, $s: Boolean!, $t: String) "
        "{ verifyLoginCode(phone: $p, code: $c, asStaff: $s, totpCode: $t) { token } }",
        {
            "p": phone,
            "c": await login_code(pool, phone),
            "s": as_staff,
            # production settings: staff give their second factor
            "t": await staff_totp_code(pool, phone) if as_staff else None,
        },
    )
    token: str = body["data"]["verifyLoginCode"]["token"]
    return token


class Frames:
    """Every graphql-transport-ws message the page received, over all its sockets."""

    def __init__(self, page: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        page.on("websocket", self._socket)

    def _socket(self, socket: Any) -> None:
        def received(payload: Any) -> None:
            if isinstance(payload, str):
                self.messages.append(json.loads(payload))

        socket.on("framereceived", received)

    def event_seqs(self) -> list[tuple[str, str]]:
        """(operation id, event seq) of every change delivered (opening states carry none)."""
        out = []
        for m in self.messages:
            if m.get("type") != "next":
                continue
            for value in (m["payload"].get("data") or {}).values():
                if value and value.get("event"):
                    out.append((m["id"], value["event"]["seq"]))
        return out
