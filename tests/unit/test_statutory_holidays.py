"""Statutory holidays computed for a year without its published schedule (2027 on).

The lunar and solar-term dates below are the published ones for 2020–2030 (除夕 is the day
before 春节; 端午 and 中秋 are lunar 5/5 and 8/15; 清明 is the solar term).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from doorstep.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from doorstep.domain.statutory_holidays import (
    Festival,
    rest_days,
    statutory_days,
    statutory_holidays,
)

D = date.fromisoformat

# year: (春节 初一, 清明, 端午, 中秋)
PUBLISHED = {
    2020: ("2020-01-25", "2020-04-04", "2020-06-25", "2020-10-01"),
    2021: ("2021-02-12", "2021-04-04", "2021-06-14", "2021-09-21"),
    2022: ("2022-02-01", "2022-04-05", "2022-06-03", "2022-09-10"),
    2023: ("2023-01-22", "2023-04-05", "2023-06-22", "2023-09-29"),
    2024: ("2024-02-10", "2024-04-04", "2024-06-10", "2024-09-17"),
    2025: ("2025-01-29", "2025-04-04", "2025-05-31", "2025-10-06"),
    2026: ("2026-02-17", "2026-04-05", "2026-06-19", "2026-09-25"),
    2027: ("2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-26", "2028-04-04", "2028-05-28", "2028-10-03"),
    2029: ("2029-02-13", "2029-04-04", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-03", "2030-04-05", "2030-06-05", "2030-09-12"),
}


def _of(year: int, festival: Festival) -> list[date]:
    return [d.day for d in statutory_days(year) if d.festival == festival]


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_lunar_and_solar_term_dates_match_the_published_ones(year: int) -> None:
    spring, qingming, dragon_boat, mid_autumn = (D(x) for x in PUBLISHED[year])
    eve = spring - timedelta(days=1)
    assert _of(year, Festival.SPRING_FESTIVAL) == [eve + timedelta(days=i) for i in range(4)]
    assert _of(year, Festival.TOMB_SWEEPING) == [qingming]
    assert _of(year, Festival.DRAGON_BOAT) == [dragon_boat]
    if mid_autumn.month == 10 and mid_autumn.day <= 3:
        # 中秋 on a National Day date counts once
        assert _of(year, Festival.MID_AUTUMN) == []
        assert mid_autumn in _of(year, Festival.NATIONAL_DAY)
    else:
        assert _of(year, Festival.MID_AUTUMN) == [mid_autumn]


def test_2027_statutory_days_are_the_thirteen_of_the_2024_rules() -> None:
    assert sorted(statutory_holidays(2027) - {d.day for d in rest_days(2027) if d.in_lieu}) == [
        D(x)
        for x in (
            "2027-01-01",  # 元旦
            "2027-02-05",  # 除夕
            "2027-02-06",
            "2027-02-07",
            "2027-02-08",  # 春节: 除夕 + 3
            "2027-04-05",  # 清明
            "2027-05-01",
            "2027-05-02",  # 劳动节
            "2027-06-09",  # 端午
            "2027-09-15",  # 中秋
            "2027-10-01",
            "2027-10-02",
            "2027-10-03",  # 国庆
        )
    ]


def test_a_statutory_day_on_a_weekend_is_made_up_on_the_next_weekdays() -> None:
    in_lieu = {d.day: d.festival for d in rest_days(2027) if d.in_lieu}
    assert in_lieu == {
        D("2027-02-09"): Festival.SPRING_FESTIVAL,  # 02-06 Sat, 02-07 Sun
        D("2027-02-10"): Festival.SPRING_FESTIVAL,
        D("2027-05-03"): Festival.LABOUR_DAY,  # 05-01 Sat, 05-02 Sun
        D("2027-05-04"): Festival.LABOUR_DAY,
        D("2027-10-04"): Festival.NATIONAL_DAY,  # 10-02 Sat, 10-03 Sun
        D("2027-10-05"): Festival.NATIONAL_DAY,
    }


def test_2028_mid_autumn_on_national_day_is_one_rest_day() -> None:
    assert len(statutory_days(2028)) == 12


@pytest.mark.parametrize(
    "day",
    [
        "2027-01-01",  # Fri, 元旦: the day Mon–Fri counted as working
        "2027-02-05",  # Fri, 除夕
        "2027-02-08",  # Mon, 初三
        "2027-02-09",  # Tue, 补假 for the weekend in 春节
        "2027-04-05",  # Mon, 清明
        "2027-05-03",  # Mon, 补假 for 劳动节
        "2027-06-09",  # Wed, 端午
        "2027-09-15",  # Wed, 中秋
        "2027-10-01",  # Fri, 国庆
        "2027-10-05",  # Tue, 补假 for 国庆
    ],
)
def test_2027_without_a_schedule_rests_on_the_statutory_days(day: str) -> None:
    assert not DEFAULT_CALENDAR.covers(2027)
    assert not DEFAULT_CALENDAR.is_working_day(D(day))


def test_2027_deadlines_step_over_the_statutory_days() -> None:
    calendar = WorkingCalendar()
    # Thursday 2026-12-31 + 1 working day: not Friday 1 January, but Monday the 4th
    assert calendar.add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    # Thursday 2027-02-04 + 1: 除夕 to the 补假 days are off, so Thursday the 11th
    assert calendar.add_working_days(D("2027-02-04"), 1) == D("2027-02-11")
    # ordinary days around them are untouched, and weekends stay weekends (no 调休 guessed)
    assert calendar.is_working_day(D("2027-01-05"))
    assert not calendar.is_working_day(D("2027-01-30"))
    assert calendar.unknown_years(D("2026-12-01"), 60) == [2027]


def test_a_scheduled_year_uses_its_schedule_not_the_fallback() -> None:
    calendar = WorkingCalendar(extra_holidays=[D("2027-01-01")], scheduled_years=[2027])
    # the entered schedule is the whole truth: a fallback day it does not list is worked
    assert not calendar.is_working_day(D("2027-01-01"))
    assert calendar.is_working_day(D("2027-06-09"))


def test_years_before_the_amended_rules_keep_monday_to_friday() -> None:
    calendar = WorkingCalendar()
    assert not calendar.covers(2003)
    assert calendar.is_working_day(D("2003-01-01"))  # Wed; the library starts at 2004
