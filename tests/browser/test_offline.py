"""Offline: with the network off, the service worker's shell and the last known list load,
and the app says it is offline."""

from __future__ import annotations

import asyncio
from typing import Any

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


async def test_home_says_loading_until_the_list_is_first_read(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """On a slow network, before the list was ever read on this phone, the home says it is
    loading: not "nothing in progress", which it does not know yet."""
    page, number = await signed_in_page(web, pool, phone, "zh_Hans", elder=False)
    held: list[Any] = []
    release = asyncio.Event()

    async def slow_list(route: Any) -> None:
        if "myApplications" in (route.request.post_data or ""):
            held.append(route)
            await release.wait()
        await route.continue_()

    await page.route("**/graphql", slow_list)
    await page.goto(web.base + "/")
    await page.locator("[data-loading]").wait_for()
    assert held, "the list was asked for"
    nothing = translate("app.home.no_applications", "zh_Hans")
    assert await page.get_by_text(nothing).count() == 0
    release.set()
    await page.locator(f"a[href='#/application/{number}']").wait_for()
    assert await page.locator("[data-loading]").count() == 0


async def test_home_says_it_could_not_read_when_the_first_read_fails(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """The first read of the list failing (the network gone) leaves no false "nothing"."""
    page, _number = await signed_in_page(web, pool, phone, "zh_Hans", elder=False)

    async def fail_list(route: Any) -> None:
        if "myApplications" in (route.request.post_data or ""):
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/graphql", fail_list)
    await page.goto(web.base + "/")
    alert = page.locator("main p.error[role=alert]")
    await alert.wait_for()
    assert await alert.inner_text() == translate("app.error.network", "zh_Hans")
    nothing = translate("app.home.no_applications", "zh_Hans")
    assert await page.get_by_text(nothing).count() == 0
