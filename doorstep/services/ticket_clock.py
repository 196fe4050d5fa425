"""The tickets' clocks, run by a worker cron: reminders at 75% and escalations (督办) when
overdue, for acknowledging, handling and rectifying; and the follow-up (回访) that asks the
citizen again and closes unanswered tickets as unconfirmed.

Like the SLA cron: each alert once per ticket, threshold and deadline (the `ticket_alerts` key),
whatever the number of workers; each batch commits with its events and notifications.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.calendar import local_date
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.domain.tickets import FOLLOW_UP_WAIT, TicketStatus
from doorstep.services import citizen_sms, notifications
from doorstep.services.deps import Deps
from doorstep.services.tickets.common import now_utc, record_event
from doorstep.services.tickets.follow_up import ask_rating
from doorstep.store import staff_phones
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import clock as store
from doorstep.store.tickets import events as ticket_events
from doorstep.store.tickets import follow_ups as ticket_follow_ups
from doorstep.store.tickets import people as ticket_people
from doorstep.store.tickets import writing as ticket_writing
from doorstep.store.tickets.clock import AlertRow, UnconfirmedRow

BATCH = 500

# threshold -> (event kind, template, who is told: the unit or the supervisors)
_ALERTS: dict[str, tuple[str, str, str]] = {
    "ack_reminder": ("ticket.ack_reminder", "sms.ticket_ack_reminder", "unit"),
    "ack_overdue": ("ticket.ack_overdue", "sms.ticket_escalation", "supervisors"),
    "handle_reminder": ("ticket.handle_reminder", "sms.ticket_handle_reminder", "unit"),
    "handle_overdue": ("ticket.handle_overdue", "sms.ticket_escalation", "supervisors"),
    "rectify_reminder": ("ticket.rectify_reminder", "sms.rectification_reminder", "unit"),
    "rectify_overdue": ("ticket.rectify_overdue", "sms.rectification_escalation", "supervisors"),
}


@dataclass(frozen=True)
class ClockCounts:
    alerts: dict[str, int]
    asked_again: int
    closed_unconfirmed: int


async def _alert(conn: Connection, threshold: str, row: AlertRow) -> list[int]:
    kind, template, audience = _ALERTS[threshold]
    due = local_date(row.deadline).strftime("%m-%d")
    await ticket_events.append_event(
        conn,
        ticket_id=row.ticket_id,
        citizen_id=row.citizen_id,
        kind=kind,
        actor_kind="system",
        actor_id=None,
        data={"unit": row.unit_name, "due": row.deadline.isoformat()},
    )
    params = {
        "number": row.number,
        "item": row.category_name,
        "unit": row.unit_name,
        "due": due,
    }
    if audience == "unit":
        phones = await staff_phones.unit_staff_phones(conn, row.unit_id)
    else:
        phones = await staff_phones.supervisor_phones(conn, row.unit_region_code)
    return await notifications.queue_for_staff(
        conn, phones, kind=kind, template=template, params=params, urgent=audience == "supervisors"
    )


async def _batches(
    deps: Deps, step: Callable[[Connection], Awaitable[tuple[int, list[int]]]]
) -> int:
    total = 0
    while True:
        async with transaction(deps.pool) as conn:
            done, outbox_ids = await step(conn)
        await deps.after_commit(outbox_ids)
        total += done
        if done < BATCH:
            return total


async def raise_alerts(deps: Deps, now: datetime | None = None) -> dict[str, int]:
    at = now or now_utc()
    counts: dict[str, int] = {}
    for threshold in store.THRESHOLDS:

        async def step(conn: Connection, threshold: str = threshold) -> tuple[int, list[int]]:
            rows = await store.raise_alerts(conn, threshold, at, BATCH)
            return len(rows), [oid for row in rows for oid in await _alert(conn, threshold, row)]

        counts[threshold] = await _batches(deps, step)
    return counts


async def follow_up(deps: Deps, now: datetime | None = None) -> tuple[int, int]:
    """Ask again those who have not answered for a day; close as unconfirmed those who have not
    answered a day after the second ask. Never counted as solved."""
    at = now or now_utc()
    before = at - FOLLOW_UP_WAIT

    async def ask_again(conn: Connection) -> tuple[int, list[int]]:
        rows = await store.due_second_asks(conn, before, BATCH)
        outbox_ids: list[int] = []
        for row in rows:
            await ticket_writing.update_ticket(
                conn, row.id, follow_up_asks=2, follow_up_asked_at=at
            )
            await ticket_follow_ups.insert_follow_up(conn, row.id, row.reopen_count, 2, at)
            await record_event(conn, row, "ticket.follow_up_asked", None, {"ask": 2})
            contact = await ticket_people.citizen_contact(conn, row.citizen_id)
            assert contact is not None
            outbox_ids.append(
                await citizen_sms.queue(
                    conn,
                    contact,
                    kind="ticket.follow_up",
                    template="sms.ticket_follow_up_again",
                    params={"number": row.number},
                    call_phone=deps.settings.support_phone,
                    extend_code=question_code(QuestionKind.TICKET_FOLLOW_UP, row.id),
                )
            )
        return len(rows), outbox_ids

    async def close(conn: Connection) -> tuple[int, list[int]]:
        rows = await store.due_unconfirmed(conn, before, BATCH)
        outbox_ids: list[int] = []
        for row in rows:
            await ticket_writing.update_ticket(
                conn, row.id, status=TicketStatus.CLOSED_UNCONFIRMED.value, finished_at=at
            )
            await record_event(conn, row, "ticket.closed_unconfirmed", None, {})
            if row.to_ask_rating:
                outbox_ids.append(await _ask_rating(deps, conn, row))
        return len(rows), outbox_ids

    closed = await _batches(deps, close)
    asked = await _batches(deps, ask_again)
    return asked, closed


async def _ask_rating(deps: Deps, conn: Connection, row: UnconfirmedRow) -> int:
    """Closed without the citizen's answer, the ticket is still rated (好差评 covers it): the
    same question as after a confirmed close, once (`rating_asked_at`). Elder and SMS-only
    readers get its plain SMS; everyone else is away from the app (they did not answer), so
    it goes the usual way, Web Push where they have it (the ticket's page asks for the
    rating), else SMS, and either way a "reply 1-5" answers it."""
    contact = await ticket_people.citizen_contact(conn, row.citizen_id)
    assert contact is not None
    return await ask_rating(conn, row, contact, row.lead_unit_phone or deps.settings.support_phone)


async def run(deps: Deps, now: datetime | None = None) -> ClockCounts:
    at = now or now_utc()
    alerts = await raise_alerts(deps, at)
    asked, closed = await follow_up(deps, at)
    return ClockCounts(alerts=alerts, asked_again=asked, closed_unconfirmed=closed)
