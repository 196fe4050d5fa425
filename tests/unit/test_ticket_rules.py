"""Ticket rules: the state machine, deadlines on the working-day calendar, replies, places."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from doorstep.domain.calendar import SHANGHAI, WorkingCalendar
from doorstep.domain.tickets import (
    DeadlineProfile,
    IllegalTicketTransition,
    Place,
    Rating,
    TicketAction,
    TicketKind,
    TicketStatus,
    Urgency,
    allowed_actions,
    choose_profile,
    deadlines,
    default_profile,
    next_status,
    parse_follow_up_reply,
    region_ancestors,
    same_place,
    valid_coordinates,
)

CAL = WorkingCalendar()
S, A = TicketStatus, TicketAction


def test_the_loop() -> None:
    assert next_status(S.DISPATCHED, A.ACKNOWLEDGE) is S.ACKNOWLEDGED
    assert next_status(S.ACKNOWLEDGED, A.RESOLVE) is S.RESOLVED
    assert next_status(S.RESOLVED, A.REPORT_UNSOLVED) is S.REOPENED
    assert next_status(S.REOPENED, A.RESOLVE) is S.RESOLVED
    assert next_status(S.RESOLVED, A.CONFIRM_SOLVED) is S.CLOSED
    assert next_status(S.RESOLVED, A.CLOSE_UNCONFIRMED) is S.CLOSED_UNCONFIRMED
    assert next_status(S.DISPATCHED, A.RETURN) is S.RETURNED
    assert next_status(S.RETURNED, A.REDISPATCH) is S.DISPATCHED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.DISPATCHED, A.RESOLVE),  # acknowledge first
        (S.REOPENED, A.RETURN),  # a reopened ticket stays with its unit
        (S.RESOLVED, A.RETURN),
        (S.CLOSED, A.REPORT_UNSOLVED),
        (S.CLOSED_UNCONFIRMED, A.CONFIRM_SOLVED),
        (S.RETURNED, A.ACKNOWLEDGE),
    ],
)
def test_illegal_moves(status: TicketStatus, action: TicketAction) -> None:
    with pytest.raises(IllegalTicketTransition):
        next_status(status, action)
    assert action not in allowed_actions(status)


def test_final_states_allow_nothing() -> None:
    assert allowed_actions(S.CLOSED) == frozenset()
    assert allowed_actions(S.CLOSED_UNCONFIRMED) == frozenset()


def test_profiles() -> None:
    assert default_profile(TicketKind.HELP, Urgency.NORMAL) is DeadlineProfile.HELP
    assert default_profile(TicketKind.COMPLAINT, Urgency.NORMAL).working_days == 13
    assert default_profile(TicketKind.COMPLAINT, Urgency.DANGER) is DeadlineProfile.URGENT
    # a rule may be quicker than the default, never slower than the urgency demands
    assert choose_profile("urgent", TicketKind.COMPLAINT, Urgency.NORMAL) is DeadlineProfile.URGENT
    assert choose_profile("complaint", TicketKind.HELP, Urgency.DANGER) is DeadlineProfile.URGENT
    assert choose_profile(None, TicketKind.HELP, Urgency.NORMAL) is DeadlineProfile.HELP


def _at(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def test_deadlines_on_the_working_day_calendar() -> None:
    # Thursday 2026-09-24, 10:00 in Beijing; then Mid-Autumn (09-25..27) and National Day
    # (10-01..07) are rest days, 10-10 (a Saturday) is worked (调休)
    start = _at(2026, 9, 24, 10)
    help_ = deadlines(CAL, start, Urgency.NORMAL, DeadlineProfile.HELP)
    assert help_.ack_due_at == _at(2026, 9, 25, 10)  # hours, not working days
    assert help_.handle_due_on == date(2026, 9, 30)  # 28, 29, 30
    assert help_.handle_due_at.astimezone(SHANGHAI).time().hour == 23
    # 75% of three working days: the start of the last one
    assert help_.handle_remind_at == _at(2026, 9, 30, 0)
    danger = deadlines(CAL, start, Urgency.DANGER, DeadlineProfile.URGENT)
    assert danger.ack_due_at == _at(2026, 9, 24, 12)
    assert danger.ack_remind_at == _at(2026, 9, 24, 11, 30)
    assert danger.handle_due_on == date(2026, 9, 24)
    # a same-day deadline is reminded after 75% of the hours left (10:00 -> 24:00)
    assert abs(danger.handle_remind_at - _at(2026, 9, 24, 20, 30)) < timedelta(seconds=1)
    complaint = deadlines(CAL, start, Urgency.NORMAL, DeadlineProfile.COMPLAINT)
    # 28 29 30, 10-08 09 10(Sat) 12 13 14 15 16 19 20
    assert complaint.handle_due_on == date(2026, 10, 20)
    extended = deadlines(CAL, start, Urgency.NORMAL, DeadlineProfile.HELP, extra_days=2)
    assert extended.handle_due_on == CAL.add_working_days(help_.handle_due_on, 2)


def test_urgent_on_a_rest_day_is_due_the_next_working_day() -> None:
    # Saturday 2026-09-26 is a rest day; 09-28 (Monday) is a working day
    d = deadlines(CAL, _at(2026, 9, 26, 9), Urgency.URGENT, DeadlineProfile.URGENT)
    assert d.handle_due_on == CAL.add_working_days(date(2026, 9, 26), 0)
    assert CAL.is_working_day(d.handle_due_on)


def test_deadlines_need_aware_times() -> None:
    with pytest.raises(ValueError):
        deadlines(CAL, datetime(2026, 9, 25, 10), Urgency.NORMAL, DeadlineProfile.HELP)
    assert deadlines(
        CAL, datetime(2026, 9, 25, 2, tzinfo=UTC), Urgency.NORMAL, DeadlineProfile.HELP
    ).handle_due_on


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("１", True),
        (" 1。", True),
        ("已解决", True),
        ("YES", True),
        ("2", False),
        ("２", False),
        ("未解决", False),
        ("no", False),
        ("3", None),
        ("", None),
        ("12", None),
        ("解决了吗", None),
    ],
)
def test_follow_up_replies(text: str, expected: bool | None) -> None:
    assert parse_follow_up_reply(text) is expected


def test_ratings() -> None:
    assert Rating.DISSATISFIED.opens_rectification and Rating.VERY_DISSATISFIED.opens_rectification
    assert not Rating.BASICALLY_SATISFIED.opens_rectification
    assert Rating.BASICALLY_SATISFIED.counts_as_satisfied
    assert not Rating.DISSATISFIED.counts_as_satisfied
    assert Rating.VERY_SATISFIED.label_key == "rating.very_satisfied"


def test_coordinates() -> None:
    assert valid_coordinates(None, None)
    assert valid_coordinates(39.91, 116.46)
    assert valid_coordinates(-90, 180)
    for lat, lon in [
        (91, 0),
        (0, 181),
        (39.9, None),
        (None, 116.4),
        (float("nan"), 1),
        (1, float("inf")),
    ]:
        assert not valid_coordinates(lat, lon), (lat, lon)


def test_same_place() -> None:
    a = Place("110105001001", 39.9100, 116.4600)
    assert same_place(a, Place("110105001001", 39.9110, 116.4610))  # ~140 m
    assert not same_place(a, Place("110105001001", 39.9200, 116.4600))  # ~1.1 km
    assert same_place(a, Place("110105001001"))  # one not located: same community
    assert not same_place(a, Place("110105001002", 39.9100, 116.4600))


def test_region_ancestors() -> None:
    assert region_ancestors("110105001001") == ["110105001001", "110105001", "110105"]
    assert region_ancestors("110105") == ["110105"]


# --- filing limits -----------------------------------------------------------------------------


def test_filing_is_allowed_below_every_limit_and_when_limits_are_off() -> None:
    from doorstep.domain.tickets import FilingCounts, FilingLimits, filing_wait

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    limits = FilingLimits(citizen_hour=3, citizen_day=10, client_hour=30)
    assert filing_wait(FilingCounts(now=now), limits) is None
    assert (
        filing_wait(FilingCounts(now=now, citizen_hour=2, citizen_day=9, client_hour=29), limits)
        is None
    )
    off = FilingLimits(citizen_hour=0, citizen_day=0, client_hour=0)
    assert (
        filing_wait(FilingCounts(now=now, citizen_hour=99, citizen_day=99, client_hour=99), off)
        is None
    )


def test_the_wait_is_until_the_oldest_of_the_fullest_window_leaves_it() -> None:
    from doorstep.domain.tickets import FilingCounts, FilingLimits, filing_wait

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    limits = FilingLimits(citizen_hour=3, citizen_day=10, client_hour=30)
    hour_full = FilingCounts(
        now=now,
        citizen_hour=3,
        citizen_hour_first=now - timedelta(minutes=50),
        citizen_day=3,
        citizen_day_first=now - timedelta(minutes=50),
    )
    assert filing_wait(hour_full, limits) == 600
    day_full = FilingCounts(
        now=now,
        citizen_hour=1,
        citizen_hour_first=now,
        citizen_day=10,
        citizen_day_first=now - timedelta(hours=20),
    )
    assert filing_wait(day_full, limits) == 4 * 3600
    # both full: the longer wait; an address over its limit too
    both = FilingCounts(
        now=now,
        citizen_hour=3,
        citizen_hour_first=now - timedelta(minutes=59),
        citizen_day=10,
        citizen_day_first=now - timedelta(hours=23),
        client_hour=30,
        client_hour_first=now - timedelta(minutes=1),
    )
    assert filing_wait(both, limits) == 3600  # the day's: 1 h, over the hour's 1 min and 59 min
    # never less than a second, even with the oldest exactly at the edge
    edge = FilingCounts(now=now, client_hour=30, client_hour_first=now - timedelta(hours=1))
    assert filing_wait(edge, limits) == 1
