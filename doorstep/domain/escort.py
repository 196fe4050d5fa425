"""陪同办 (accompanied handling): the rules of slots, bookings and their reminders. Pure.

A unit publishes slots: a community worker goes with the citizen to the service hall (HALL) or
comes to her home (HOME), for a number of people. An elder of 60 or more (by her proved
resident ID), or anyone with priority (domain.priority), books a place herself or through an
agent; she changes or cancels it until CHANGE_CUTOFF before it starts. The day before (Asia/
Shanghai), from REMIND_FROM on, she gets one reminder SMS that asks "1 to confirm, 2 to
cancel, 3 to move to the next free slot". The worker records the outcome afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import Conflict, InvalidInput

BOOKING_PREFIX = "40"  # 10 applications, 20 tickets, 30 corrections, 40 accompanied visits
ELDER_AGE = 60
MAX_CAPACITY = 20
MIN_MINUTES = 15
MAX_HOURS = 8
MAX_DAYS_AHEAD = 90
CHANGE_CUTOFF = timedelta(hours=2)
REMIND_FROM = time(9, 0)  # local time the day before
MAX_TEXT = 200
MAX_PLACE = 100


class SlotKind(StrEnum):
    HALL = "hall"  # accompanied to the service hall
    HOME = "home"  # a home visit


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


OUTCOMES = (BookingStatus.DONE, BookingStatus.NO_SHOW)


class Channel(StrEnum):
    APP = "app"
    SMS = "sms"
    COUNTER = "counter"


# the digits of the reminder's question
CONFIRM, CANCEL, MOVE = 1, 2, 3


@dataclass(frozen=True)
class SlotInput:
    kind: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str
    note: str | None = None


@dataclass(frozen=True)
class CleanSlot:
    kind: SlotKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str
    note: str | None


def _text(raw: str | None, limit: int, code: str, *, required: bool = False) -> str | None:
    text = " ".join((raw or "").split())
    if not text:
        if required:
            raise InvalidInput(code, limit=limit)
        return None
    if len(text) > limit:
        raise InvalidInput(code, limit=limit)
    return text


def clean_slot(data: SlotInput, now: datetime) -> CleanSlot:
    """A slot a unit publishes, checked; InvalidInput with a stable code if it is wrong."""
    try:
        kind = SlotKind(data.kind)
    except ValueError:
        raise InvalidInput("escort.kind_unknown") from None
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise InvalidInput("escort.time_invalid")
    if data.starts_at <= now or data.starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput("escort.time_invalid")
    length = data.ends_at - data.starts_at
    if not timedelta(minutes=MIN_MINUTES) <= length <= timedelta(hours=MAX_HOURS):
        raise InvalidInput("escort.time_invalid")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise InvalidInput("escort.capacity_invalid", limit=MAX_CAPACITY)
    place = _text(data.place, MAX_PLACE, "escort.place_invalid", required=True)
    assert place is not None
    note = _text(data.note, MAX_TEXT, "escort.note_invalid")
    return CleanSlot(kind, data.starts_at, data.ends_at, data.capacity, place, note)


def clean_booking_text(
    kind: SlotKind, address: str | None, need: str | None
) -> tuple[str | None, str | None]:
    """A home visit needs the address; what the citizen needs help with is optional."""
    clean_address = _text(
        address, MAX_TEXT, "escort.address_invalid", required=kind is SlotKind.HOME
    )
    return clean_address, _text(need, MAX_TEXT, "escort.need_invalid")


def may_book(age: int | None, has_priority: bool) -> bool:
    return has_priority or (age is not None and age >= ELDER_AGE)


def check_open(starts_at: datetime, cancelled: bool, now: datetime) -> None:
    """A slot one may still book, leave or move to."""
    if cancelled:
        raise Conflict("escort.slot_cancelled")
    if starts_at - CHANGE_CUTOFF <= now:
        raise Conflict("escort.too_late")


def check_changeable(status: BookingStatus, starts_at: datetime, now: datetime) -> None:
    if status is not BookingStatus.BOOKED:
        raise Conflict("escort.booking_not_active")
    if starts_at - CHANGE_CUTOFF <= now:
        raise Conflict("escort.too_late")


def check_outcome(
    status: BookingStatus, outcome: BookingStatus, starts_at: datetime, now: datetime
) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput("escort.outcome_invalid")
    if status is not BookingStatus.BOOKED:
        raise Conflict("escort.booking_not_active")
    if now < starts_at:
        raise Conflict("escort.not_started")


def local_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def reminder_window(now: datetime) -> tuple[datetime, datetime] | None:
    """Slots starting within [start, end) get their reminder now: tomorrow's (local), once it
    is REMIND_FROM today. None before then."""
    local = now.astimezone(SHANGHAI)
    if local.time() < REMIND_FROM:
        return None
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0, 0), SHANGHAI)
    return start, start + timedelta(days=1)
