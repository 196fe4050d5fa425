"""At the counter or on the hotline, for someone without the app: the caller's answer to a
ticket's follow-up (回访: refused while nothing waits for an answer, in the clerk's language;
not solved reopens it) and a review (申请复核) of a refused application filed for them
(refused until the identity check is ticked; then filed, with its due date). axe-core on
each form."""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

__all__ = ["screen"]
# 吉祥里社区: the public security bureau (the clerk's unit) takes noise there
TICKET = """mutation { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise",
  description: "楼下装修太吵", regionCode: "110105002001"}) { number leadUnit { code } } }"""
ACK = "mutation($n: String!) { acknowledgeTicket(number: $n) { status } }"
RESOLVE = """mutation($n: String!) { resolveTicket(number: $n, note: "已约谈施工方")
  { status } }"""
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode } } }"""
REJECT = 'mutation($t: ID!) { rejectTask(taskId: $t, reason: "出生医学证明不清晰") { status } }'


async def test_a_callers_follow_up_answer(web: Server, pool: Pool, screen: NewScreen) -> None:
    api = Api(web, pool)
    try:
        caller = await api.token(fresh_phone())
        ticket = (await api.run(TICKET, {}, caller))["submitTicket"]
        assert ticket["leadUnit"]["code"] == "cy-psb"
        number = ticket["number"]
        page = await screen("en")
        await staff_log_in(page, web, pool, CLERK)
        await visit(page, "#/desk/followup", "form[data-form=followup]")
        form = page.locator("form[data-form=followup]")
        await no_axe_violations(page, "counter follow-up answer")
        await form.locator("input[name=number]").fill(number)
        # not resolved yet: nothing waits for an answer, said in the clerk's language
        await form.locator("button[data-answer=solved]").click()
        error = form.locator(".error")
        await error.wait_for()
        assert await error.inner_text() == translate("error.ticket.not_awaiting_answer", "en")

        clerk = await api.token(CLERK, staff=True)
        await api.run(ACK, {"n": number}, clerk)
        await api.run(RESOLVE, {"n": number}, clerk)
        await form.locator("button[data-answer=not_solved]").click()
        done = page.locator(".notice.done")
        await done.wait_for()
        assert number in await done.inner_text()
        assert await done.locator("a").get_attribute("href") == f"#/ticket/{number}"
        await no_axe_violations(page, "counter follow-up answer recorded")
        await shot(page, "counter-follow-up-en")
        row = await pool.fetchrow(
            """select t.status, f.answer_channel from tickets t
               join ticket_follow_ups f on f.ticket_id = t.id where t.number = $1""",
            number,
        )
        assert row is not None and (row["status"], row["answer_channel"]) == (
            "reopened",
            "hotline",
        )
    finally:
        await api.close()


async def test_a_review_request_filed_for_a_walk_in(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    api = Api(web, pool)
    try:
        citizen = await api.token(fresh_phone())
        application = (await api.run(SUBMIT, {}, citizen))["submitApplication"]
        number = application["number"]
        psb = next(t["id"] for t in application["tasks"] if t["unitCode"] == "cy-psb")
        await api.run(REJECT, {"t": psb}, await api.token(CLERK, staff=True))
    finally:
        await api.close()
    page = await screen("zh_Hans")
    await staff_log_in(page, web, pool, CLERK, "zh_Hans")
    await visit(page, "#/desk/review", "form[data-form=review]")
    form = page.locator("form[data-form=review]")
    await no_axe_violations(page, "counter review request")
    await form.locator("input[name=number]").fill(number)
    await form.locator("input[name=reason]").fill("我有新的出生医学证明")
    # who asks is not checked yet: refused in the clerk's language, nothing filed
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.review.identity_not_checked", "zh_Hans")
    await form.locator("input[name=identityChecked]").check()
    await form.locator("button[type=submit]").click()
    done = page.locator(".notice.done")
    await done.wait_for()
    assert number in await done.inner_text()
    await no_axe_violations(page, "counter review request filed")
    await shot(page, "counter-review-request-zh")
    review = await pool.fetchrow(
        "select status, reason from task_reviews where task_id = $1", int(psb)
    )
    assert review is not None and (review["status"], review["reason"]) == (
        "open",
        "我有新的出生医学证明",
    )
