"""SLA clocks: extensions, reminders at 75%, escalation (督办) when overdue, and the overview."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from doorstep.domain.calendar import SHANGHAI, today_local
from doorstep.domain.clock import reminder_date
from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.workflow import TaskStatus
from doorstep.services import citizen_sms, notifications
from doorstep.services.applications import MAX_REASON_CHARS, ApplicationView, _load_one
from doorstep.services.deps import Deps
from doorstep.services.tasks import lock_task, visible_units
from doorstep.store import applications as app_store
from doorstep.store import events, staff_phones
from doorstep.store import sla as store
from doorstep.store.db import Connection, transaction
from doorstep.store.sla import AlertRow, DueTaskRow

MAX_EXTENSION_DAYS = 30
ALERT_BATCH = 500


async def request_extension(
    deps: Deps, actor: Actor, task_id: int, days: int, reason: str
) -> ApplicationView:
    """Staff extend a running task before its deadline, with a reason; the citizen is told."""
    text = reason.strip()
    if not text:
        raise InvalidInput("task.reason_required")
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput("task.reason_too_long", limit=MAX_REASON_CHARS)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput("task.extension_days", limit=MAX_EXTENSION_DAYS)
    today = today_local()
    async with transaction(deps.pool) as conn:
        application, task = await lock_task(conn, task_id)
        authorize(actor, Operation.TASK_EXTEND, Target.unit(task.unit_id, task.unit_region_code))
        if task.status not in (TaskStatus.SUBMITTED, TaskStatus.ACCEPTED):
            raise Conflict("task.extension_not_running")
        if task.due_on < today:
            raise Conflict("task.extension_too_late")
        due_after = deps.calendar.add_working_days(task.due_on, days)
        total = task.working_days + task.extended_days + days
        await store.extend_task(
            conn, task_id, days, due_after, reminder_date(deps.calendar, due_after, total)
        )
        await store.insert_extension(
            conn,
            task_id=task_id,
            staff_id=actor.staff_id,
            days=days,
            reason=text,
            due_before=task.due_on,
            due_after=due_after,
        )
        await events.append(
            conn,
            kind="task.deadline_extended",
            actor_kind="staff",
            actor_id=actor.staff_id,
            application_id=application.id,
            task_id=task_id,
            citizen_id=application.citizen_id,
            data={
                "item": task.item_name,
                "from": task.due_on.isoformat(),
                "to": due_after.isoformat(),
                "days": days,
                "reason": text,
            },
        )
        contact = await app_store.citizen_contact(conn, application.citizen_id)
        assert contact is not None
        # elder-mode and SMS-only citizens get the plain variant, with the unit's number
        outbox_id = await citizen_sms.queue(
            conn,
            contact,
            kind="task.deadline_extended",
            template="sms.deadline_extended",
            params={
                "number": application.number,
                "item": task.item_name,
                "due": due_after.strftime("%m-%d"),
            },
            call_phone=task.unit_phone or deps.settings.support_phone,
        )
        view = await _load_one(conn, application.number)
    await deps.after_commit([outbox_id])
    assert view is not None
    return view


@dataclass(frozen=True)
class AlertCounts:
    reminders: int
    escalations: int


async def raise_alerts(deps: Deps, today: date | None = None) -> AlertCounts:
    """The SLA cron: each reminder and escalation once per task and deadline.

    The alert's primary key makes "once" hold across workers, retries and restarts; each batch
    commits with its events and notifications, so a crash repeats nothing already raised.
    """
    day = today or today_local()
    reminders = await _raise_all(deps, day, store.raise_reminders, _remind)
    escalations = await _raise_all(deps, day, store.raise_escalations, _escalate)
    return AlertCounts(reminders, escalations)


async def _raise_all(
    deps: Deps,
    day: date,
    claim: Callable[[Connection, date, int], Awaitable[list[AlertRow]]],
    tell: Callable[[Connection, AlertRow], Awaitable[list[int]]],
) -> int:
    """Batch after batch until one comes short, each committed with its events and SMS."""
    raised = 0
    while True:
        async with transaction(deps.pool) as conn:
            rows = await claim(conn, day, ALERT_BATCH)
            # each event locks its citizen's stream until the commit: taken in one order by
            # every worker, two batches that share citizens wait for each other, never deadlock
            told = sorted(rows, key=lambda row: (row.citizen_id, row.task_id))
            outbox_ids = [oid for row in told for oid in await tell(conn, row)]
        await deps.after_commit(outbox_ids)
        raised += len(rows)
        if len(rows) < ALERT_BATCH:
            return raised


async def _remind(conn: Connection, row: AlertRow) -> list[int]:
    return await _alert(
        conn,
        row,
        "task.sla_reminder",
        "sms.staff_reminder",
        data={"item": row.item_name, "due": row.due_on.isoformat()},
        params={"number": row.number, "item": row.item_name, "due": row.due_on.strftime("%m-%d")},
        phones=await staff_phones.unit_staff_phones(conn, row.unit_id),
    )


async def _escalate(conn: Connection, row: AlertRow) -> list[int]:
    return await _alert(
        conn,
        row,
        "task.escalated",
        "sms.escalation",
        data={"item": row.item_name, "due": row.due_on.isoformat(), "unit": row.unit_name},
        params={
            "number": row.number,
            "item": row.item_name,
            "unit": row.unit_name,
            "due": row.due_on.strftime("%m-%d"),
        },
        phones=await staff_phones.supervisor_phones(conn, row.unit_region_code),
        urgent=True,
    )


async def _alert(
    conn: Connection,
    row: AlertRow,
    kind: str,
    template: str,
    *,
    data: dict[str, str],
    params: dict[str, str],
    phones: list[str],
    urgent: bool = False,
) -> list[int]:
    """The alert on the task's timeline, and an SMS (in Chinese) to each staff phone it goes to."""
    await events.append(
        conn,
        kind=kind,
        actor_kind="system",
        actor_id=None,
        application_id=row.application_id,
        task_id=row.task_id,
        citizen_id=row.citizen_id,
        data=data,
    )
    return await notifications.queue_for_staff(
        conn, phones, kind=kind, template=template, params=params, urgent=urgent
    )


