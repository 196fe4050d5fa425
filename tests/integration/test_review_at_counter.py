"""申请复核 asked in person or by phone: someone who reads SMS only cannot use the app, so a clerk
at any counter (or on the hotline) files the review for them, having checked who they are. The
same rules as the citizen's own request (a refused task, within 60 days, once at a time); the
clerk learns only the number, the item and the due date; the outcome reaches the citizen by SMS.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.case_numbers import APPLICATION_PREFIX, make_case_number
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen
from tests.integration.helpers import error_code, gql, login
from tests.integration.test_application_feedback import SUBMIT, _ok, _refused_days_ago

Client = AsyncTestClient[Any]
RECORD = """mutation($n: String!, $c: Boolean!, $i: String) {
  recordTaskReviewRequest(number: $n, reason: "我有新的材料证明", identityChecked: $c,
  itemCode: $i) { number itemName dueOn } }"""
REJECT = 'mutation($t: ID!) { rejectTask(taskId: $t, reason: "出生医学证明不清晰") { status } }'
DECIDE = """mutation($id: ID!) { decideTaskReview(id: $id, refusalStands: false,
  reason: "补充材料后符合条件") { status } }"""


async def _sms_readers_application(client: Client, pool: Pool) -> tuple[dict[str, Any], str]:
    _cid, phone = await make_citizen(pool, channel="sms")
    token = await login(client, pool, phone)
    application: dict[str, Any] = (await _ok(client, SUBMIT, {}, token))["submitApplication"]
    return application, phone


def _task_of(application: dict[str, Any], unit: str) -> str:
    task_id: str = next(t["id"] for t in application["tasks"] if t["unitCode"] == unit)
    return task_id


async def test_a_clerk_files_the_review_an_sms_reader_asks_for(
    client: Client, pool: Pool, tokens: dict[str, str]
) -> None:
    application, phone = await _sms_readers_application(client, pool)
    n = {"n": application["number"], "c": True}
    # nothing refused yet
    assert error_code(await gql(client, RECORD, n, token=tokens["other_staff"])) == (
        "review.not_refused"
    )
    psb = _task_of(application, "cy-psb")
    await _ok(client, REJECT, {"t": psb}, tokens["staff"])
    # the clerk states they checked who is asking
    body = await gql(client, RECORD, {**n, "c": False}, token=tokens["other_staff"])
    assert error_code(body) == "review.identity_not_checked"
    # a clerk of another unit, at another hall (全城通办)
    body = await gql(client, RECORD, n, token=tokens["other_staff"])
    assert "errors" not in body, body
    filed = body["data"]["recordTaskReviewRequest"]
    assert filed["number"] == application["number"] and filed["itemName"] and filed["dueOn"]
    review = await pool.fetchrow(
        "select id, status, reason from task_reviews where task_id = $1", int(psb)
    )
    assert review is not None and (review["status"], review["reason"]) == (
        "open",
        "我有新的材料证明",
    )
    event = await pool.fetchrow(
        "select actor_kind, data->>'channel' as channel from events"
        " where task_id = $1 and kind = 'task.review_requested'",
        int(psb),
    )
    assert event is not None and (event["actor_kind"], event["channel"]) == ("staff", "counter")
    # once at a time, whoever asks
    assert error_code(await gql(client, RECORD, n, token=tokens["staff"])) == (
        "review.already_open"
    )
    # decided by someone other than the refusing clerk; the outcome reaches the citizen by SMS
    decided = await gql(client, DECIDE, {"id": str(review["id"])}, token=tokens["supervisor"])
    assert "errors" not in decided, decided
    told = await pool.fetchval(
        "select template from outbox where phone = $1 and kind = 'task.review_overturned'", phone
    )
    assert told == "sms.plain.review_overturned"


async def test_the_window_the_item_and_the_number_are_checked(
    client: Client, pool: Pool, tokens: dict[str, str]
) -> None:
    application, _phone = await _sms_readers_application(client, pool)
    n = {"n": application["number"], "c": True}
    refused = [t["id"] for t in application["tasks"]]
    assert len(refused) > 1
    for task in refused:
        unit = next(t["unitCode"] for t in application["tasks"] if t["id"] == task)
        clerk = tokens["staff"] if unit == "cy-psb" else tokens["admin"]
        await _ok(client, REJECT, {"t": task}, clerk)
    # several items refused: which one
    assert error_code(await gql(client, RECORD, n, token=tokens["staff"])) == (
        "review.item_required"
    )
    item = await pool.fetchval(
        "select i.code from tasks t join service_items i on i.id = t.item_id where t.id = $1",
        int(refused[0]),
    )
    await _refused_days_ago(pool, int(refused[0]), 61)
    body = await gql(client, RECORD, {**n, "i": item}, token=tokens["staff"])
    assert error_code(body) == "review.window_closed"
    await _refused_days_ago(pool, int(refused[0]), 59)
    body = await gql(client, RECORD, {**n, "i": item}, token=tokens["staff"])
    assert "errors" not in body, body
    assert (
        await pool.fetchval(
            "select count(*) from task_reviews where task_id = any($1::bigint[])",
            [int(t) for t in refused],
        )
        == 1
    )
    # a number nobody has, and one too short to be a number
    nobody = make_case_number(APPLICATION_PREFIX, 9_999_998)
    body = await gql(client, RECORD, {"n": nobody, "c": True}, token=tokens["staff"])
    assert error_code(body) == "application.not_found"
    body = await gql(client, RECORD, {"n": "12", "c": True}, token=tokens["staff"])
    assert error_code(body) not in (None, "internal")
