"""SLA clocks: extensions, one reminder at 75% and one escalation when overdue, the overview."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import DEFAULT_CALENDAR, today_local
from doorstep.domain.policy import Actor, Role
from doorstep.services import applications, sla
from doorstep.services.deps import Deps
from doorstep.store import sla as sla_store
from doorstep.store.db import Pool
from doorstep.store.rows import fetch
from doorstep.store.sla import AlertRow
from tests.integration.delegation_helpers import make_citizen
from tests.integration.helpers import error_code, gql

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode dueOn } } }"""
EXTEND = """mutation($t: ID!, $d: Int!, $r: String!) { requestExtension(taskId: $t, days: $d,
  reason: $r) { tasks { id dueOn } timeline { kind title } } }"""


async def _police_task(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    app = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"]
    return app["number"], next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")


async def test_extension_moves_the_deadline_and_tells_the_citizen(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    number, task = await _police_task(client, tokens)
    body = await gql(
        client, EXTEND, {"t": task["id"], "d": 3, "r": "需要实地核查"}, token=tokens["staff"]
    )
    assert "errors" not in body, body
    got = next(t for t in body["data"]["requestExtension"]["tasks"] if t["id"] == task["id"])
    expected = DEFAULT_CALENDAR.add_working_days(date.fromisoformat(task["dueOn"]), 3)
    assert got["dueOn"] == expected.isoformat()
    assert body["data"]["requestExtension"]["timeline"][-1]["kind"] == "task.deadline_extended"
    sms = await pool.fetchrow(
        "select template, params from outbox o join citizens c "
        "on c.id = o.citizen_id where o.kind = 'task.deadline_extended' "
        "order by o.id desc limit 1"
    )
    assert sms is not None
    assert sms["template"] == "sms.deadline_extended" and sms["params"]["number"] == number

    # refusals: other unit, out-of-range days, no reason, a deadline already passed
    assert (
        error_code(
            await gql(
                client, EXTEND, {"t": task["id"], "d": 3, "r": "x"}, token=tokens["other_staff"]
            )
        )
        == "auth.forbidden"
    )
    for days in (0, 31, -2):
        assert (
            error_code(
                await gql(
                    client, EXTEND, {"t": task["id"], "d": days, "r": "x"}, token=tokens["staff"]
                )
            )
            == "task.extension_days"
        )
    assert (
        error_code(
            await gql(client, EXTEND, {"t": task["id"], "d": 2, "r": "  "}, token=tokens["staff"])
        )
        == "task.reason_required"
    )
    await pool.execute("update tasks set due_on = current_date - 3 where id = $1", int(task["id"]))
    assert (
        error_code(
            await gql(client, EXTEND, {"t": task["id"], "d": 2, "r": "x"}, token=tokens["staff"])
        )
        == "task.extension_too_late"
    )


async def _alerts(pool: Pool, task_id: int) -> list[tuple[str, date]]:
    rows = await pool.fetch(
        "select threshold, due_on from sla_alerts where task_id = $1 "
        "order by created_at, threshold",
        task_id,
    )
    return [(r["threshold"], r["due_on"]) for r in rows]


async def test_alerts_are_raised_once_even_by_racing_workers(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    _number, task = await _police_task(client, tokens)
    task_id = int(task["id"])
    today = date.fromisoformat(task["dueOn"]) - timedelta(days=1)
    # 75% used: the reminder day has come, the deadline has not
    await pool.execute("update tasks set remind_on = $2 where id = $1", task_id, today)
    outbox_before = await pool.fetchval("select max(id) from outbox")

    # four workers at once, then again: still one reminder
    await asyncio.gather(*(sla.raise_alerts(deps, today) for _ in range(4)))
    await sla.raise_alerts(deps, today)
    assert await _alerts(pool, task_id) == [("reminder_75", date.fromisoformat(task["dueOn"]))]
    staff_sms = await pool.fetch(
        "select o.phone, o.template from outbox o where o.id > $1 and o.kind = "
        "'task.sla_reminder' and o.params->>'item' = (select i.name from tasks t join "
        "service_items i on i.id = t.item_id where t.id = $2)",
        outbox_before,
        task_id,
    )
    police_staff = await pool.fetch(
        "select s.phone from staff_members s join units u on "
        "u.id = s.unit_id where u.code = 'cy-psb' and s.active "
        "and s.role = 'staff'"
    )
    assert {r["phone"] for r in staff_sms} >= {r["phone"] for r in police_staff}

    # the deadline passes: one escalation, to the region's supervisor
    after = date.fromisoformat(task["dueOn"]) + timedelta(days=1)
    await asyncio.gather(*(sla.raise_alerts(deps, after) for _ in range(3)))
    assert [a[0] for a in await _alerts(pool, task_id)] == ["reminder_75", "overdue"]
    escalation = await pool.fetchrow(
        "select phone, urgent from outbox where id > $1 and kind = 'task.escalated' "
        "order by id desc limit 1",
        outbox_before,
    )
    assert escalation is not None
    supervisor = await pool.fetchval(
        "select phone from staff_members where role = 'supervisor' and region_code = '110105'"
    )
    assert escalation["phone"] == supervisor and escalation["urgent"]
    kinds = await pool.fetch(
        "select kind from events where task_id = $1 and kind in "
        "('task.sla_reminder', 'task.escalated')",
        task_id,
    )
    assert sorted(r["kind"] for r in kinds) == ["task.escalated", "task.sla_reminder"]


async def test_a_paused_task_raises_nothing(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    _number, task = await _police_task(client, tokens)
    await gql(
        client,
        'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "缺户口簿") { status } }',
        {"t": task["id"]},
        token=tokens["staff"],
    )
    far = date.fromisoformat(task["dueOn"]) + timedelta(days=30)
    await sla.raise_alerts(deps, far)
    assert await _alerts(pool, int(task["id"])) == []


async def test_overview_for_supervisors_and_units(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    number, task = await _police_task(client, tokens)
    await pool.execute("update tasks set due_on = current_date - 2 where id = $1", int(task["id"]))
    query = "{ overdueTasks { id applicationNumber unitCode statusLabel } }"
    for role in ("supervisor", "staff", "admin"):
        found = (await gql(client, query, token=tokens[role]))["data"]["overdueTasks"]
        assert task["id"] in {t["id"] for t in found}, role
    # another unit's staff do not see the police unit's work
    found = (await gql(client, query, token=tokens["other_staff"]))["data"]["overdueTasks"]
    assert task["id"] not in {t["id"] for t in found}

    _n, soon = await _police_task(client, tokens)
    # the suite leaves hundreds of open police tasks, more the more tests ran before this one in
    # the process: due today, this one is among the first of the list, which is by due day
    await pool.execute(
        "update tasks set due_on = (now() at time zone 'Asia/Shanghai')::date where id = $1",
        int(soon["id"]),
    )
    found = (
        await gql(client, "{ dueSoon(workingDays: 20, first: 500) { id } }", token=tokens["staff"])
    )["data"]["dueSoon"]
    assert soon["id"] in {t["id"] for t in found}
    assert (
        error_code(await gql(client, "{ dueSoon(workingDays: 99) { id } }", token=tokens["staff"]))
        == "sla.days_invalid"
    )

    # finish one late and one on time; the counts follow
    await gql(
        client,
        "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
        {"t": task["id"]},
        token=tokens["staff"],
    )
    await gql(
        client,
        "mutation($t: ID!) { completeTask(taskId: $t) { number } }",
        {"t": task["id"]},
        token=tokens["staff"],
    )
    await gql(
        client,
        "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
        {"t": soon["id"]},
        token=tokens["staff"],
    )
    await gql(
        client,
        "mutation($t: ID!) { completeTask(taskId: $t) { number } }",
        {"t": soon["id"]},
        token=tokens["staff"],
    )
    today = today_local().isoformat()  # the period is in Asia/Shanghai days
    counts = (
        await gql(
            client,
            """query($s: Date!, $u: Date!) { unitSlaCounts(since: $s,
        until: $u) { unitCode onTime late openOverdue } }""",
            {"s": today, "u": today},
            token=tokens["supervisor"],
        )
    )["data"]["unitSlaCounts"]
    police = next(c for c in counts if c["unitCode"] == "cy-psb")
    assert police["late"] >= 1 and police["onTime"] >= 1
    assert number
    assert error_code(
        await gql(
            client,
            """{ unitSlaCounts(since: "2026-05-01",
        until: "2026-01-01") { unitCode } }""",
            token=tokens["supervisor"],
        )
    ) == ("sla.period_invalid")


async def test_an_elder_is_told_of_an_extension_in_plain_words(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    from tests.integration.helpers import login

    elder = await login(client, pool, "+8613800138003")  # elder mode, SMS only
    app = (await gql(client, SUBMIT, token=elder))["data"]["submitApplication"]
    task = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")
    body = await gql(
        client, EXTEND, {"t": task["id"], "d": 2, "r": "需要实地核查"}, token=tokens["staff"]
    )
    assert "errors" not in body, body
    sms = await pool.fetchrow(
        "select template, params from outbox where phone = $1 and "
        "kind = 'task.deadline_extended' order by id desc limit 1",
        "+8613800138003",
    )
    assert sms is not None
    assert sms["template"] == "sms.plain.deadline_extended"
    assert sms["params"]["number"] == app["number"] and sms["params"]["phone"]


async def test_workers_whose_batches_share_citizens_never_deadlock(pool: Pool, deps: Deps) -> None:
    """Each alert's event locks its citizen's stream until the batch commits. Two workers whose
    batches hold the same two citizens in opposite orders, each pausing after its first alert
    for the other to catch up: both finish, one after the other (told crosswise, they would
    lock each other's citizen and PostgreSQL would end one with a deadlock)."""
    rows = []
    for _ in range(2):
        citizen_id, _phone = await make_citizen(pool)
        view = await applications.submit_application(
            deps, Actor(Role.CITIZEN, citizen_id=citizen_id), applications.SubmitInput("newborn")
        )
        async with pool.acquire() as conn:
            found = await fetch(
                conn, AlertRow, f"{sla_store._ALERT_ROWS} where a.number = $1", view.number
            )
        rows.append(found[0])
    first_told = [asyncio.Event(), asyncio.Event()]

    def worker(n: int, batch: list[AlertRow]) -> Any:
        async def claim(_conn: Any, _day: date, _limit: int) -> list[AlertRow]:
            return batch

        async def tell(conn: Any, row: AlertRow) -> list[int]:
            told = await sla._remind(conn, row)
            if not first_told[n].is_set():
                first_told[n].set()
                # the other worker's first alert, if it can take its lock at all meanwhile
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_told[1 - n].wait(), 0.5)
            return told

        return sla._raise_all(deps, date.today(), claim, tell)

    told = await asyncio.gather(worker(0, rows), worker(1, rows[::-1]))
    assert list(told) == [2, 2]
