"""Offline: with the network off, the service worker's shell and the last known list load,
and the app says it is offline."""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, shot
from tests.browser.screens import signed_in_page
from tests.e2e.servers import Server


async def test_shell_and_last_known_list_offline(web: Server, pool: Pool, phone: NewPhone) -> None:
    page, number = await signed_in_page(web, pool, phone, "en", elder=False)
    await page.goto(web.base + "/")
    card = page.locator(f"a[href='#/application/{number}']")
    await card.wait_for()
    # the worker is installed and controls the page (its shell is cached)
    await page.evaluate("navigator.serviceWorker.ready")
    await page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)

    await page.context.set_offline(True)
    await page.reload()
    await card.wait_for()
    status = page.locator(".live-status[data-live=offline]")
    await status.wait_for()
    assert await status.inner_text() == translate("app.live.offline", "en")
    await shot(page, "offline-home-en")
    # a screen never opened before still renders its frame from the shell
    await page.goto(web.base + "/#/settings")
    await page.locator("fieldset.languages").wait_for()

    await page.context.set_offline(False)
    await page.locator(".live-status[data-live=offline]").wait_for(state="detached", timeout=20_000)
