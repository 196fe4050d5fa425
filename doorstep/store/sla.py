"""SQL for SLA alerts, extensions and the supervisors' overview."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.alerts import AlertLog
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch


class AlertRow(Row):
    """A task that crossed an SLA threshold, with whom to tell."""

    task_id: int
    unit_id: int
    due_on: date
    application_id: int
    citizen_id: int
    number: str
    item_name: str
    unit_name: str
    unit_region_code: str


class DueTaskRow(Row):
    id: int
    status: str
    due_on: date
    remind_on: date | None
    paused_at: datetime | None
    application_number: str
    item_name: str
    unit_id: int
    unit_code: str
    unit_name: str


class UnitCountsRow(Row):
    unit_id: int
    unit_code: str
    unit_name: str
    on_time: int
    late: int
    open_overdue: int
    # 优先办, apart: the same counts for priority work, and how much of it met its target
    priority_on_time: int
    priority_late: int
    priority_open_overdue: int
    priority_on_target: int


_OPEN = "('submitted', 'accepted')"

_ALERTS = AlertLog("sla_alerts", subject=("task_id", "t.id"), deadline=("due_on", "t.due_on"))

_ALERT_ROWS = """
    select t.id as task_id, t.unit_id, t.due_on, t.application_id, a.citizen_id, a.number,
           i.name as item_name, u.name as unit_name, u.region_code as unit_region_code
    from tasks t
    join applications a on a.id = t.application_id
    join service_items i on i.id = t.item_id
    join units u on u.id = t.unit_id"""


async def _raise_alerts(
    conn: Connection, threshold: str, due: str, ordering: str, today: date, limit: int
) -> list[AlertRow]:
    """Open, running tasks that `due` keeps (today is $1): alerted once per deadline."""
    rows = f"{_ALERT_ROWS} where t.status in {_OPEN} and t.paused_at is null and {due}"
    return await _ALERTS.raise_once(conn, AlertRow, threshold, rows, ordering, today, limit)


async def raise_reminders(conn: Connection, today: date, limit: int) -> list[AlertRow]:
    """Open, running tasks past their 75% day and not yet overdue: one alert per deadline."""
    return await _raise_alerts(
        conn, "reminder_75", "t.remind_on <= $1 and t.due_on >= $1", "t.remind_on", today, limit
    )


async def raise_escalations(conn: Connection, today: date, limit: int) -> list[AlertRow]:
    """Open, running tasks past their deadline: escalated (督办) once per deadline."""
    return await _raise_alerts(conn, "overdue", "t.due_on < $1", "t.due_on", today, limit)


async def insert_extension(
    conn: Connection,
    *,
    task_id: int,
    staff_id: int | None,
    days: int,
    reason: str,
    due_before: date,
    due_after: date,
) -> None:
    await conn.execute(
        """insert into task_extensions (task_id, staff_id, days, reason, due_before, due_after)
           values ($1, $2, $3, $4, $5, $6)""",
        task_id,
        staff_id,
        days,
        reason,
        due_before,
        due_after,
    )


async def extend_task(
    conn: Connection, task_id: int, days: int, due_on: date, remind_on: date
) -> None:
    await conn.execute(
        """update tasks set extended_days = extended_days + $2, due_on = $3, remind_on = $4,
                  target_on = least($3, target_on + ($3 - due_on)),
                  updated_at = now() where id = $1""",
        task_id,
        days,
        due_on,
        remind_on,
    )


_TASK_LIST = """
    select t.id, t.status, t.due_on, t.remind_on, t.paused_at, a.number as application_number,
           i.name as item_name, u.id as unit_id, u.code as unit_code, u.name as unit_name
    from tasks t
    join applications a on a.id = t.application_id
    join service_items i on i.id = t.item_id
    join units u on u.id = t.unit_id"""


async def _open_due(
    db: Queryable, unit_ids: list[int], due: str, bounds: tuple[date, ...], limit: int
) -> list[DueTaskRow]:
    """The units' open tasks, not paused, whose due day `due` keeps ($2 on: `bounds`), the
    soonest first."""
    return await fetch(
        db,
        DueTaskRow,
        f"""{_TASK_LIST}
            where t.unit_id = any($1::bigint[]) and t.status in {_OPEN}
              and t.paused_at is null and {due}
            order by t.due_on, t.id limit ${len(bounds) + 2}""",
        unit_ids,
        *bounds,
        limit,
    )


async def overdue(db: Queryable, unit_ids: list[int], today: date, limit: int) -> list[DueTaskRow]:
    return await _open_due(db, unit_ids, "t.due_on < $2", (today,), limit)


async def due_between(
    db: Queryable, unit_ids: list[int], first: date, last: date, limit: int
) -> list[DueTaskRow]:
    return await _open_due(db, unit_ids, "t.due_on between $2 and $3", (first, last), limit)


async def unit_counts(
    db: Queryable, unit_ids: list[int], since: datetime, until: datetime, today: date
) -> list[UnitCountsRow]:
    """Per unit: tasks finished in the period on time / late, and open tasks overdue now."""
    return await fetch(
        db,
        UnitCountsRow,
        f"""select u.id as unit_id, u.code as unit_code, u.name as unit_name,
              count(*) filter (where t.finished_at >= $2 and t.finished_at < $3
                  and (t.finished_at at time zone 'Asia/Shanghai')::date <= t.due_on) as on_time,
              count(*) filter (where t.finished_at >= $2 and t.finished_at < $3
                  and (t.finished_at at time zone 'Asia/Shanghai')::date > t.due_on) as late,
              count(*) filter (where t.status in {_OPEN} and t.paused_at is null
                  and t.due_on < $4) as open_overdue,
              count(*) filter (where t.priority_reason is not null
                  and t.finished_at >= $2 and t.finished_at < $3
                  and (t.finished_at at time zone 'Asia/Shanghai')::date <= t.due_on)
                  as priority_on_time,
              count(*) filter (where t.priority_reason is not null
                  and t.finished_at >= $2 and t.finished_at < $3
                  and (t.finished_at at time zone 'Asia/Shanghai')::date > t.due_on)
                  as priority_late,
              count(*) filter (where t.priority_reason is not null and t.status in {_OPEN}
                  and t.paused_at is null and t.due_on < $4) as priority_open_overdue,
              count(*) filter (where t.priority_reason is not null
                  and t.finished_at >= $2 and t.finished_at < $3
                  and (t.finished_at at time zone 'Asia/Shanghai')::date
                      <= coalesce(t.target_on, t.due_on)) as priority_on_target
            from units u
            left join tasks t on t.unit_id = u.id
            where u.id = any($1::bigint[])
            group by u.id order by u.code""",
        unit_ids,
        since,
        until,
        today,
    )
