"""Chinese working-day calendar and Asia/Shanghai date helpers.

Legal time limits (承诺时限) count working days: weekends are rest days, statutory holidays are
rest days, and adjusted weekends (调休) are working days. The official schedule comes from the
`chinesecalendar` package for the years it ships. A later year's schedule, once the State
Council notice is out, comes from a schedule file (`DOORSTEP_HOLIDAYS_FILE`, read by
`services/holidays.py`, or the versions an admin entered: this module does no I/O) without
waiting for a library release. A year known to none of them falls back to the statutory
holidays (`statutory_holidays.py`) with Monday to Friday around them and no 调休, and
`unknown_years` lets the service warn until the year's schedule is entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from doorstep.domain.statutory_holidays import AMENDED_FROM, LAST_YEAR, statutory_holidays

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
        scheduled_years: Iterable[int] = (),
    ) -> None:
        # years whose whole official schedule is in the overrides (from a schedule file)
        self._scheduled_years = frozenset(scheduled_years)
        self._extra_holidays = frozenset(_plain_date(d) for d in extra_holidays)
        self._extra_workdays = frozenset(_plain_date(d) for d in extra_workdays)
        both = self._extra_holidays & self._extra_workdays
        if both:
            raise ValueError(f"dates both holiday and workday: {sorted(both)}")
        # Plain dicts instead of lru_cache on methods: no reference to self held by a global
        # cache, and the key space (days in use) is small.
        self._day_cache: dict[date, bool] = {}
        self._year_cache: dict[int, bool] = {}
        self._statutory_cache: dict[int, frozenset[date]] = {}

    def covers(self, year: int) -> bool:
        """Whether the official holiday schedule for `year` is known to the library."""
        known = self._year_cache.get(year)
        if known is None:
            known = self._year_cache[year] = year in self._scheduled_years or _library_covers(year)
        return known

    def unknown_years(self, start: date, days: int) -> list[int]:
        """Years between `start` and `days` calendar days later whose schedule is not known:
        deadlines there count the statutory holidays only, without bridge days or 调休."""
        last = _plain_date(start) + timedelta(days=days)
        return [y for y in range(start.year, last.year + 1) if not self.covers(y)]

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
        if d.year in self._scheduled_years:
            # a scheduled year lists its holidays and adjusted workdays; the rest is Mon–Fri
            return d.weekday() < 5
        if self.covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5 and d not in self.fallback_holidays(d.year)

    def fallback_holidays(self, year: int) -> frozenset[date]:
        """The statutory rest days a year without its official schedule is counted with."""
        days = self._statutory_cache.get(year)
        if days is None:
            inside = AMENDED_FROM <= year <= LAST_YEAR
            days = self._statutory_cache[year] = statutory_holidays(year) if inside else frozenset()
        return days

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


class ScheduleError(ValueError):
    """A holiday schedule file that cannot be trusted; the process refuses to start with it."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule: rest days on weekdays and working weekends (调休)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str


def parse_schedule(data: object) -> list[YearSchedule]:
    """Read `{"years": [{"year": 2027, "source": "...", "holidays": ["2027-01-01", ...],
    "workdays": ["2027-02-20", ...]}]}`. Every date must fall in its year, a holiday must not be
    a workday, and a year appears once: a wrong file is refused whole, never half-applied."""
    if not isinstance(data, Mapping) or not isinstance(data.get("years"), list):
        raise ScheduleError('a schedule is an object with a "years" list')
    seen: set[int] = set()
    years: list[YearSchedule] = []
    for i, entry in enumerate(data["years"]):
        where = f"years[{i}]"
        if not isinstance(entry, Mapping):
            raise ScheduleError(f"{where}: not an object")
        year = entry.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2200:
            raise ScheduleError(f"{where}.year: a year between 2000 and 2200")
        if year in seen:
            raise ScheduleError(f"{where}: {year} appears twice")
        seen.add(year)
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ScheduleError(f"{where}.source: name the notice the dates come from")
        days = {
            key: _schedule_dates(entry.get(key, []), year, f"{where}.{key}")
            for key in ("holidays", "workdays")
        }
        if days["holidays"] & days["workdays"]:
            both = ", ".join(d.isoformat() for d in sorted(days["holidays"] & days["workdays"]))
            raise ScheduleError(f"{where}: both holiday and workday: {both}")
        if any(d.weekday() < 5 for d in days["workdays"]):
            raise ScheduleError(f"{where}.workdays: only weekend days can be adjusted workdays")
        years.append(
            YearSchedule(
                year, frozenset(days["holidays"]), frozenset(days["workdays"]), source.strip()
            )
        )
    return years


def _schedule_dates(raw: object, year: int, where: str) -> set[date]:
    if not isinstance(raw, list):
        raise ScheduleError(f"{where}: a list of YYYY-MM-DD dates")
    out: set[date] = set()
    for text in raw:
        try:
            d = date.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            d = None
        if d is None or d.year != year:
            raise ScheduleError(f"{where}: {text!r} is not a date in {year}")
        out.add(d)
    return out


def with_schedule(years: Iterable[YearSchedule]) -> WorkingCalendar:
    """The calendar of the library plus the given years' official schedules."""
    years = list(years)
    if not years:
        return DEFAULT_CALENDAR
    return WorkingCalendar(
        extra_holidays=[d for y in years for d in y.holidays],
        extra_workdays=[d for y in years for d in y.workdays],
        scheduled_years=[y.year for y in years],
    )


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


def minute_text(at: datetime) -> str:
    """An instant as a text message or a note gives it: "11-24 14:30" (Asia/Shanghai)."""
    return at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def today_local() -> date:
    """Today in Asia/Shanghai: the day deadlines, ages and versions in force are counted on."""
    return local_date(datetime.now(UTC))


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
