"""优先办: priority decided from proven data with its source, shown to the citizen, kept on new
applications and tickets, first within its deadline day in staff queues, counted apart."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import today_local
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import fresh_resident_id, make_citizen
from tests.integration.helpers import gql, login
from tests.integration.identity_helpers import verify_identity

ME = """{ me { priority { hasPriority reason label
    grounds { reason label source sourceName factKey } } } }"""
RECORD = """mutation($i: RecordFactsInput!) { recordFacts(input: $i) { changed } }"""
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) {
    number tasks { id unitCode dueOn priority priorityReason priorityLabel targetOn } } }"""
QUEUE = """{ unitQueue(first: 200) { applicationNumber task { id dueOn priority } } }"""
COUNTS = """query($s: Date!, $u: Date!) { unitSlaCounts(since: $s, until: $u) { unitCode onTime
    priorityOnTime priorityLate priorityOpenOverdue priorityOnTarget } }"""


async def _citizen(pool: Pool, birth: date) -> tuple[int, str, str]:
    citizen_id, phone = await make_citizen(pool, name="测试居民", birth_date=birth)
    resident_id = fresh_resident_id()
    await verify_identity(pool, citizen_id, resident_id)
    await pool.execute("update citizens set region_code = '110105001001' where id = $1", citizen_id)
    return citizen_id, phone, resident_id


async def _me(client: AsyncTestClient[Any], token: str) -> dict[str, Any]:
    body = await gql(client, ME, token=token)
    assert "errors" not in body, body
    standing: dict[str, Any] = body["data"]["me"]["priority"]
    return standing


