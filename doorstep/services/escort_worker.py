"""陪同办, the unit's worker: whom to accompany in a slot (the read recorded), the outcome after
the visit, and the day-before reminder SMS (the worker process's cron; exactly once per booking).
Bookings themselves: services/escort.py."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.escort import BookingStatus, check_outcome, reminder_window
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import citizen_sms, event_log, privacy
from doorstep.services.deps import Deps
from doorstep.services.escort import (
    BookingView,
    RosterEntry,
    SlotView,
    booking_view,
    now_utc,
    parse_number,
    reread,
    reread_slot,
    slot_view,
    unit_target,
)
from doorstep.store import applications as app_store
from doorstep.store import escort as store
from doorstep.store.db import transaction
from doorstep.store.escort import BookingRow, RosterRow

REMINDER_BATCH = 500


async def roster(deps: Deps, actor: Actor, slot_id: int) -> tuple[SlotView, list[RosterEntry]]:
    """Whom to accompany in a slot: the unit's staff; the read is recorded for each person."""
    async with transaction(deps.pool) as conn:
        slot = await store.slot(conn, slot_id)
        if slot is None:
            raise NotFound("escort.slot_not_found")
        authorize(actor, Operation.ESCORT_ROSTER, unit_target(slot))
        rows: list[RosterRow] = await store.roster(conn, slot_id)
        await privacy.record_staff_reads(
            conn, actor, rows, what="escort_booking", purpose="accompanied_visit"
        )
    return slot_view(slot), [
        RosterEntry(booking_view(r, slot), r.citizen_name, r.citizen_phone) for r in rows
    ]


async def record_outcome(
    deps: Deps, actor: Actor, raw_number: str, outcome: BookingStatus, note: str | None
) -> BookingView:
    number = parse_number(raw_number)
    text = " ".join((note or "").split()) or None
    if text is not None and len(text) > 500:
        raise InvalidInput("escort.note_invalid", limit=500)
    async with transaction(deps.pool) as conn:
        row = await store.booking(conn, number, lock=True)
        if row is None:
            raise NotFound("escort.booking_not_found")
        slot = await reread_slot(conn, row.slot_id)
        authorize(actor, Operation.ESCORT_ROSTER, unit_target(slot))
        check_outcome(BookingStatus(row.status), outcome, slot.starts_at, now_utc())
        await store.set_status(conn, row.id, outcome.value, note=text, staff_id=actor.staff_id)
        row = await reread(conn, row.id)
        await event_log.by_staff(
            conn,
            actor,
            f"escort.{outcome.value}",
            row.citizen_id,
            {"number": row.number, "slot": slot.id, "unit": slot.unit_code},
        )
    return booking_view(row, slot)


async def send_reminders(deps: Deps, now: datetime | None = None) -> int:
    """The day-before SMS, once per booking: claimed and queued in one transaction, so a
    second sweeper (or a retried job) finds nothing left to send."""
    window = reminder_window(now or now_utc())
    if window is None:
        return 0
    async with transaction(deps.pool) as conn:
        rows = await store.claim_reminders(conn, window[0], window[1], REMINDER_BATCH)
        outbox_ids = []
        for r in rows:
            contact = await app_store.citizen_contact(conn, r.citizen_id)
            assert contact is not None
            outbox_ids.append(
                await citizen_sms.queue(
                    conn,
                    contact,
                    kind="escort_reminder",
                    template="sms.escort_reminder",
                    params={
                        "number": r.number,
                        "due": r.starts_at.astimezone(SHANGHAI).strftime("%H:%M"),
                        "unit": r.place,
                    },
                    call_phone=r.unit_phone or deps.settings.support_phone,
                    extend_code=question_code(QuestionKind.ESCORT, r.id),
                )
            )
    await deps.after_commit(outbox_ids)
    return len(rows)


async def confirm_by_sms(deps: Deps, booking_id: int) -> BookingRow | None:
    async with transaction(deps.pool) as conn:
        await store.confirm(conn, booking_id)
        return await store.booking_by_id(conn, booking_id)
