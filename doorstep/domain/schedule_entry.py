"""Checking a year's official holiday schedule as an admin enters it.

The same rules as a schedule file (`calendar.parse_schedule`), as refusals with stable codes,
plus one a file never had: a statutory day that falls on a weekday must be among the holidays,
since every notice lists them; its absence is a typing mistake, caught before deadlines count it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from doorstep.domain.calendar import YearSchedule
from doorstep.domain.errors import InvalidInput
from doorstep.domain.statutory_holidays import AMENDED_FROM, statutory_days

FIRST_YEAR = 2000
LAST_YEAR = 2200
# a notice lists about 30 days off and a handful of worked weekend days
MAX_DAYS = 80
MAX_SOURCE_CHARS = 200


def check_entry(
    year: int, holidays: Iterable[date], workdays: Iterable[date], source: str
) -> YearSchedule:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("holidays.year_invalid", first=FIRST_YEAR, last=LAST_YEAR)
    source = " ".join(source.split())
    if not source or len(source) > MAX_SOURCE_CHARS:
        raise InvalidInput("holidays.source_missing", max=MAX_SOURCE_CHARS)
    off, worked = set(holidays), set(workdays)
    if len(off) + len(worked) > MAX_DAYS:
        raise InvalidInput("holidays.too_many", max=MAX_DAYS)
    for d in sorted(off | worked):
        if d.year != year:
            raise InvalidInput("holidays.date_outside_year", day=d.isoformat(), year=year)
    both = sorted(off & worked)
    if both:
        raise InvalidInput("holidays.both", day=both[0].isoformat())
    for d in sorted(worked):
        if d.weekday() < 5:
            raise InvalidInput("holidays.workday_not_weekend", day=d.isoformat())
    if year >= AMENDED_FROM:
        for s in statutory_days(year):
            if s.day.weekday() < 5 and s.day not in off:
                raise InvalidInput("holidays.statutory_day_missing", day=s.day.isoformat())
    return YearSchedule(year, frozenset(off), frozenset(worked), source)
