"""Decisions in the staff console: an appeal against an offer (an empty note refused in the
supervisor's language, then rejected with a note), a data correction confirmed, a home visit
recorded; an offer rule tried as it stands and with bad JSON. axe-core on each screen."""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.services.proactive.views import MAX_REASON_CHARS
from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import SUPERVISOR, NewScreen, screen, staff_log_in
from tests.browser.journeys import no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.proactive_helpers import (
    ZHANG_WEI,
    fresh_appeal,
    fresh_correction,
    fresh_visit,
)

__all__ = ["screen"]


async def test_appeal_correction_and_visit_decided(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    appeal = await fresh_appeal(pool, ZHANG_WEI, "disability-care-subsidy")
    correction = await fresh_correction(pool, ZHANG_WEI, "household.size")
    visit_id = await fresh_visit(pool)
    page = await screen("en")
    await staff_log_in(page, web, pool, SUPERVISOR)
    await visit(page, "#/decisions", f"[data-appeal='{appeal}']")
    await no_axe_violations(page, "counter decisions")
    await shot(page, "counter-decisions-en")

    card = page.locator(f"[data-appeal='{appeal}']")
    await card.locator("button[data-action=reject]").click()
    await card.locator(".error").wait_for()
    assert await card.locator(".error").inner_text() == translate(
        "error.offer.reason_invalid", "en", limit=MAX_REASON_CHARS
    )
    await card.locator("input[name=note]").fill("Checked: the subsidy is not paid yet")
    await card.locator("button[data-action=reject]").click()
    await card.wait_for(state="detached")
    assert await pool.fetchval("select status from offer_appeals where id = $1", appeal) == (
        "rejected"
    )

    card = page.locator(f"[data-correction='{correction}']")
    await card.locator("input[name=note]").fill("Checked with the household register")
    await card.locator("button[data-action=confirm]").click()
    await card.wait_for(state="detached")
    assert await pool.fetchval(
        "select status from fact_corrections where number = $1", correction
    ) == ("confirmed")

    card = page.locator(f"[data-visit='{visit_id}']")
    await card.locator("select[name=outcome]").select_option("NOT_REACHED")
    await card.locator("button[data-action=visited]").click()
    await card.wait_for(state="detached")
    assert await pool.fetchval("select outcome from welfare_checks where id = $1", visit_id) == (
        "not_reached"
    )


async def test_offer_rule_tried_before_publishing(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen("zh_Hans")
    await staff_log_in(page, web, pool, SUPERVISOR)
    await visit(page, "#/offers", "[data-rule='elder-card-60']")
    await no_axe_violations(page, "counter offer rules")
    card = page.locator("[data-rule='elder-card-60']")
    await card.locator("button").click()
    editor = card.locator("[data-editor]")
    await editor.locator("button[data-action=dry-run]").click()
    result = editor.locator("[data-gain]")
    await result.wait_for()
    assert int(await result.get_attribute("data-gain") or -1) >= 0
    assert await editor.locator("button[data-action=publish]").count() == 1
    await no_axe_violations(page, "counter offer rule tried")
    await shot(page, "counter-offer-rule-zh_Hans")

    # not JSON: said so in place, nothing sent, and the publish step is gone
    await editor.locator("textarea").fill("{ not json")
    await editor.locator("button[data-action=dry-run]").click()
    await editor.locator(".field .error").wait_for()
    assert await editor.locator("button[data-action=publish]").count() == 0
