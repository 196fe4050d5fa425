"""The unit's side (acknowledge, return, extend, resolve) and the supervisors' redispatch."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.calendar import deadline_end, local_date, minute_text
from doorstep.domain.dispatch import NoRoute
from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.priority import internal_target
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.domain.tickets import (
    MAX_EXTENSION_DAYS,
    MAX_EXTENSIONS,
    MAX_NOTE_CHARS,
    MAX_REASON_CHARS,
    MAX_RETURNS_BEFORE_FALLBACK,
    DeadlineProfile,
    TicketAction,
    TicketStatus,
    Urgency,
    deadlines,
    remind_at,
)
from doorstep.services import dispatch_rules, notifications
from doorstep.services.deps import Deps
from doorstep.services.tickets.common import (
    lock,
    move,
    now_utc,
    optional_text,
    parse_number,
    record_event,
    required_text,
    tell_citizen,
    tell_unit,
    unit_target,
)
from doorstep.services.tickets.views import TicketView, load
from doorstep.store import staff_phones
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import assignments as ticket_assignments
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import follow_ups as ticket_follow_ups
from doorstep.store.tickets import writing as ticket_writing
from doorstep.store.tickets.rows import LockedTicketRow

# --- the unit's side: acknowledge, return, extend, resolve ---------------------------------------


async def _lead_unit_moves(
    conn: Connection, actor: Actor, number: str, action: TicketAction
) -> tuple[LockedTicketRow, TicketStatus]:
    """The ticket locked and the status the action moves it to, once the actor may act for its
    lead unit."""
    row = await lock(conn, number)
    authorize(actor, Operation.TICKET_ACT, unit_target(row))
    return row, move(row, action)


async def acknowledge(deps: Deps, actor: Actor, raw_number: str) -> TicketView:
    """签收: the lead unit takes the ticket on (a fallback unit's doing so ends its review)."""
    number = parse_number(raw_number)
    async with transaction(deps.pool) as conn:
        row, after = await _lead_unit_moves(conn, actor, number, TicketAction.ACKNOWLEDGE)
        now = now_utc()
        await ticket_writing.update_ticket(
            conn, row.id, status=after.value, acknowledged_at=now, needs_review=False
        )
        await ticket_assignments.acknowledge_assignment(conn, row.id, actor.staff_id, now)
        await record_event(
            conn,
            row,
            "ticket.acknowledged",
            actor,
            {"unit": row.lead_unit_name, "in_time": now <= row.ack_due_at},
        )
        view = await load(conn, row.id)
    return view


async def _assign(
    deps: Deps,
    conn: Connection,
    row: LockedTicketRow,
    unit_id: int,
    basis: str,
    actor: Actor,
    note: str | None,
    now: datetime,
) -> datetime:
    """Give the ticket to a unit with a fresh clock (acknowledge and handle)."""
    profile = DeadlineProfile(row.deadline_profile)
    clock = deadlines(deps.calendar, now, Urgency(row.urgency), profile)
    await ticket_assignments.insert_assignment(
        conn,
        ticket_id=row.id,
        unit_id=unit_id,
        region_code=row.region_code,
        basis=basis,
        by_staff_id=actor.staff_id,
        note=note,
        ack_due_at=clock.ack_due_at,
    )
    await ticket_writing.update_ticket(
        conn,
        row.id,
        status=TicketStatus.DISPATCHED.value,
        lead_unit_id=unit_id,
        assisting_unit_ids=[u for u in row.assisting_unit_ids if u != unit_id],
        needs_review=False,
        assigned_at=now,
        ack_due_at=clock.ack_due_at,
        ack_remind_at=clock.ack_remind_at,
        acknowledged_at=None,
        handle_days=profile.working_days,
        extended_days=0,
        extensions=0,
        handle_due_on=clock.handle_due_on,
        handle_due_at=clock.handle_due_at,
        handle_remind_at=clock.handle_remind_at,
        target_on=internal_target(
            deps.calendar,
            local_date(now),
            clock.handle_due_on,
            profile.working_days,
            row.priority_reason is not None,
        ),
    )
    return clock.ack_due_at


async def return_ticket(deps: Deps, actor: Actor, raw_number: str, reason: str) -> TicketView:
    """退单: the unit sends the ticket back with a reason. A supervisor redispatches it; after
    two returns it goes straight to the region's fallback unit."""
    number = parse_number(raw_number)
    text = required_text(
        reason, MAX_REASON_CHARS, "ticket.reason_required", "ticket.reason_too_long"
    )
    async with transaction(deps.pool) as conn:
        row, after = await _lead_unit_moves(conn, actor, number, TicketAction.RETURN)
        if row.returns_count >= MAX_RETURNS_BEFORE_FALLBACK:
            raise Conflict("ticket.return_limit", limit=MAX_RETURNS_BEFORE_FALLBACK)
        _set_id, engine = await dispatch_rules.current_engine(deps, conn)
        try:
            _region, fallback = engine.fallback_for(row.region_code)
        except NoRoute:
            fallback = None
        now = now_utc()
        returns = row.returns_count + 1
        await ticket_assignments.return_assignment(conn, row.id, actor.staff_id, text, now)
        await ticket_writing.update_ticket(conn, row.id, status=after.value, returns_count=returns)
        await record_event(
            conn,
            row,
            "ticket.returned",
            actor,
            {"unit": row.lead_unit_name, "reason": text, "returns": returns},
        )
        outbox_ids: list[int] = []
        if returns >= MAX_RETURNS_BEFORE_FALLBACK and fallback not in (None, row.lead_unit_id):
            assert fallback is not None
            ack_due = await _assign(deps, conn, row, fallback, "return_limit", actor, None, now)
            unit = (await ticket_catalog.units_by_id(conn, [fallback]))[fallback]
            await record_event(
                conn,
                row,
                "ticket.dispatched",
                actor,
                {
                    "unit": unit.name,
                    "basis": "return_limit",
                    "reason": {
                        "key": "dispatch.reason.return_limit",
                        "params": {"unit": unit.name, "returns": returns},
                    },
                },
            )
            outbox_ids += await tell_unit(
                conn,
                fallback,
                "ticket.dispatched",
                "sms.ticket_dispatched",
                {"number": number, "item": row.category_name, "due": minute_text(ack_due)},
            )
        else:
            outbox_ids += await notifications.queue_for_staff(
                conn,
                await staff_phones.supervisor_phones(conn, row.lead_unit_region_code),
                kind="ticket.returned",
                template="sms.ticket_return_review",
                params={"number": number, "unit": row.lead_unit_name, "reason": text},
            )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view


async def request_extension(
    deps: Deps, actor: Actor, raw_number: str, days: int, reason: str
) -> TicketView:
    """The unit asks for more working days, with a reason, before the deadline; the citizen is
    told."""
    number = parse_number(raw_number)
    text = required_text(
        reason, MAX_REASON_CHARS, "ticket.reason_required", "ticket.reason_too_long"
    )
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput("ticket.extension_days", limit=MAX_EXTENSION_DAYS)
    async with transaction(deps.pool) as conn:
        row = await lock(conn, number)
        authorize(actor, Operation.TICKET_EXTEND, unit_target(row))
        if TicketStatus(row.status) not in (TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED):
            raise Conflict("ticket.extension_not_running")
        now = now_utc()
        if now > row.handle_due_at:
            raise Conflict("ticket.extension_too_late")
        if row.extensions >= MAX_EXTENSIONS:
            raise Conflict("ticket.extension_limit", limit=MAX_EXTENSIONS)
        due_after = deps.calendar.add_working_days(row.handle_due_on, days)
        total = row.handle_days + row.extended_days + days
        await ticket_writing.update_ticket(
            conn,
            row.id,
            extended_days=row.extended_days + days,
            extensions=row.extensions + 1,
            handle_due_on=due_after,
            # the internal target moves with the deadline
            target_on=(
                min(due_after, row.target_on + (due_after - row.handle_due_on))
                if row.target_on is not None
                else None
            ),
            handle_due_at=deadline_end(due_after),
            handle_remind_at=remind_at(deps.calendar, now, due_after, total),
        )
        await ticket_assignments.insert_extension(
            conn,
            ticket_id=row.id,
            unit_id=row.lead_unit_id,
            staff_id=actor.staff_id,
            days=days,
            reason=text,
            due_before=row.handle_due_on,
            due_after=due_after,
        )
        await record_event(
            conn,
            row,
            "ticket.deadline_extended",
            actor,
            {
                "from": row.handle_due_on.isoformat(),
                "to": due_after.isoformat(),
                "days": days,
                "reason": text,
            },
        )
        outbox_ids = await tell_citizen(
            conn,
            row.citizen_id,
            "ticket.deadline_extended",
            "sms.ticket_extended",
            {"number": number, "due": due_after.strftime("%m-%d"), "reason": text},
            row.lead_unit_phone or deps.settings.support_phone,
        )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view


async def resolve(deps: Deps, actor: Actor, raw_number: str, note: str) -> TicketView:
    """办结 with a note for the citizen, who is asked at once whether it is solved."""
    number = parse_number(raw_number)
    text = required_text(note, MAX_NOTE_CHARS, "ticket.note_required", "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        row, after = await _lead_unit_moves(conn, actor, number, TicketAction.RESOLVE)
        now = now_utc()
        await ticket_writing.update_ticket(
            conn,
            row.id,
            status=after.value,
            resolved_at=now,
            resolution_note=text,
            follow_up_asks=1,
            follow_up_asked_at=now,
            solved=None,
        )
        await ticket_follow_ups.insert_follow_up(conn, row.id, row.reopen_count, 1, now)
        await record_event(
            conn,
            row,
            "ticket.resolved",
            actor,
            {"unit": row.lead_unit_name, "note": text, "on_time": now <= row.handle_due_at},
        )
        outbox_ids = await tell_citizen(
            conn,
            row.citizen_id,
            "ticket.follow_up",
            "sms.ticket_follow_up",
            {"number": number, "reason": text},
            deps.settings.support_phone,
            extend_code=question_code(QuestionKind.TICKET_FOLLOW_UP, row.id),
        )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view


# --- supervisors: review and redispatch ----------------------------------------------------------


async def redispatch(
    deps: Deps, actor: Actor, raw_number: str, unit_code: str, note: str | None = None
) -> TicketView:
    """A supervisor sends a ticket to a unit (a returned one, or one that awaits review).

    Naming the unit that holds it confirms its routing (a return is refused and the unit gets
    it back with a fresh clock; the return still counts against it).
    """
    number = parse_number(raw_number)
    text = optional_text(note, MAX_REASON_CHARS, "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        row = await lock(conn, number)
        authorize(actor, Operation.TICKET_REDISPATCH, unit_target(row))
        unit = await ticket_catalog.unit_by_code(conn, (unit_code or "").strip()[:64])
        if unit is None:
            raise InvalidInput("ticket.unit_unknown", unit=(unit_code or "")[:40])
        authorize(actor, Operation.TICKET_REDISPATCH, Target.unit(unit.id, unit.region_code))
        move(row, TicketAction.REDISPATCH)
        now = now_utc()
        outbox_ids: list[int] = []
        if unit.id == row.lead_unit_id and row.status != TicketStatus.RETURNED:
            await ticket_writing.update_ticket(conn, row.id, needs_review=False)
            await record_event(
                conn,
                row,
                "ticket.routing_confirmed",
                actor,
                {"unit": unit.name, "note": text or ""},
            )
        else:
            ack_due = await _assign(deps, conn, row, unit.id, "supervisor", actor, text, now)
            await record_event(
                conn,
                row,
                "ticket.redispatched",
                actor,
                {
                    "from": row.lead_unit_name,
                    "unit": unit.name,
                    "note": text or "",
                    "reason": {
                        "key": "dispatch.reason.supervisor",
                        "params": {"unit": unit.name, "note": text or ""},
                    },
                },
            )
            outbox_ids += await tell_unit(
                conn,
                unit.id,
                "ticket.dispatched",
                "sms.ticket_dispatched",
                {"number": number, "item": row.category_name, "due": minute_text(ack_due)},
            )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view
