"""The whole foundation path: log in, apply for a bundle, staff work it, it completes."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

SUBMIT = """mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) {
  number status statusLabel progress { done total percent } nextStep
  tasks { id itemCode unitCode status dueOn paused } } }"""
APPLICATION = """query($n: String!) { application(number: $n) {
  number status progress { done total percent } nextStep
  tasks { id unitCode status dueOn paused reason }
  timeline { kind title } } }"""


async def test_newborn_bundle_end_to_end(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    body = await gql(client, SUBMIT, {"i": {"bundleCode": "newborn"}}, token=tokens["citizen"])
    assert "errors" not in body, body
    app = body["data"]["submitApplication"]
    assert app["status"] == "SUBMITTED"
    assert app["progress"] == {"done": 0, "total": 5, "percent": 0}
    assert len(app["number"]) == 10
    police_task = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")

    # the unit asks for materials: the clock pauses and the citizen is told what to do
    body = await gql(
        client,
        """mutation($t: ID!) { requestMaterials(taskId: $t,
        reason: "请补充父母户口簿") { status nextStep tasks { id status paused } } }""",
        {"t": police_task["id"]},
        token=tokens["staff"],
    )
    assert "errors" not in body, body
    assert body["data"]["requestMaterials"]["status"] == "NEEDS_MATERIALS"

    body = await gql(
        client,
        """mutation($n: String!) { supplyMaterials(number: $n,
        note: "已上传户口簿") { status } }""",
        {"n": app["number"]},
        token=tokens["citizen"],
    )
    assert body["data"]["supplyMaterials"]["status"] == "IN_PROGRESS", body

    # staff of another unit cannot touch this task
    body = await gql(
        client,
        "mutation($t: ID!) { completeTask(taskId: $t) { status } }",
        {"t": police_task["id"]},
        token=tokens["other_staff"],
    )
    assert error_code(body) == "auth.forbidden"

    body = await gql(
        client,
        "mutation($t: ID!) { completeTask(taskId: $t) { status } }",
        {"t": police_task["id"]},
        token=tokens["staff"],
    )
    assert "errors" not in body, body

    body = await gql(client, APPLICATION, {"n": app["number"]}, token=tokens["citizen"])
    got = body["data"]["application"]
    assert got["progress"]["done"] == 1
    kinds = [e["kind"] for e in got["timeline"]]
    assert kinds[0] == "application.submitted"
    assert "task.request_materials" in kinds and "task.complete" in kinds
