"""好差评 and 申请复核 in the browser: a citizen asks for a review of a refused part of her
application with a reason and reads the outcome; once the application is finished she rates it
with the five levels, once for a double tap."""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.checks import elder_problems
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode } } }"""
ACT = "mutation($t: ID!) { %s(taskId: $t) { number } }"


async def test_ask_for_a_review_then_rate_the_application(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    citizen = fresh_phone()
    context = await phone("en", bypass_csp=True)
    page = await context.new_page()
    rates: list[str] = []
    page.on(
        "request",
        lambda r: rates.append(r.url) if "rateApplication" in (r.post_data or "") else None,
    )
    await enter(page, web, pool, citizen, "en")
    api = Api(web, pool)
    try:
        own = await api.token(citizen)
        app = (await api.run(SUBMIT, {}, own))["submitApplication"]
        admin = await api.token("+8613900139000", staff=True)
        psb = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
        others = [t["id"] for t in app["tasks"] if t["id"] != psb]
        reject = (
            'mutation($t: ID!) { rejectTask(taskId: $t, reason: "Photo unreadable") { number } }'
        )
        await api.run(reject, {"t": psb}, admin)
        for task in others:
            await api.run(ACT % "acceptTask", {"t": task}, admin)
            await api.run(ACT % "completeTask", {"t": task}, admin)

        await visit(page, f"#/application/{app['number']}", "[data-feedback-task]")
        ask = page.locator(f"[data-ask-review='{psb}']")
        await ask.click()
        form = page.locator("form[data-form=ask-review]")
        await form.locator("button[type=submit]").dblclick()  # no reason yet
        error = form.locator(".field .error")
        await error.wait_for()
        assert await error.inner_text() == translate("error.review.reason_required", "en")
        await no_axe_violations(page, "ask for a review")
        await form.locator("textarea[name=reason]").fill("The hospital's original is attached")
        await form.locator("button[type=submit]").click()
        await page.locator("[data-review=open]").wait_for()

        # a supervisor upholds it: the page reads the outcome and its reason
        supervisor = await api.token("+8613900139001", staff=True)
        review = await pool.fetchval(
            "select id from task_reviews where task_id = $1 and status = 'open'", int(psb)
        )
        decide = """mutation($v: ID!) { decideTaskReview(id: $v, refusalStands: true,
          reason: "The certificate number does not match") { status } }"""
        await api.run(decide, {"v": str(review)}, supervisor)
    finally:
        await api.close()
    await page.reload()
    upheld = page.locator("[data-review=upheld]")
    await upheld.wait_for()
    assert "The certificate number does not match" in await upheld.inner_text()

    rate = page.locator("form[data-form=rate-application]")
    await rate.wait_for()
    await no_axe_violations(page, "rate an application")
    await shot(page, "application-feedback-en")
    # in elder mode the outcome and the five levels meet the elder rules too
    api = Api(web, pool)
    try:
        await api.run("mutation { setElderMode(on: true) { elderMode } }", {}, own)
    finally:
        await api.close()
    await page.reload()
    await rate.wait_for()
    await page.locator("[data-review=upheld]").scroll_into_view_if_needed()
    assert await elder_problems(page) == []
    await shot(page, "application-feedback-elder-en")
    await rate.locator("input[value=BASICALLY_SATISFIED]").check()
    await rate.locator("button[type=submit]").dblclick()
    await page.locator("[data-rated=BASICALLY_SATISFIED]").wait_for()
    assert len(rates) == 1
    assert (
        await pool.fetchval(
            "select count(*) from application_ratings r join applications a"
            " on a.id = r.application_id where a.number = $1",
            app["number"],
        )
        == 1
    )