async def test_priority_comes_from_proven_data_with_its_source_and_is_corrected_by_its_unit(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    _id, phone, resident_id = await _citizen(pool, date(1985, 3, 1))
    token = await login(client, pool, phone)
    assert await _me(client, token) == {
        "hasPriority": False,
        "reason": None,
        "label": None,
        "grounds": [],
    }
    # a certificate the citizen uploads is a claim, not proof
    upload = """mutation { addVaultDocument(input: {type: "disability_certificate",
        number: "11010519850301", issuer: "自述"}) { id } }"""
    body = await gql(client, upload, token=token)
    assert "errors" not in body, body
    assert (await _me(client, token))["hasPriority"] is False

    # the disabled persons' federation states the level: priority, with its source
    body = await gql(
        client,
        RECORD,
        {
            "i": {
                "residentId": resident_id,
                "sourceUnitCode": "cy-disabled",
                "facts": [{"key": "disability.level", "value": "2"}],
            }
        },
        token=tokens["admin"],
    )
    assert body["data"]["recordFacts"]["changed"] == 1
    standing = await _me(client, token)
    assert standing["hasPriority"] and standing["reason"] == "DISABILITY"
    [ground] = standing["grounds"]
    assert ground["source"] == "FACT" and ground["factKey"] == "disability.level"
    assert ground["sourceName"] == "朝阳区残疾人联合会" and ground["label"] == "持证残疾人"

    # "this is wrong" goes to that unit by the vault's correction path
    flag = """mutation($k: String!, $n: String!) { flagFact(key: $k, note: $n) { unitCode } }"""
    body = await gql(client, flag, {"k": ground["factKey"], "n": "我没有残疾"}, token=token)
    assert body["data"]["flagFact"]["unitCode"] == "cy-disabled"

    # staff have no standing of their own
    body = await gql(client, ME, token=tokens["staff"])
    assert body["data"]["me"]["priority"] is None


async def test_priority_work_comes_first_within_its_deadline_day_and_is_counted_apart(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    _young_id, young_phone, _ = await _citizen(pool, date(1990, 6, 1))
    _old_id, old_phone, _ = await _citizen(pool, date(1940, 2, 1))
    old_token = await login(client, pool, old_phone)
    standing = await _me(client, old_token)
    assert standing["reason"] == "AGE_80"
    assert standing["grounds"][0]["source"] == "IDENTITY"

    def police(body: dict[str, Any]) -> dict[str, Any]:
        assert "errors" not in body, body
        app = body["data"]["submitApplication"]
        task: dict[str, Any] = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")
        return task

    young_token = await login(client, pool, young_phone)
    earlier = police(await gql(client, SUBMIT, token=young_token))  # older, earlier day
    normal = police(await gql(client, SUBMIT, token=young_token))
    urgent = police(await gql(client, SUBMIT, token=old_token))  # newest, priority
    assert normal["priority"] is False and normal["targetOn"] == normal["dueOn"]
    assert urgent["priority"] is True and urgent["priorityReason"] == "AGE_80"
    assert urgent["priorityLabel"] == "80周岁以上老年人"
    assert urgent["targetOn"] <= urgent["dueOn"]
    # put them in the first deadline days of the queue: normal and urgent on the same day
    await pool.execute("update tasks set due_on = '2000-01-03' where id = $1", int(earlier["id"]))
    await pool.execute(
        "update tasks set due_on = '2000-01-04' where id = any($1::bigint[])",
        [int(normal["id"]), int(urgent["id"])],
    )
    body = await gql(client, QUEUE, token=tokens["staff"])
    order = [e["task"]["id"] for e in body["data"]["unitQueue"]]
    assert order.index(earlier["id"]) < order.index(urgent["id"]) < order.index(normal["id"])

    # the figures count priority work apart
    today = today_local().isoformat()

    async def counts() -> dict[str, Any]:
        body = await gql(client, COUNTS, {"s": today, "u": today}, token=tokens["supervisor"])
        assert "errors" not in body, body
        row: dict[str, Any] = next(
            c for c in body["data"]["unitSlaCounts"] if c["unitCode"] == "cy-psb"
        )
        return row

    before = await counts()
    assert before["priorityOpenOverdue"] >= 1  # due in 2000
    await pool.execute(
        "update tasks set due_on = current_date + 30, target_on = current_date + 30 where id = $1",
        int(urgent["id"]),
    )
    for action in ("acceptTask", "completeTask"):
        body = await gql(
            client,
            f"mutation($t: ID!) {{ {action}(taskId: $t) {{ number }} }}",
            {"t": urgent["id"]},
            token=tokens["staff"],
        )
        assert "errors" not in body, body
    after = await counts()
    assert after["priorityOnTime"] == before["priorityOnTime"] + 1
    assert after["priorityOnTarget"] == before["priorityOnTarget"] + 1
    assert after["priorityOpenOverdue"] == before["priorityOpenOverdue"] - 1
    assert after["onTime"] == before["onTime"] + 1


async def test_a_ticket_of_a_priority_citizen_carries_it(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    _id, phone, _ = await _citizen(pool, date(1950, 1, 1))
    token = await login(client, pool, phone)
    submit = """mutation($i: SubmitTicketInput!) { submitTicket(input: $i) {
        number priority priorityReason dueOn targetOn } }"""
    ticket = {
        "kind": "COMPLAINT",
        "categoryCode": "noise",
        "description": "楼上邻居深夜大声喧哗",
        "regionCode": "110105001001",
    }
    body = await gql(client, submit, {"i": ticket}, token=token)
    assert "errors" not in body, body
    filed = body["data"]["submitTicket"]
    assert filed["priority"] is True and filed["priorityReason"] == "AGE_70"
    assert filed["targetOn"] <= filed["dueOn"]
    body = await gql(client, submit, {"i": ticket}, token=tokens["citizen"])
    assert body["data"]["submitTicket"]["priority"] is False


async def test_priority_tickets_come_first_within_their_deadline_day(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    submit = """mutation($i: SubmitTicketInput!) { submitTicket(input: $i) {
        number priority leadUnit { code } } }"""
    ticket = {
        "kind": "COMPLAINT",
        "categoryCode": "noise",
        "description": "楼下商铺夜里装修噪音很大",
        "regionCode": "110105001001",
    }
    normal = (await gql(client, submit, {"i": ticket}, token=tokens["other_citizen"]))["data"][
        "submitTicket"
    ]
    _id, phone, _ = await _citizen(pool, date(1941, 1, 1))
    elder = (await gql(client, submit, {"i": ticket}, token=await login(client, pool, phone)))[
        "data"
    ]["submitTicket"]
    assert (normal["priority"], elder["priority"]) == (False, True)
    assert normal["leadUnit"]["code"] == elder["leadUnit"]["code"]
    counts = """{ priorityTicketCounts(since: "2026-01-01", until: "2026-12-31") { unitCode
        openOverdue } }"""

    async def overdue() -> int:
        body = await gql(client, counts, token=tokens["supervisor"])
        assert "errors" not in body, body
        rows = body["data"]["priorityTicketCounts"]
        return sum(r["openOverdue"] for r in rows if r["unitCode"] == elder["leadUnit"]["code"])

    before = await overdue()
    await pool.execute(
        "update tickets set handle_due_on = '2000-01-04', handle_due_at = '2000-01-04T10:00Z' "
        "where number = any($1::text[])",
        [normal["number"], elder["number"]],
    )
    assert await overdue() == before + 1  # the priority one only: counted apart
    staff_phone = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = $1 and s.role = 'staff' order by s.id limit 1",
        elder["leadUnit"]["code"],
    )
    token = await login(client, pool, staff_phone, as_staff=True)
    body = await gql(client, "{ ticketQueue(first: 200) { number priority } }", token=token)
    assert "errors" not in body, body
    numbers = [t["number"] for t in body["data"]["ticketQueue"]]
    assert numbers.index(elder["number"]) < numbers.index(normal["number"])
