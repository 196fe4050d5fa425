"""SQL for the tickets' clocks: reminders and escalations once per deadline, follow-up asks."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.alerts import AlertLog
from doorstep.store.db import Connection
from doorstep.store.rows import Row, fetch


class AlertRow(Row):
    """A ticket (or its rectification) past a threshold, with whom the alert goes to."""

    ticket_id: int
    unit_id: int
    deadline: datetime
    number: str
    citizen_id: int
    category_name: str
    unit_name: str
    unit_region_code: str


class FollowUpRow(Row):
    """A resolved ticket waiting on the citizen's answer to its follow-up."""

    id: int
    number: str
    citizen_id: int
    reopen_count: int
    lead_unit_id: int


class UnconfirmedRow(FollowUpRow):
    """A resolved ticket to close as unconfirmed, with what its rating question needs."""

    # neither rated (a resolved ticket can be) nor asked to be: the question goes out once
    to_ask_rating: bool
    lead_unit_phone: str | None


_WORKING = "('dispatched', 'acknowledged', 'reopened')"

# threshold -> (which tickets are due, the deadline the alert is for, the order)
_TICKET_ALERTS: dict[str, tuple[str, str, str]] = {
    "ack_reminder": (
        "t.status = 'dispatched' and t.ack_remind_at <= $1 and t.ack_due_at > $1",
        "t.ack_due_at",
        "t.ack_remind_at",
    ),
    "ack_overdue": (
        "t.status = 'dispatched' and t.ack_due_at <= $1",
        "t.ack_due_at",
        "t.ack_due_at",
    ),
    "handle_reminder": (
        f"t.status in {_WORKING} and t.handle_remind_at <= $1 and t.handle_due_at > $1",
        "t.handle_due_at",
        "t.handle_remind_at",
    ),
    "handle_overdue": (
        f"t.status in {_WORKING} and t.handle_due_at <= $1",
        "t.handle_due_at",
        "t.handle_due_at",
    ),
}

_RECTIFY_ALERTS: dict[str, tuple[str, str]] = {
    "rectify_reminder": (
        "x.status = 'open' and x.remind_at <= $1 and x.due_at > $1",
        "x.remind_at",
    ),
    "rectify_overdue": ("x.status = 'open' and x.due_at <= $1", "x.due_at"),
}

THRESHOLDS = (*_TICKET_ALERTS, *_RECTIFY_ALERTS)


async def raise_alerts(
    conn: Connection, threshold: str, now: datetime, limit: int
) -> list[AlertRow]:
    """Tickets past a threshold with no alert yet for this deadline: recorded and returned."""
    if threshold in _TICKET_ALERTS:
        where, deadline, ordering = _TICKET_ALERTS[threshold]
        due = f"""select t.id as ticket_id, t.lead_unit_id as unit_id, {deadline} as deadline,
                   t.number, t.citizen_id, c.name as category_name, u.name as unit_name,
                   u.region_code as unit_region_code
            from tickets t join units u on u.id = t.lead_unit_id
            join ticket_categories c on c.code = t.category_code
            where {where}"""
        subject = "t.id"
    else:
        where, ordering = _RECTIFY_ALERTS[threshold]
        due = f"""select x.ticket_id, x.unit_id, x.due_at as deadline, t.number,
                   t.citizen_id, c.name as category_name, u.name as unit_name,
                   u.region_code as unit_region_code
            from rectifications x join tickets t on t.id = x.ticket_id
            join units u on u.id = x.unit_id
            join ticket_categories c on c.code = t.category_code
            where {where}"""
        deadline, subject = "x.due_at", "x.ticket_id"
    alerts = AlertLog(
        "ticket_alerts", subject=("ticket_id", subject), deadline=("deadline", deadline)
    )
    return await alerts.raise_once(conn, AlertRow, threshold, due, ordering, now, limit)


async def due_second_asks(conn: Connection, before: datetime, limit: int) -> list[FollowUpRow]:
    """Resolved tickets asked once, longer ago than `before`, locked (others skip them)."""
    return await fetch(
        conn,
        FollowUpRow,
        """select id, number, citizen_id, reopen_count, lead_unit_id from tickets
           where status = 'resolved' and follow_up_asks = 1 and follow_up_asked_at <= $1
           order by follow_up_asked_at limit $2 for update skip locked""",
        before,
        limit,
    )


async def due_unconfirmed(conn: Connection, before: datetime, limit: int) -> list[UnconfirmedRow]:
    """Resolved tickets asked twice with no answer by `before`, locked."""
    return await fetch(
        conn,
        UnconfirmedRow,
        """select t.id, t.number, t.citizen_id, t.reopen_count, t.lead_unit_id,
                  t.rating is null and t.rating_asked_at is null as to_ask_rating,
                  u.phone as lead_unit_phone
           from tickets t join units u on u.id = t.lead_unit_id
           where t.status = 'resolved' and t.follow_up_asks >= 2 and t.follow_up_asked_at <= $1
           order by t.follow_up_asked_at limit $2 for update of t skip locked""",
        before,
        limit,
    )
