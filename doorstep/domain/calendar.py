"""Chinese working-day calendar and Asia/Shanghai date helpers.

Legal time limits (承诺时限) count working days: weekends are rest days, statutory holidays are
rest days, and adjusted weekends (调休) are working days. The official schedule comes from the
`chinesecalendar` package for the years it ships; later years fall back to Mon–Fri until the
State Council notice is out and someone loads it as overrides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)


def _library_covers(year: int) -> bool:
    # Ask the library itself rather than copying its range rule: it raises NotImplementedError
    # for any date outside the years it has data for.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """Working-day arithmetic over the official calendar plus local overrides.

    Overrides win over the library in every year: they exist for years the library does not
    know yet and for local closures ordered after a release.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(_plain_date(d) for d in extra_holidays)
        self._extra_workdays = frozenset(_plain_date(d) for d in extra_workdays)
        both = self._extra_holidays & self._extra_workdays
        if both:
            raise ValueError(f"dates both holiday and workday: {sorted(both)}")
        # Plain dicts instead of lru_cache on methods: no reference to self held by a global
        # cache, and the key space (days in use) is small.
        self._day_cache: dict[date, bool] = {}
        self._year_cache: dict[int, bool] = {}

    def covers(self, year: int) -> bool:
        """Whether the official holiday schedule for `year` is known to the library."""
        known = self._year_cache.get(year)
        if known is None:
            known = self._year_cache[year] = _library_covers(year)
        return known

    def is_working_day(self, d: date) -> bool:
        cached = self._day_cache.get(d)
        if cached is None:
            cached = self._day_cache[d] = self._compute(_plain_date(d))
        return cached

    def _compute(self, d: date) -> bool:
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        if self.covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start`.

        n == 0 gives `start` itself if it is a working day, else the next working day.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        d = _plain_date(start)
        if n == 0:
            while not self.is_working_day(d):
                d += _ONE_DAY
            return d
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with start < d <= end (0 if end <= start)."""
        d, end = _plain_date(start), _plain_date(end)
        count = 0
        while d < end:
            d += _ONE_DAY
            if self.is_working_day(d):
                count += 1
        return count


def _plain_date(d: date) -> date:
    # datetime is a subclass of date; letting one through would silently use its own
    # (often UTC) calendar day instead of the Shanghai one.
    if isinstance(d, datetime):
        raise TypeError("expected a date, got a datetime; convert with local_date()")
    return d


DEFAULT_CALENDAR = WorkingCalendar()


def local_date(ts: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("naive datetime: timestamps must be timezone-aware")
    return ts.astimezone(SHANGHAI).date()


def deadline_end(d: date) -> datetime:
    """The last instant (23:59:59.999999 Asia/Shanghai) of date `d`, as an aware UTC datetime."""
    return datetime.combine(_plain_date(d), time.max, tzinfo=SHANGHAI).astimezone(UTC)


def due_at(
    start: datetime, working_days: int, calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> datetime:
    """End of the `working_days`-th working day after the Shanghai date of `start`.

    The start day itself is not counted (期间开始的当日不计入), so a 1-day limit on an item
    accepted on Monday runs to the end of Tuesday.
    """
    return deadline_end(calendar.add_working_days(local_date(start), working_days))
