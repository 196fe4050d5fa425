"""At the counter, in the browser: an application for a walk-in (refused until the identity
check and consent are ticked, in the clerk's language, one request for a double click; then
made, with the checks recorded), a principal's consent to a delegation given in person, and a
ticket filed for a hotline caller. axe-core on each form, desk and tablet."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from doorstep.domain.identity import make_resident_id
from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

__all__ = ["screen"]
ASK = """mutation($p: String!) { requestDelegation(principalPhone: $p, themes: [APPLICATIONS],
  days: 30) { id status } }"""


async def test_walk_in_application(web: Server, pool: Pool, screen: NewScreen) -> None:
    page = await screen("en")
    sent: list[Any] = []
    page.on(
        "request",
        lambda r: sent.append(r) if "submitAssistedApplication" in (r.post_data or "") else None,
    )
    await staff_log_in(page, web, pool, CLERK)
    await visit(page, "#/desk/walkin", "form[data-form=walkin]")
    form = page.locator("form[data-form=walkin]")
    await form.locator("select[name=bundle] option[value=newborn]").wait_for(state="attached")
    await form.locator("select[name=bundle]").select_option("newborn")
    await form.locator("input[name=material]").first.wait_for()
    await no_axe_violations(page, "counter walk-in")
    resident_id = make_resident_id("110105", date(1990, 3, 4), f"{random.randrange(1000):03d}")
    phone = fresh_phone()
    await form.locator("input[name=name]").fill("赵春花")
    await form.locator("input[name=residentId]").fill(resident_id)
    await form.locator("input[name=phone]").fill(phone.removeprefix("+86"))
    await form.locator("input[name=identityDocument]").fill("居民身份证原件")
    await form.locator("input[name=material]").first.check()

    # the checks not ticked: refused, nothing made, one request for a double click
    await form.locator("button[type=submit]").dblclick()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.assisted.consent_required", "en")
    assert len(sent) == 1
    await shot(page, "counter-walkin-en")

    await form.locator("input[name=identityChecked]").check()
    await form.locator("input[name=consentGiven]").check()
    await form.locator("button[type=submit]").click()
    done = page.locator(".notice.done")
    await done.wait_for()
    number = await done.locator("a").get_attribute("href")
    assert number is not None
    row = await pool.fetchrow(
        "select a.submitted_by_staff_id, c.phone from applications a "
        "join citizens c on c.id = a.citizen_id where a.number = $1",
        number.rsplit("/", 1)[-1],
    )
    assert row is not None and row["submitted_by_staff_id"] is not None
    assert row["phone"] == phone
    await no_axe_violations(page, "counter walk-in done")


async def test_consent_in_person_and_a_hotline_ticket(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    principal, agent, caller = fresh_phone(), fresh_phone(), fresh_phone()
    api = Api(web, pool)
    try:
        await api.token(principal)  # both have accounts; the agent asks in the app
        asked = await api.run(ASK, {"p": principal}, await api.token(agent))
    finally:
        await api.close()
    delegation_id = int(asked["requestDelegation"]["id"])

    page = await screen("zh_Hans", tablet=True)
    await staff_log_in(page, web, pool, CLERK, "zh_Hans")
    await visit(page, "#/desk/consent", "form[data-form=consent]")
    form = page.locator("form[data-form=consent]")
    await form.locator("input[name=principal]").fill(principal.removeprefix("+86"))
    await form.locator("input[name=agent]").fill(agent.removeprefix("+86"))
    await no_axe_violations(page, "counter consent")
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.delegation.checks_required", "zh_Hans")
    await form.locator("input[name=identityChecked]").check()
    await form.locator("input[name=understood]").check()
    await form.locator("button[type=submit]").click()
    await page.locator(".notice.done").wait_for()
    await shot(page, "counter-consent-tablet-zh_Hans")
    row = await pool.fetchrow(
        "select status, consent_method from delegations where id = $1", delegation_id
    )
    assert row is not None and (row["status"], row["consent_method"]) == ("active", "in_person")

    await visit(page, "#/desk/hotline", "form[data-form=hotline]")
    form = page.locator("form[data-form=hotline]")
    await form.locator("select[name=category] option[value=noise]").wait_for(state="attached")
    await no_axe_violations(page, "counter hotline")
    await form.locator("input[name=caller]").fill(caller.removeprefix("+86"))
    await form.locator("select[name=category]").select_option("noise")
    await form.locator("select[name=region]").select_option("110105001001")
    await form.locator("input[name=description]").fill("来电反映楼下饭馆油烟机夜里很响")
    await form.locator("button[type=submit]").click()
    done = page.locator(".notice.done")
    await done.wait_for()
    href = await done.locator("a").get_attribute("href")
    assert href is not None
    ticket = await pool.fetchrow(
        "select c.phone from tickets t join citizens c on c.id = t.citizen_id where t.number = $1",
        href.rsplit("/", 1)[-1],
    )
    assert ticket is not None and ticket["phone"] == caller
