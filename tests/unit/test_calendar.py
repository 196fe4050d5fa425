"""Working-day calendar: official 2025/2026 schedules, arithmetic, fallback and overrides.

The concrete dates below were checked against chinesecalendar 1.11.0 and the State Council
notices (国务院办公厅关于2025年/2026年部分节假日安排的通知).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from doorstep.domain.calendar import (
    DEFAULT_CALENDAR,
    SHANGHAI,
    ScheduleError,
    WorkingCalendar,
    deadline_end,
    due_at,
    local_date,
    parse_schedule,
)
from doorstep.services.holidays import load_schedule

# Far beyond any data the library will ship soon, so these tests do not break on upgrades.
UNCOVERED_YEAR = 2100

D = date.fromisoformat


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-26",  # Sun, Spring Festival 2025 调休
        "2025-02-08",  # Sat, Spring Festival 2025 调休
        "2025-09-28",  # Sun, National Day 2025 调休
        "2025-10-11",  # Sat, National Day 2025 调休
        "2026-01-04",  # Sun, New Year 2026 调休
        "2026-02-14",  # Sat, Spring Festival 2026 调休
        "2026-02-28",  # Sat, Spring Festival 2026 调休
        "2026-09-20",  # Sun, National Day 2026 调休 (before the separate Mid-autumn break)
        "2026-10-10",  # Sat, National Day 2026 调休
    ],
)
def test_adjusted_weekend_days_are_working_days(day: str) -> None:
    d = D(day)
    assert d.weekday() >= 5
    assert DEFAULT_CALENDAR.is_working_day(d)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2025-01-28", "2025-02-04"),  # Spring Festival 2025: 8 days (除夕 now statutory)
        ("2025-10-01", "2025-10-08"),  # National Day + Mid-autumn 2025
        ("2026-02-15", "2026-02-23"),  # Spring Festival 2026: 9 days
        ("2026-09-25", "2026-09-27"),  # Mid-autumn 2026 (Fri-Sun)
        ("2026-10-01", "2026-10-07"),  # National Day 2026
    ],
)
def test_festival_days_are_rest_days(first: str, last: str) -> None:
    d = D(first)
    while d <= D(last):
        assert not DEFAULT_CALENDAR.is_working_day(d), d
        d += timedelta(days=1)


def test_plain_weekdays_and_weekends() -> None:
    assert DEFAULT_CALENDAR.is_working_day(D("2025-03-12"))  # Wed
    assert not DEFAULT_CALENDAR.is_working_day(D("2025-03-15"))  # Sat
    assert not DEFAULT_CALENDAR.is_working_day(D("2025-03-16"))  # Sun


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-01-24", 1, "2025-01-26"),  # Fri -> the 调休 Sunday
        ("2025-01-24", 2, "2025-01-27"),
        ("2025-01-24", 3, "2025-02-05"),  # jumps the whole Spring Festival break
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-13", 20, "2026-03-19"),  # a typical 20-working-day legal limit
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-26", 4, "2025-10-09"),
        ("2025-09-26", 6, "2025-10-11"),
        ("2026-09-18", 5, "2026-09-24"),
        ("2025-03-14", 1, "2025-03-17"),  # ordinary Fri -> Mon
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert DEFAULT_CALENDAR.add_working_days(D(start), n) == D(expected)


def test_add_zero_working_days() -> None:
    assert DEFAULT_CALENDAR.add_working_days(D("2025-01-27"), 0) == D("2025-01-27")
    assert DEFAULT_CALENDAR.add_working_days(D("2025-01-26"), 0) == D("2025-01-26")
    assert DEFAULT_CALENDAR.add_working_days(D("2025-01-28"), 0) == D("2025-02-05")


def test_add_negative_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add_working_days(D("2025-01-27"), -1)


def test_working_days_between() -> None:
    cal = DEFAULT_CALENDAR
    assert cal.working_days_between(D("2025-09-26"), D("2025-10-11")) == 6
    assert cal.working_days_between(D("2026-02-13"), D("2026-03-01")) == 6
    assert cal.working_days_between(D("2025-03-10"), D("2025-03-17")) == 5
    assert cal.working_days_between(D("2025-03-10"), D("2025-03-10")) == 0
    assert cal.working_days_between(D("2025-03-17"), D("2025-03-10")) == 0


def test_between_inverts_add() -> None:
    cal = DEFAULT_CALENDAR
    start = D("2025-01-20")
    for n in range(1, 40):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_covers() -> None:
    assert DEFAULT_CALENDAR.covers(2025)
    assert DEFAULT_CALENDAR.covers(2026)
    assert not DEFAULT_CALENDAR.covers(2003)  # the library starts at 2004
    assert not DEFAULT_CALENDAR.covers(UNCOVERED_YEAR)


def test_uncovered_year_falls_back_to_the_statutory_days_and_monday_to_friday() -> None:
    cal = WorkingCalendar()
    friday = date(UNCOVERED_YEAR, 1, 1)
    assert friday.weekday() == 4
    assert not cal.is_working_day(friday)  # 元旦
    assert cal.is_working_day(friday + timedelta(days=7))
    assert not cal.is_working_day(friday + timedelta(days=1))
    assert not cal.is_working_day(friday + timedelta(days=2))
    assert cal.add_working_days(friday, 1) == date(UNCOVERED_YEAR, 1, 4)


def test_overrides_apply_to_uncovered_and_covered_years() -> None:
    jan1 = date(UNCOVERED_YEAR, 1, 1)
    saturday = date(UNCOVERED_YEAR, 1, 2)
    local_closure = D("2025-03-12")  # an ordinary Wednesday in a covered year
    cal = WorkingCalendar(extra_holidays=[jan1, local_closure], extra_workdays=[saturday])
    assert not cal.is_working_day(jan1)
    assert cal.is_working_day(saturday)
    assert not cal.is_working_day(local_closure)
    # New Year's Eve (Thu) + 1 skips the holiday and lands on the working Saturday.
    assert cal.add_working_days(date(UNCOVERED_YEAR - 1, 12, 31), 1) == saturday
    # The shared default calendar is unaffected.
    assert DEFAULT_CALENDAR.is_working_day(local_closure)


def test_conflicting_overrides_are_refused() -> None:
    d = date(UNCOVERED_YEAR, 1, 1)
    with pytest.raises(ValueError):
        WorkingCalendar(extra_holidays=[d], extra_workdays=[d])


def test_datetime_is_not_a_date_here() -> None:
    with pytest.raises(TypeError):
        DEFAULT_CALENDAR.is_working_day(datetime(2025, 1, 26, tzinfo=UTC))


def test_local_date_uses_shanghai() -> None:
    assert local_date(datetime(2025, 1, 1, 15, 59, 59, tzinfo=UTC)) == D("2025-01-01")
    assert local_date(datetime(2025, 1, 1, 16, 0, 0, tzinfo=UTC)) == D("2025-01-02")
    other = timezone(timedelta(hours=-5))
    assert local_date(datetime(2025, 1, 1, 11, 0, tzinfo=other)) == D("2025-01-02")
    with pytest.raises(ValueError):
        local_date(datetime(2025, 1, 1, 12, 0))


def test_deadline_end_is_last_shanghai_instant_in_utc() -> None:
    end = deadline_end(D("2025-01-01"))
    assert end == datetime(2025, 1, 1, 15, 59, 59, 999999, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)
    assert end.astimezone(SHANGHAI).date() == D("2025-01-01")
    assert local_date(end + timedelta(microseconds=1)) == D("2025-01-02")


def test_due_at_counts_from_the_shanghai_date() -> None:
    # 2025-01-23 17:00 UTC is already Friday 2025-01-24 01:00 in Shanghai.
    submitted = datetime(2025, 1, 23, 17, 0, tzinfo=UTC)
    assert due_at(submitted, 3) == deadline_end(D("2025-02-05"))


# --- schedule files: a year's official dates loaded before the library ships them -------------


def _schedule(**year: object) -> dict[str, object]:
    entry = {
        "year": UNCOVERED_YEAR,
        "source": "test notice",
        "holidays": ["2100-01-01"],
        "workdays": ["2100-01-09"],
        **year,
    }
    return {"years": [entry]}


def test_a_loaded_year_counts_its_holidays_and_adjusted_weekends(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(_schedule()), encoding="utf-8")
    fallback = WorkingCalendar()
    loaded = load_schedule(str(path))
    assert not fallback.covers(UNCOVERED_YEAR) and loaded.covers(UNCOVERED_YEAR)
    # 2100-01-01 is a Friday: a rest day by the schedule and by the statutory fallback;
    # Saturday 01-09 is worked only by the schedule
    assert not fallback.is_working_day(D("2100-01-01")) and not loaded.is_working_day(
        D("2100-01-01")
    )
    assert not fallback.is_working_day(D("2100-01-09")) and loaded.is_working_day(D("2100-01-09"))
    # Friday 2100-10-01 (国庆) rests by the fallback; the schedule, which is the whole truth
    # once entered, does not list it
    assert not fallback.is_working_day(D("2100-10-01")) and loaded.is_working_day(D("2100-10-01"))
    assert loaded.add_working_days(D("2099-12-31"), 1) == D("2100-01-04")
    # years the library knows are untouched
    assert loaded.is_working_day(D("2026-02-14")) and not loaded.is_working_day(D("2026-02-16"))


def test_no_file_is_the_library_calendar() -> None:
    assert load_schedule("") is DEFAULT_CALENDAR


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], '"years" list'),
        ({"years": [{"year": "2100", "source": "x"}]}, "years[0].year"),
        (_schedule(source=" "), "source"),
        (_schedule(holidays=["2101-01-01"]), "not a date in 2100"),
        (_schedule(holidays=["2100-02-30"]), "not a date in 2100"),
        (_schedule(holidays="2100-01-01"), "a list of"),
        (_schedule(workdays=["2100-01-01"], holidays=["2100-01-01"]), "both holiday and workday"),
        (_schedule(workdays=["2100-01-04"]), "only weekend days"),
        (
            {"years": [_schedule()["years"][0], _schedule()["years"][0]]},  # type: ignore[index]
            "appears twice",
        ),
    ],
)
def test_a_wrong_schedule_is_refused_whole(data: object, words: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(words)):
        parse_schedule(data)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ScheduleError, match=re.escape("holidays.json")):
        load_schedule(str(path))
    with pytest.raises(ScheduleError):
        load_schedule(str(tmp_path / "missing.json"))


def test_unknown_years_within_a_horizon() -> None:
    calendar = WorkingCalendar(scheduled_years=[UNCOVERED_YEAR])
    assert calendar.unknown_years(D("2026-06-01"), 120) == []
    assert calendar.unknown_years(D("2099-12-01"), 120) == [2099]
    assert calendar.unknown_years(D("2100-03-01"), 400) == [2101]
