"""Tickets (诉求) in the browser: file one with kind, category, description, the region from the
picker and the phone's position; a refusal next to its field in the user's language and one
request for a double tap; the clerk resolves it; the citizen says it is solved and rates it."""

from __future__ import annotations

from typing import Any

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

HERE = {"latitude": 39.90873, "longitude": 116.46052}
COMMUNITY = "110105001001"  # 永安里社区: its noise tickets go to the police (cy-psb)


async def test_file_follow_answer_and_rate_a_ticket(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    context = await phone("en", geolocation=HERE, permissions=["geolocation"], bypass_csp=True)
    page = await context.new_page()
    submits: list[Any] = []
    page.on(
        "request",
        lambda r: submits.append(r) if "submitTicket" in (r.post_data or "") else None,
    )
    citizen = fresh_phone()
    await enter(page, web, pool, citizen, "en")
    await visit(page, "#/tickets", "main .empty")
    await no_axe_violations(page, "tickets")
    await page.locator("a[href='#/report']").click()
    form = page.locator("form[data-form=ticket]")
    await form.wait_for()
    await no_axe_violations(page, "report")

    # nothing described: the server's message next to the field, one request for two taps
    await form.locator("select[name=category]").select_option("noise")
    await form.locator("select[name=region]").select_option(COMMUNITY)
    await form.locator("button[type=submit]").dblclick()
    error = form.locator(".field .error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.ticket.description_empty", "en")
    described = await form.locator("textarea[name=description]").get_attribute("aria-describedby")
    assert described and (await error.get_attribute("id")) in described
    assert len(submits) == 1

    await form.locator("select[name=kind]").select_option("COMPLAINT")
    await form.locator("textarea[name=description]").fill("Loud music upstairs every night")
    await form.locator("[data-field=location] button").click()
    await form.locator("[data-field=location] [role=status]").wait_for()
    await shot(page, "ticket-new-en")
    await form.locator("button[type=submit]").click()
    status = page.locator("[data-status]")
    await status.wait_for()
    number = page.url.rsplit("/", 1)[-1]
    row = await pool.fetchrow(
        "select category_code, region_code, kind, latitude, longitude from tickets "
        "where number = $1",
        number,
    )
    assert row is not None
    assert (row["category_code"], row["region_code"], row["kind"]) == (
        "noise",
        COMMUNITY,
        "complaint",
    )
    assert abs(row["latitude"] - HERE["latitude"]) < 1e-4
    assert abs(row["longitude"] - HERE["longitude"]) < 1e-4
    assert await status.get_attribute("data-status") == "DISPATCHED"
    await no_axe_violations(page, "ticket")

    # the police acknowledge and resolve it; the citizen's page asks whether it is solved
    api = Api(web, pool)
    try:
        clerk = await pool.fetchval(
            "select s.phone from staff_members s join units u on u.id = s.unit_id "
            "where u.code = 'cy-psb' and s.role = 'staff'"
        )
        token = await api.token(clerk, staff=True)
        n = {"n": number}
        await api.run(
            "mutation($n: String!) { acknowledgeTicket(number: $n) { status } }", n, token
        )
        await api.run(
            'mutation($n: String!) { resolveTicket(number: $n, note: "Spoke to the neighbours") '
            "{ status } }",
            n,
            token,
        )
    finally:
        await api.close()
    await page.reload()
    follow_up = page.locator("[data-section=follow-up]")
    await follow_up.wait_for()
    assert "Spoke to the neighbours" in await page.locator("main").inner_text()
    await no_axe_violations(page, "follow-up")
    await shot(page, "ticket-follow-up-en")
    await follow_up.locator("button.primary").dblclick()  # solved
    rate = page.locator("form[data-form=rate]")
    await rate.wait_for()
    assert await pool.fetchval("select solved from tickets where number = $1", number) is True
    # the five 好差评 levels, in the catalog's words
    labels = [await x.inner_text() for x in await rate.locator("label.check").all()]
    assert labels == [
        translate(f"rating.{level}", "en")
        for level in (
            "very_satisfied",
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "very_dissatisfied",
        )
    ]
    await no_axe_violations(page, "rate")
    await rate.locator("input[value=SATISFIED]").check()
    await rate.locator("textarea[name=comment]").fill("Quick, thank you")
    await rate.locator("button[type=submit]").dblclick()
    await page.locator("[data-rating=SATISFIED]").wait_for()
    row = await pool.fetchrow(
        "select rating, rating_comment from tickets where number = $1", number
    )
    assert row is not None and row["rating_comment"] == "Quick, thank you"
    events = await pool.fetchval(
        "select count(*) from events e join tickets t on t.id = e.ticket_id "
        "where t.number = $1 and e.kind = 'ticket.rated'",
        number,
    )
    assert events == 1  # rated once for a double tap
