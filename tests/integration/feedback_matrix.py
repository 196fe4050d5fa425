"""好差评 and 申请复核 of applications in the authorization matrix (test_authorization_matrix):
what each role may do, and what each case needs made first."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import gql

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
HIDDEN = "application.not_found"
TASK_HIDDEN = "task.not_found"

# ROLES: anonymous, citizen, other_citizen, staff (cy-psb), other_staff, supervisor, admin
FEEDBACK_EXPECTED: dict[str, tuple[str | None, ...]] = {
    # rating and asking for a review are the citizen's own: anyone else meets a number nobody has
    "rateApplication": (AUTH, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "requestTaskReview": (
        AUTH,
        OK,
        TASK_HIDDEN,
        TASK_HIDDEN,
        TASK_HIDDEN,
        TASK_HIDDEN,
        TASK_HIDDEN,
    ),
    # any clerk at any counter writes down a rating (全城通办)
    "recordApplicationRating": (AUTH, NO, NO, OK, OK, OK, NO),
    # and files a review a citizen asks for in person or by phone
    "recordTaskReviewRequest": (AUTH, NO, NO, OK, OK, OK, NO),
    # the unit of the task (cy-psb), its region's supervisors, the admin
    "completeTaskRectification": (AUTH, NO, NO, OK, NO, OK, OK),
    "decideTaskReview": (AUTH, NO, NO, OK, NO, OK, OK),
    # queues and figures: staff, filtered to their unit or region
    "taskRectifications": (AUTH, NO, NO, OK, OK, OK, OK),
    "taskReviews": (AUTH, NO, NO, OK, OK, OK, OK),
    "applicationSatisfaction": (AUTH, NO, NO, OK, OK, OK, OK),
}
# acting for the `citizen` session: the newborn bundle's theme is "applications"
FEEDBACK_AGENT_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "rateApplication": (
        OK,
        "delegation.out_of_scope",
        "delegation.inactive",
        "delegation.inactive",
    ),
    "requestTaskReview": (
        OK,
        "delegation.out_of_scope",
        "delegation.inactive",
        "delegation.inactive",
    ),
}

FEEDBACK_QUERIES = {
    "rateApplication": "mutation($n: String!) { rateApplication(number: $n, "
    "rating: SATISFIED) { number } }",
    "recordApplicationRating": "mutation($n: String!) { recordApplicationRating(number: $n, "
    "rating: SATISFIED) { number } }",
    "completeTaskRectification": "mutation($r: ID!) { completeTaskRectification(id: $r, "
    'note: "已整改", callBack: "申请人认可") { status } }',
    "requestTaskReview": 'mutation($t: ID!) { requestTaskReview(taskId: $t, reason: "请复核") '
    "{ number } }",
    "recordTaskReviewRequest": "mutation($n: String!) { recordTaskReviewRequest(number: $n, "
    'reason: "请复核", identityChecked: true) { number itemName dueOn } }',
    "decideTaskReview": "mutation($v: ID!) { decideTaskReview(id: $v, refusalStands: true, "
    'reason: "维持") { status } }',
    "taskRectifications": "{ taskRectifications { id } }",
    "taskReviews": "{ taskReviews { id } }",
    "applicationSatisfaction": 'query { applicationSatisfaction(since: "2026-01-01", '
    'until: "2026-12-31") { unitCode } }',
}

_FINISHED = {"rateApplication", "recordApplicationRating", "completeTaskRectification"}
_REFUSED = {"requestTaskReview", "recordTaskReviewRequest", "decideTaskReview"}


async def _ok(
    client: AsyncTestClient[Any], query: str, variables: dict[str, Any], token: str
) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return body["data"]


async def prepare_feedback(
    client: AsyncTestClient[Any],
    tokens: dict[str, str],
    pool: Pool,
    operation: str,
    application: dict[str, Any],
) -> dict[str, Any]:
    """`application`: the case's fresh newborn application ({"n": number, "t": cy-psb task})."""
    if operation in _FINISHED:
        tasks = await pool.fetch(
            "select t.id from tasks t join applications a on a.id = t.application_id"
            " where a.number = $1",
            application["n"],
        )
        for task in tasks:
            for action in ("acceptTask", "completeTask"):
                query = f"mutation($t: ID!) {{ {action}(taskId: $t) {{ number }} }}"
                await _ok(client, query, {"t": str(task["id"])}, tokens["admin"])
    if operation == "completeTaskRectification":
        units = [{"taskId": application["t"], "rating": "DISSATISFIED"}]
        query = """mutation($n: String!, $u: [UnitRatingInput!]) {
          rateApplication(number: $n, rating: SATISFIED, units: $u) { number } }"""
        await _ok(client, query, {"n": application["n"], "u": units}, tokens["citizen"])
        rect = await pool.fetchval(
            "select id from task_rectifications where task_id = $1", int(application["t"])
        )
        return {"r": str(rect)}
    if operation in _REFUSED:
        query = 'mutation($t: ID!) { rejectTask(taskId: $t, reason: "不符合条件") { number } }'
        await _ok(client, query, {"t": application["t"]}, tokens["staff"])
    if operation == "decideTaskReview":
        query = 'mutation($t: ID!) { requestTaskReview(taskId: $t, reason: "请复核") { number } }'
        await _ok(client, query, {"t": application["t"]}, tokens["citizen"])
        # refused by a clerk none of the sessions is (the refusing clerk may never decide)
        review = await pool.fetchval(
            "update task_reviews set refused_by = null where task_id = $1 and status = 'open'"
            " returning id",
            int(application["t"]),
        )
        return {"v": str(review)}
    return {}
