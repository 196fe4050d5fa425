"""The citizen app's service worker leaves the staff console alone: on a device that ran the
citizen app, /counter/ offline is not answered with the citizen app's shell."""

from __future__ import annotations

import contextlib

from playwright.async_api import Error as PlaywrightError

from tests.browser.counter import NewScreen, screen
from tests.e2e.servers import Server

__all__ = ["screen"]


async def test_console_is_not_served_the_citizen_shell(web: Server, screen: NewScreen) -> None:
    page = await screen("zh_Hans", tablet=True)
    await page.goto(web.base + "/")
    await page.evaluate("() => navigator.serviceWorker.ready")
    await page.reload()  # now the worker controls the page and caches the shell
    assert await page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
    await page.context.set_offline(True)
    # offline, the console never opened here: the browser's own error page (the navigation
    # fails), not the citizen app's shell under the console's address
    with contextlib.suppress(PlaywrightError):
        await page.goto(web.base + "/counter/")
    assert await page.locator("#app").count() == 0
    await page.context.set_offline(False)
