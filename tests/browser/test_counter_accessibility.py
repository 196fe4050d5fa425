"""axe-core on every screen of the staff console, in the three languages, on a desk and on a
tablet: no WCAG 2.x A or AA violation; and every visible text comes from the catalogs (no key
shown in place of a text)."""

from __future__ import annotations

import re

import pytest

from doorstep.store.db import Pool
from tests.browser.conftest import axe_violations
from tests.browser.counter import CLERK, SUPERVISOR, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, visit
from tests.e2e.servers import Server

__all__ = ["screen"]
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""
TICKET = """mutation { submitTicket(input: {kind: HELP, categoryCode: "noise",
  description: "楼道灯不亮很吵", regionCode: "110105001001"}) { number } }"""
# a catalog key shown as text: "queue.title", "desk.walkin.bundle"
KEY = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)?\b")


def routes(number: str, ticket: str) -> list[tuple[str, str]]:
    return [
        ("#/", "table.queue, main .empty"),
        (f"#/application/{number}", ".tasks li"),
        ("#/tickets", "section[aria-labelledby=open-title]"),
        (f"#/ticket/{ticket}", "[data-status]"),
        ("#/desk/walkin", "form[data-form=walkin]"),
        ("#/desk/consent", "form[data-form=consent]"),
        ("#/desk/hotline", "form[data-form=hotline]"),
        ("#/desk/followup", "form[data-form=followup]"),
        ("#/desk/review", "form[data-form=review]"),
        ("#/watch", "[data-list=overdue]"),
        ("#/decisions", "[data-section=appeals]"),
        ("#/offers", "[data-rule]"),
        ("#/figures", "section[aria-labelledby=sla-title]"),
        ("#/rules", "table.rules"),
    ]


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant", "en"])
async def test_every_console_screen_passes_axe(
    web: Server, pool: Pool, screen: NewScreen, language: str
) -> None:
    api = Api(web, pool)
    try:
        citizen = await api.token("+8613800138005")
        number = (await api.run(SUBMIT, {}, citizen))["submitApplication"]["number"]
        ticket = (await api.run(TICKET, {}, citizen))["submitTicket"]["number"]
    finally:
        await api.close()
    for tablet in (False, True):
        page = await screen(language, tablet=tablet)
        await page.goto(web.base + "/counter/")
        await page.locator("input[type=tel]").wait_for()
        assert await axe_violations(page) == [], ("login", tablet)
        # the supervisor sees every screen (the desk is for clerks and supervisors alike)
        await staff_log_in(page, web, pool, SUPERVISOR if not tablet else CLERK, language)
        for route, ready in routes(number, ticket):
            if tablet and route in ("#/figures", "#/rules"):
                continue  # not a clerk's screens
            await visit(page, route, ready)
            violations = await axe_violations(page)
            assert violations == [], (route, tablet, violations)
            shown = await page.locator("main").inner_text()
            keys = [m.group(0) for m in KEY.finditer(shown) if "@" not in m.group(0)]
            assert not [k for k in keys if not re.match(r"^[a-z_]+\.(cn|com)$", k)], (route, keys)
