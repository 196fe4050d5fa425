"""Steps the staff console's browser tests share: a desk (desktop) or tablet context, and a
clerk logging in through the console's own screen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from doorstep.store.db import Pool
from tests.browser.conftest import LOCALES, login_code
from tests.e2e.servers import Server
from tests.integration.helpers import forget_recent_codes
from tests.integration.identity_helpers import staff_totp_code

DESK = {"width": 1366, "height": 900}
TABLET = {"width": 1024, "height": 768}
CLERK = "+8613900139105"  # 王强, 北京市公安局朝阳分局 (cy-psb): birth registration of 新生儿
SUPERVISOR = "+8613900139001"

NewScreen = Callable[..., Awaitable[Any]]


@pytest.fixture
async def screen(browser: Any) -> AsyncIterator[NewScreen]:
    """A page on a desk (default) or tablet-sized context, in a language."""
    contexts: list[Any] = []

    async def open_page(language: str = "zh_Hans", *, tablet: bool = False) -> Any:
        context = await browser.new_context(
            viewport=TABLET if tablet else DESK,
            device_scale_factor=1,
            has_touch=tablet,
            locale=LOCALES[language],
            timezone_id="Asia/Shanghai",
            # axe-core is injected as an inline script, which the page's CSP forbids
            bypass_csp=True,
        )
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()


async def staff_log_in(
    page: Any, server: Server, pool: Pool, phone: str, language: str | None = None
) -> None:
    """Log in as staff through the console's screen; returns when the queue shows."""
    await forget_recent_codes(pool, phone)
    await page.goto(server.base + "/counter/")
    if language:
        tag = language.replace("_", "-")
        await page.locator(f"fieldset.languages button[lang='{tag}']").click()
        await page.locator(f"html[lang='{tag}']").wait_for(state="attached")
    await page.locator("input[type=tel]").fill(phone.removeprefix("+86"))
    await page.locator("form button[type=submit]").click()
    code_input = page.locator("input[autocomplete=one-time-code]")
    await code_input.wait_for()
    await code_input.fill(await login_code(pool, phone))
    # production settings: the second factor (the tests' authenticator secret)
    await page.locator("input[name=totp]").fill(await staff_totp_code(pool, phone))
    await page.locator("form button[type=submit]").click()
    await page.locator("nav.side").wait_for()
