"""陪同办 by SMS. Booking: "陪同" gets the next free slot of her district offered ("reply 1 to
book", with its extend code) and "1" books it. The day-before reminder ends "1 to confirm, 2 to
cancel, 3 to move to the next free slot": "2" and "3" run the app's own cancel and change
(services.escort), as the citizen herself (the reply comes from her phone); "1" records that she
confirmed. Both are registered with the other digit questions in services/sms_replies.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from doorstep.domain.calendar import minute_text
from doorstep.domain.errors import DomainError
from doorstep.domain.escort import CANCEL, CHANGE_CUTOFF, CONFIRM, MOVE, Channel, SlotKind
from doorstep.domain.sms_reply import Question, QuestionKind, named_by, parse_rating, question_code
from doorstep.services import escort, escort_worker
from doorstep.services.citizen_sms import call_us
from doorstep.services.deps import Deps
from doorstep.services.sms_tickets import answer, answer_alone, citizen_actor
from doorstep.store import escort as store
from doorstep.store.db import transaction
from doorstep.store.sms_inbound import InboundCitizenRow

# a bare digit answers a reminder sent in the last two days
ASKED_WITHIN = timedelta(days=2)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EscortAsked:
    """The booking a reminder asked about (id None: that booking is over)."""

    asked_at: datetime
    id: int | None
    number: str | None


async def escort_asked(
    deps: Deps, citizen_id: int, question: Question | None
) -> EscortAsked | None:
    """The booking a 1/2/3 would answer: the one the extend code names, else the newest
    reminded; None when none is in flight."""
    if question is not None and question.kind is not QuestionKind.ESCORT:
        return None
    rows = await store.asked_by_sms(deps.pool, citizen_id, escort.now_utc() - ASKED_WITHIN)
    if question is not None:
        rows = named_by(question, rows)
        if not rows:  # a reply to a reminder whose booking is over: said so, never another's
            return EscortAsked(_LONG_AGO, None, None)
    if not rows:
        return None
    row = rows[0]
    assert row.reminded_at is not None
    return EscortAsked(row.reminded_at, row.id, row.number)


async def answer_escort(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """None when the text is not 1, 2 or 3, or no reminder asked."""
    digit = parse_rating(text)
    if digit not in (CONFIRM, CANCEL, MOVE):
        return None
    asked = await escort_asked(deps, citizen.id, question)
    if asked is None:
        return None
    if asked.id is None or asked.number is None:
        await answer_alone(
            deps, citizen, "sms_reply.escort_closed", "sms.escort_closed", call_us(deps)
        )
        return "escort_closed"
    actor = citizen_actor(citizen)
    try:
        if digit == CONFIRM:
            await escort_worker.confirm_by_sms(deps, asked.id)
            template, params = "sms.escort_confirmed", {"number": asked.number}
        elif digit == CANCEL:
            await escort.cancel(deps, actor, asked.number)
            return "escort_cancelled"  # the cancellation's own SMS says so
        else:
            await escort.change(deps, actor, asked.number, None)
            return "escort_moved"
    except DomainError as exc:
        template, params = "sms.escort_unchanged", {"number": asked.number}
        await answer_alone(
            deps,
            citizen,
            "sms_reply.escort_unchanged",
            template,
            params,
            extend_code=question_code(QuestionKind.ESCORT, asked.id),
        )
        return f"escort_refused:{exc.code}"
    await answer_alone(deps, citizen, "sms_reply.escort_confirmed", template, params)
    return "escort_confirmed"


# --- booking by SMS: "陪同" offers the next free slot, "1" books it ---------------------------

OFFER_VALID = timedelta(days=1)


@dataclass(frozen=True)
class OfferAsked:
    asked_at: datetime
    id: int
    slot_id: int


async def offer_slot(deps: Deps, citizen: InboundCitizenRow) -> str:
    """The next slot to the hall with a place left in her district, offered by SMS ("reply 1
    to book"); none: said so, with a number to call. A home visit needs an address and is
    booked in the app or by phone."""
    actor = citizen_actor(citizen)
    slots = await escort.open_slots(deps, actor, limit=50)
    now = escort.now_utc()
    slot = next(
        (
            s
            for s in slots
            if s.kind is SlotKind.HALL and s.places_left > 0 and s.starts_at - CHANGE_CUTOFF > now
        ),
        None,
    )
    async with transaction(deps.pool) as conn:
        if slot is None:
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.escort_no_slot",
                "sms.escort_no_slot",
                call_us(deps),
            )
            outcome = "escort_no_slot"
        else:
            offer_id = await store.insert_sms_offer(conn, citizen.id, slot.id)
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.escort_offer",
                "sms.escort_offer",
                {"due": minute_text(slot.starts_at), "unit": slot.place},
                extend_code=question_code(QuestionKind.ESCORT_OFFER, offer_id),
            )
            outcome = "escort_offered"
    await deps.after_commit([outbox_id])
    return outcome


async def escort_offer_asked(
    deps: Deps, citizen_id: int, question: Question | None
) -> OfferAsked | None:
    if question is not None and question.kind is not QuestionKind.ESCORT_OFFER:
        return None
    rows = await store.sms_offers(deps.pool, citizen_id, escort.now_utc() - OFFER_VALID)
    if question is not None:
        rows = named_by(question, rows)
    return OfferAsked(rows[0].asked_at, rows[0].id, rows[0].slot_id) if rows else None


async def answer_escort_offer(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """ "1" books the slot offered (the booking's own SMS says so); a refusal (full, too late,
    not eligible) is answered with a number to call."""
    if parse_rating(text) != CONFIRM:
        return None
    asked = await escort_offer_asked(deps, citizen.id, question)
    if asked is None:
        return None
    async with transaction(deps.pool) as conn:
        if not await store.answer_sms_offer(conn, asked.id):
            return "escort_offer_answered"
    try:
        await escort.book(deps, citizen_actor(citizen), asked.slot_id, channel=Channel.SMS)
    except DomainError as exc:
        await answer_alone(
            deps, citizen, "sms_reply.escort_not_booked", "sms.escort_not_booked", call_us(deps)
        )
        return f"escort_not_booked:{exc.code}"
    return "escort_booked"
