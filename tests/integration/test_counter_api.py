"""What the staff console reads besides the task actions: each task's working-day clock, whether
the signed-in account may act on it, and an application's materials (the read recorded)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import DEFAULT_CALENDAR, local_date
from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn",
  materials: ["newborn-vaccine-record"]}) { number tasks { id unitCode dueOn } } }"""
TASKS = """query($n: String!) { application(number: $n) {
  tasks { id unitCode status dueOn workingDaysLeft canAct } } }"""
MATERIALS = """query($n: String!) { applicationMaterials(number: $n) {
  itemName code name required provided source } }"""
ASK = """mutation($id: ID!, $r: String!) { requestMaterials(taskId: $id, reason: $r) {
  tasks { id status workingDaysLeft } } }"""


async def _submit(client: AsyncTestClient[Any], token: str) -> dict[str, Any]:
    body = await gql(client, SUBMIT, token=token)
    assert "errors" not in body, body
    application: dict[str, Any] = body["data"]["submitApplication"]
    return application


async def test_clock_and_who_may_act(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    application = await _submit(client, tokens["citizen"])
    body = await gql(client, TASKS, {"n": application["number"]}, token=tokens["staff"])
    assert "errors" not in body, body
    tasks = body["data"]["application"]["tasks"]
    today = local_date(datetime.now().astimezone())
    for task in tasks:
        due = datetime.fromisoformat(task["dueOn"]).date()
        assert task["workingDaysLeft"] == DEFAULT_CALENDAR.working_days_between(today, due)
        # the clerk of the police unit acts on its own task only
        assert task["canAct"] is (task["unitCode"] == "cy-psb")
    assert any(t["canAct"] for t in tasks) and not all(t["canAct"] for t in tasks)

    # the supervisor of the region may act on every task; the citizen on none
    body = await gql(client, TASKS, {"n": application["number"]}, token=tokens["supervisor"])
    assert all(t["canAct"] for t in body["data"]["application"]["tasks"])
    body = await gql(client, TASKS, {"n": application["number"]}, token=tokens["citizen"])
    assert not any(t["canAct"] for t in body["data"]["application"]["tasks"])

    # 补正 pauses the clock: the days left are kept, not counted down
    mine = next(t for t in tasks if t["canAct"])
    body = await gql(
        client, ASK, {"id": mine["id"], "r": "请补交出生医学证明原件"}, token=tokens["staff"]
    )
    assert "errors" not in body, body
    paused = next(t for t in body["data"]["requestMaterials"]["tasks"] if t["id"] == mine["id"])
    assert paused["status"] == "NEEDS_MATERIALS"
    assert paused["workingDaysLeft"] == mine["workingDaysLeft"]


async def test_materials_for_the_units_that_handle_it(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    application = await _submit(client, tokens["citizen"])
    number = application["number"]
    citizen_id = await pool.fetchval(
        "select citizen_id from applications where number = $1", number
    )
    body = await gql(client, MATERIALS, {"n": number}, token=tokens["staff"])
    assert "errors" not in body, body
    materials = body["data"]["applicationMaterials"]
    assert materials
    by_code = {m["code"]: m for m in materials}
    assert by_code["newborn-vaccine-record"]["provided"] is True
    assert any(not m["provided"] for m in materials if m["code"] != "newborn-vaccine-record")
    read = await pool.fetchrow(
        "select what, purpose from personal_data_reads where citizen_id = $1 "
        "order by id desc limit 1",
        citizen_id,
    )
    assert read is not None and read["purpose"] == "check_materials"

    # a unit with no task in it, and the citizen's neighbour, are told there is no such number
    body = await gql(client, MATERIALS, {"n": number}, token=tokens["other_staff"])
    assert error_code(body) == "application.not_found"
    body = await gql(client, MATERIALS, {"n": number}, token=tokens["other_citizen"])
    assert error_code(body) == "application.not_found"
