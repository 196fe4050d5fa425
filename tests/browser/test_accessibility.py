"""axe-core on every screen, normal and elder mode, in the three languages: no WCAG 2.x A or
AA violation (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22a, wcag22aa)."""

from __future__ import annotations

import pytest

from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, axe_violations, shot
from tests.browser.screens import open_screen, screens, signed_in_page
from tests.e2e.servers import Server


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant", "en"])
async def test_no_violations_on_any_screen(
    web: Server, pool: Pool, phone: NewPhone, language: str
) -> None:
    # the log-in screen, signed out
    page = await (await phone(language, bypass_csp=True)).new_page()
    await page.goto(web.base + "/")
    await page.locator("input[type=tel]").wait_for()
    assert await axe_violations(page) == [], "login"
    for elder in (False, True):
        page, number = await signed_in_page(
            web, pool, phone, language, elder=elder, bypass_csp=True
        )
        for route, ready in screens(number):
            await open_screen(page, web, route, ready)
            violations = await axe_violations(page)
            assert violations == [], (route, elder, violations)
            if language != "zh_Hans" and route in ("#/", "#/catalog"):
                name = route.strip("#/") or "home"
                await shot(page, f"{'elder-' if elder else ''}{name}-{language}")