@dataclass(frozen=True)
class WatchedTask:
    id: int
    application_number: str
    item_name: str
    unit_code: str
    unit_name: str
    status: TaskStatus
    due_on: date


@dataclass(frozen=True)
class UnitCounts:
    unit_code: str
    unit_name: str
    on_time: int
    late: int
    open_overdue: int
    # 优先办, apart (the counts above include it)
    priority_on_time: int = 0
    priority_late: int = 0
    priority_open_overdue: int = 0
    priority_on_target: int = 0


def _watched(row: DueTaskRow) -> WatchedTask:
    return WatchedTask(
        row.id,
        row.application_number,
        row.item_name,
        row.unit_code,
        row.unit_name,
        TaskStatus(row.status),
        row.due_on,
    )


async def overdue_tasks(deps: Deps, actor: Actor, limit: int = 100) -> list[WatchedTask]:
    authorize(actor, Operation.SLA_OVERVIEW)
    units = await visible_units(deps, actor)
    rows = await store.overdue(deps.pool, units, today_local(), max(1, min(limit, 500)))
    return [_watched(r) for r in rows]


async def due_soon(
    deps: Deps, actor: Actor, working_days: int = 2, limit: int = 100
) -> list[WatchedTask]:
    """Running tasks due from today up to `working_days` working days ahead."""
    authorize(actor, Operation.SLA_OVERVIEW)
    if not 0 <= working_days <= 20:
        raise InvalidInput("sla.days_invalid", limit=20)
    units = await visible_units(deps, actor)
    today = today_local()
    last = deps.calendar.add_working_days(today, working_days)
    rows = await store.due_between(deps.pool, units, today, last, max(1, min(limit, 500)))
    return [_watched(r) for r in rows]


async def unit_counts(deps: Deps, actor: Actor, since: date, until: date) -> list[UnitCounts]:
    """Per unit: tasks finished on time and late in [since, until], open tasks overdue now."""
    authorize(actor, Operation.SLA_OVERVIEW)
    if until < since or (until - since).days > 366:
        raise InvalidInput("sla.period_invalid")
    units = await visible_units(deps, actor)
    start = datetime.combine(since, datetime.min.time(), SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), SHANGHAI)
    rows = await store.unit_counts(deps.pool, units, start, end, today_local())
    return [
        UnitCounts(
            r.unit_code,
            r.unit_name,
            r.on_time,
            r.late,
            r.open_overdue,
            r.priority_on_time,
            r.priority_late,
            r.priority_open_overdue,
            r.priority_on_target,
        )
        for r in rows
    ]
