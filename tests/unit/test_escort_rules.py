"""陪同办's pure rules: slot checks, who may book, the change cut-off, the reminder window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.escort import (
    BookingStatus,
    SlotInput,
    SlotKind,
    check_changeable,
    check_open,
    clean_booking_text,
    clean_slot,
    may_book,
    reminder_window,
)

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def _slot(**change: object) -> SlotInput:
    data: dict[str, object] = {
        "kind": "hall",
        "starts_at": NOW + timedelta(days=1),
        "ends_at": NOW + timedelta(days=1, hours=2),
        "capacity": 3,
        "place": "  永安里   社区门口 ",
    }
    return SlotInput(**{**data, **change})  # type: ignore[arg-type]


def test_slots_are_checked_with_stable_codes() -> None:
    clean = clean_slot(_slot(), NOW)
    assert clean.kind is SlotKind.HALL and clean.place == "永安里 社区门口"
    for change, code in (
        ({"kind": "bus"}, "escort.kind_unknown"),
        ({"starts_at": NOW - timedelta(minutes=1)}, "escort.time_invalid"),
        ({"starts_at": NOW + timedelta(days=91)}, "escort.time_invalid"),
        ({"ends_at": NOW + timedelta(days=1, minutes=10)}, "escort.time_invalid"),
        ({"capacity": 21}, "escort.capacity_invalid"),
        ({"place": ""}, "escort.place_invalid"),
    ):
        with pytest.raises(InvalidInput) as raised:
            clean_slot(_slot(**change), NOW)
        assert raised.value.code == code, change


def test_who_may_book_and_what_a_home_visit_needs() -> None:
    assert may_book(60, False) and may_book(None, True) and not may_book(59, False)
    assert not may_book(None, False)
    with pytest.raises(InvalidInput):
        clean_booking_text(SlotKind.HOME, " ", None)
    assert clean_booking_text(SlotKind.HALL, None, " 办 老年卡 ") == (None, "办 老年卡")


def test_changes_stop_two_hours_before() -> None:
    starts = NOW + timedelta(hours=2, minutes=1)
    check_open(starts, False, NOW)
    check_changeable(BookingStatus.BOOKED, starts, NOW)
    with pytest.raises(Conflict):
        check_open(NOW + timedelta(hours=2), False, NOW)
    with pytest.raises(Conflict):
        check_open(starts, True, NOW)
    with pytest.raises(Conflict):
        check_changeable(BookingStatus.CANCELLED, starts, NOW)


def test_reminders_go_the_day_before_from_nine() -> None:
    assert reminder_window(NOW.replace(hour=8, minute=59)) is None
    start, end = reminder_window(NOW.replace(hour=9)) or (None, None)
    assert start == datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 12, 9, 0, 0, tzinfo=SHANGHAI)
