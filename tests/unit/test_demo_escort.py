"""The demo's 陪同办 slots fall on the coming working days: weekends and holidays skipped,
adjusted working weekends (调休) kept."""

from __future__ import annotations

from datetime import date

from doorstep.store.demo_escort import WORKING_DAYS, coming_working_days


def test_a_friday_is_followed_by_the_next_weeks_days() -> None:
    assert coming_working_days(date(2026, 12, 4)) == [
        date(2026, 12, 7),
        date(2026, 12, 8),
        date(2026, 12, 9),
    ]


def test_the_national_day_week_is_skipped_and_its_working_saturday_kept() -> None:
    # 2026: 1-7 October off, Saturday 10 October worked instead
    assert coming_working_days(date(2026, 9, 30)) == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]


def test_as_many_days_as_asked() -> None:
    assert len(coming_working_days(date(2026, 6, 1))) == WORKING_DAYS
    assert len(coming_working_days(date(2026, 6, 1), 5)) == 5
