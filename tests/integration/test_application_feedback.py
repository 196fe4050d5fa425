"""好差评 and 申请复核 for applications, through the real GraphQL endpoint: ratings in the app and
at the counter, the rectifications a poor rating opens and their call-back, the figures per
unit, and reviews of refused tasks decided by someone other than the clerk who refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.calendar import local_date
from doorstep.services.deps import build_calendar
from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number status tasks { id unitCode status } } }"""
FEEDBACK = """query($n: String!) { application(number: $n) { status
  tasks { id status dueOn reason }
  feedback { rating channel canRate tasks { taskId rating reviewOpenUntil
    rectification { id status dueOn note callBack }
    review { id status statusLabel reason refusalReason decisionReason dueOn } } }
  timeline { kind title } } }"""
RATE = """mutation($n: String!, $r: Rating!, $c: String, $u: [UnitRatingInput!]) {
  rateApplication(number: $n, rating: $r, comment: $c, units: $u) { number } }"""
COUNTER_RATE = """mutation($n: String!, $r: Rating!) {
  recordApplicationRating(number: $n, rating: $r) { number } }"""
RECTIFICATIONS = "{ taskRectifications { id applicationNumber itemName status rating } }"
COMPLETE_RECT = """mutation($id: ID!, $note: String!, $cb: String!) {
  completeTaskRectification(id: $id, note: $note, callBack: $cb) { status note callBack } }"""
SATISFACTION = """query($s: Date!, $u: Date!) { applicationSatisfaction(since: $s, until: $u)
  { unitCode rated satisfied dissatisfied satisfactionRate rectificationsOpen } }"""
REQUEST_REVIEW = """mutation($t: ID!, $r: String!) {
  requestTaskReview(taskId: $t, reason: $r) { number } }"""
REVIEWS = "{ taskReviews { id taskId status applicationNumber } }"
DECIDE = """mutation($id: ID!, $stands: Boolean!, $r: String!) {
  decideTaskReview(id: $id, refusalStands: $stands, reason: $r) { status decisionReason } }"""
ACT = "mutation($t: ID!) { %s(taskId: $t) { status } }"
REJECT = 'mutation($t: ID!) { rejectTask(taskId: $t, reason: "出生医学证明不清晰") { status } }'

Client = AsyncTestClient[Any]


async def _ok(client: Client, query: str, variables: dict[str, Any], token: str) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return body["data"]


async def _submitted(client: Client, tokens: dict[str, str]) -> dict[str, Any]:
    data = await _ok(client, SUBMIT, {}, tokens["citizen"])
    application: dict[str, Any] = data["submitApplication"]
    return application


async def _finish(client: Client, token: str, task_id: str) -> None:
    await _ok(client, ACT % "acceptTask", {"t": task_id}, token)
    await _ok(client, ACT % "completeTask", {"t": task_id}, token)


async def _page(client: Client, token: str, number: str) -> dict[str, Any]:
    page: dict[str, Any] = (await _ok(client, FEEDBACK, {"n": number}, token))["application"]
    return page


async def _refused_days_ago(pool: Pool, task_id: int, days: int) -> None:
    """Move the task's refusal back in time (the log is append-only: its trigger is set aside
    for this one statement, as a restore would)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("set local session_replication_role = replica")
        await conn.execute(
            "update events set created_at = now() - make_interval(days => $2)"
            " where task_id = $1 and kind = 'task.reject'",
            task_id,
            days,
        )


def _psb_task(application: dict[str, Any]) -> str:
    task_id: str = next(t["id"] for t in application["tasks"] if t["unitCode"] == "cy-psb")
    return task_id


async def test_a_poor_rating_of_a_unit_opens_a_rectification_closed_by_its_call_back(
    client: Client, tokens: dict[str, str]
) -> None:
    app = await _submitted(client, tokens)
    number, psb = app["number"], _psb_task(app)
    # not before it is finished
    body = await gql(client, RATE, {"n": number, "r": "SATISFIED"}, token=tokens["citizen"])
    assert error_code(body) == "application_rating.application_not_finished"
    assert (await _page(client, tokens["citizen"], number))["feedback"]["canRate"] is False
    for task in app["tasks"]:
        await _finish(client, tokens["admin"], task["id"])
    page = await _page(client, tokens["citizen"], number)
    assert page["status"] == "COMPLETED" and page["feedback"]["canRate"] is True

    # someone else's, a task of another application, a rating off the scale
    body = await gql(client, RATE, {"n": number, "r": "SATISFIED"}, token=tokens["other_citizen"])
    assert error_code(body) == "application.not_found"
    units = [{"taskId": "999999999", "rating": "SATISFIED"}]
    body = await gql(
        client, RATE, {"n": number, "r": "SATISFIED", "u": units}, token=tokens["citizen"]
    )
    assert error_code(body) == "application_rating.unknown_task"
    body = await gql(client, RATE, {"n": number, "r": "SUPERB"}, token=tokens["citizen"])
    assert body.get("errors")

    units = [{"taskId": psb, "rating": "VERY_DISSATISFIED"}]
    variables = {"n": number, "r": "SATISFIED", "c": "窗口让我跑了三趟", "u": units}
    await _ok(client, RATE, variables, tokens["citizen"])
    body = await gql(client, RATE, {"n": number, "r": "SATISFIED"}, token=tokens["citizen"])
    assert error_code(body) == "application_rating.already_rated"

    feedback = (await _page(client, tokens["citizen"], number))["feedback"]
    assert feedback["rating"] == "SATISFIED" and feedback["channel"] == "app"
    assert feedback["canRate"] is False
    by_task = {t["taskId"]: t for t in feedback["tasks"]}
    assert by_task[psb]["rating"] == "VERY_DISSATISFIED"
    assert by_task[psb]["rectification"]["status"] == "open"
    others = [t for task_id, t in by_task.items() if task_id != psb]
    assert others and all(t["rating"] == "SATISFIED" and not t["rectification"] for t in others)

    # the unit's queue has it; another unit's has not
    owed = (await _ok(client, RECTIFICATIONS, {}, tokens["staff"]))["taskRectifications"]
    mine = [r for r in owed if r["applicationNumber"] == number]
    assert len(mine) == 1 and mine[0]["rating"] == "VERY_DISSATISFIED"
    elsewhere = (await _ok(client, RECTIFICATIONS, {}, tokens["other_staff"]))["taskRectifications"]
    assert not [r for r in elsewhere if r["applicationNumber"] == number]
    rect_id = mine[0]["id"]

    note = {"id": rect_id, "note": "已约谈窗口人员，改为一次告知", "cb": ""}
    body = await gql(client, COMPLETE_RECT, note, token=tokens["staff"])
    assert error_code(body) == "rectification.call_back_required"
    note["cb"] = "电话回访，申请人表示认可"
    body = await gql(client, COMPLETE_RECT, note, token=tokens["other_staff"])
    assert error_code(body) == "auth.forbidden"
    body = await gql(client, COMPLETE_RECT, note, token=tokens["citizen"])
    assert error_code(body) == "auth.forbidden"
    done = (await _ok(client, COMPLETE_RECT, note, tokens["staff"]))["completeTaskRectification"]
    assert done == {"status": "done", "note": note["note"], "callBack": note["cb"]}
    body = await gql(client, COMPLETE_RECT, note, token=tokens["staff"])
    assert error_code(body) == "rectification.already_done"
    body = await gql(client, COMPLETE_RECT, {**note, "id": "987654321"}, token=tokens["staff"])
    assert error_code(body) == "rectification.not_found"

    page = await _page(client, tokens["citizen"], number)
    kinds = [e["kind"] for e in page["timeline"]]
    assert kinds.count("application.rated") == 1
    assert "task.rectification_opened" in kinds and "task.rectification_done" in kinds
    assert any(note["note"] in e["title"] for e in page["timeline"])

    today = local_date(datetime.now(UTC)).isoformat()
    figures = (await _ok(client, SATISFACTION, {"s": today, "u": today}, tokens["staff"]))[
        "applicationSatisfaction"
    ]
    assert [f["unitCode"] for f in figures] == ["cy-psb"]  # the clerk's own unit only
    assert figures[0]["rated"] >= 1 and figures[0]["dissatisfied"] >= 1
    body = await gql(client, SATISFACTION, {"s": today, "u": today}, token=tokens["citizen"])
    assert error_code(body) == "auth.forbidden"


async def test_a_clerk_records_a_rating_given_at_the_counter(
    client: Client, tokens: dict[str, str], pool: Pool
) -> None:
    app = await _submitted(client, tokens)
    for task in app["tasks"]:
        await _finish(client, tokens["admin"], task["id"])
    body = await gql(client, COUNTER_RATE, {"n": app["number"], "r": "GOOD"}, token=tokens["staff"])
    assert body.get("errors")  # not a level
    body = await gql(
        client, COUNTER_RATE, {"n": app["number"], "r": "SATISFIED"}, token=tokens["citizen"]
    )
    assert error_code(body) == "auth.forbidden"
    await _ok(client, COUNTER_RATE, {"n": app["number"], "r": "VERY_SATISFIED"}, tokens["staff"])
    feedback = (await _page(client, tokens["citizen"], app["number"]))["feedback"]
    assert feedback["channel"] == "counter" and feedback["rating"] == "VERY_SATISFIED"
    recorded_by = await pool.fetchval(
        "select r.recorded_by from application_ratings r join applications a"
        " on a.id = r.application_id where a.number = $1",
        app["number"],
    )
    assert recorded_by is not None


async def test_a_refusal_is_reviewed_by_someone_else_and_can_reopen_the_task(
    client: Client, tokens: dict[str, str], pool: Pool, settings: Settings
) -> None:
    app = await _submitted(client, tokens)
    number, psb = app["number"], _psb_task(app)
    others = [t["id"] for t in app["tasks"] if t["id"] != psb]
    body = await gql(client, REQUEST_REVIEW, {"t": psb, "r": "材料齐全"}, token=tokens["citizen"])
    assert error_code(body) == "review.not_refused"
    await _ok(client, REJECT, {"t": psb}, tokens["staff"])
    for task_id in others:
        await _finish(client, tokens["admin"], task_id)

    feedback = (await _page(client, tokens["citizen"], number))["feedback"]
    open_until = {t["taskId"]: t["reviewOpenUntil"] for t in feedback["tasks"]}
    assert open_until[psb] is not None and all(open_until[t] is None for t in others)

    body = await gql(client, REQUEST_REVIEW, {"t": psb, "r": "  "}, token=tokens["citizen"])
    assert error_code(body) == "review.reason_required"
    variables = {"t": psb, "r": "证明是医院原件，可以核验"}
    body = await gql(client, REQUEST_REVIEW, variables, token=tokens["other_citizen"])
    assert error_code(body) == "task.not_found"
    await _ok(client, REQUEST_REVIEW, variables, tokens["citizen"])
    body = await gql(client, REQUEST_REVIEW, variables, token=tokens["citizen"])
    assert error_code(body) == "review.already_open"

    queue = (await _ok(client, REVIEWS, {}, tokens["staff"]))["taskReviews"]
    review = next(r for r in queue if r["applicationNumber"] == number)
    assert review["status"] == "open"
    elsewhere = (await _ok(client, REVIEWS, {}, tokens["other_staff"]))["taskReviews"]
    assert not [r for r in elsewhere if r["applicationNumber"] == number]

    decide = {"id": review["id"], "stands": False, "r": "经核验原件有效，重新受理"}
    body = await gql(client, DECIDE, decide, token=tokens["staff"])
    assert error_code(body) == "review.same_clerk"  # the clerk who refused
    body = await gql(client, DECIDE, decide, token=tokens["other_staff"])
    assert error_code(body) == "auth.forbidden"  # another unit's
    body = await gql(client, DECIDE, {**decide, "r": ""}, token=tokens["supervisor"])
    assert error_code(body) == "review.decision_reason_required"
    decided = (await _ok(client, DECIDE, decide, tokens["supervisor"]))["decideTaskReview"]
    assert decided == {"status": "overturned", "decisionReason": decide["r"]}
    body = await gql(client, DECIDE, decide, token=tokens["admin"])
    assert error_code(body) == "review.already_decided"

    page = await _page(client, tokens["citizen"], number)
    task = next(t for t in page["tasks"] if t["id"] == psb)
    assert task["status"] == "ACCEPTED" and task["reason"] is None
    assert page["status"] == "IN_PROGRESS"
    calendar = build_calendar(settings)
    today = local_date(datetime.now(UTC))
    working_days = await pool.fetchval(
        "select working_days + extended_days from tasks where id = $1", int(psb)
    )
    assert task["dueOn"] == calendar.add_working_days(today, working_days).isoformat()
    tail = [e["kind"] for e in page["timeline"]][-4:]
    assert "task.reopen" in tail and "task.review_overturned" in tail
    sms = await pool.fetchval(
        "select template from outbox o join applications a on a.citizen_id = o.citizen_id"
        " where a.number = $1 and o.kind = 'task.review_overturned'",
        number,
    )
    assert sms in ("sms.review_overturned", "sms.plain.review_overturned")

    # refused again: that refusal may be reviewed once more; upheld, it may not again
    await _ok(client, REJECT, {"t": psb}, tokens["staff"])
    await _ok(client, REQUEST_REVIEW, variables, tokens["citizen"])
    queue = (await _ok(client, REVIEWS, {}, tokens["supervisor"]))["taskReviews"]
    review = next(r for r in queue if r["applicationNumber"] == number)
    upheld = {"id": review["id"], "stands": True, "r": "原件核验未通过"}
    assert (await _ok(client, DECIDE, upheld, tokens["admin"]))["decideTaskReview"]["status"] == (
        "upheld"
    )
    body = await gql(client, REQUEST_REVIEW, variables, token=tokens["citizen"])
    assert error_code(body) == "review.already_decided"
    feedback = (await _page(client, tokens["citizen"], number))["feedback"]
    psb_feedback = next(t for t in feedback["tasks"] if t["taskId"] == psb)
    assert psb_feedback["review"]["status"] == "upheld"
    assert psb_feedback["review"]["decisionReason"] == "原件核验未通过"
    assert psb_feedback["reviewOpenUntil"] is None


async def test_a_review_is_asked_within_sixty_days_and_once_at_a_time(
    client: Client, tokens: dict[str, str], pool: Pool
) -> None:
    app = await _submitted(client, tokens)
    psb = _psb_task(app)
    await _ok(client, REJECT, {"t": psb}, tokens["staff"])
    variables = {"t": psb, "r": "请再看一次"}
    await _refused_days_ago(pool, int(psb), 61)
    body = await gql(client, REQUEST_REVIEW, variables, token=tokens["citizen"])
    assert error_code(body) == "review.window_closed"
    await _refused_days_ago(pool, int(psb), 59)
    # two taps at once: one review
    bodies = await asyncio.gather(
        *(gql(client, REQUEST_REVIEW, variables, token=tokens["citizen"]) for _ in range(4))
    )
    assert sorted(error_code(b) or "ok" for b in bodies) == ["ok"] + ["review.already_open"] * 3
    count = await pool.fetchval("select count(*) from task_reviews where task_id = $1", int(psb))
    assert count == 1
