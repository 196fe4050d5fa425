"""Reading the holiday schedule file (`DOORSTEP_HOLIDAYS_FILE`): the file I/O that the pure
calendar in domain/calendar.py leaves to its callers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from doorstep.domain.calendar import (
    DEFAULT_CALENDAR,
    ScheduleError,
    WorkingCalendar,
    local_date,
    parse_schedule,
    with_schedule,
)

# How far ahead a missing holiday schedule is worth a warning: past the longest time limit plus
# an extension (about 60 working days).
SCHEDULE_HORIZON_DAYS = 120


def schedule_gaps(calendar: WorkingCalendar, now: datetime | None = None) -> list[int]:
    """Years a deadline counted now may reach whose official schedule is not entered: they
    count the statutory holidays only, so on-call is warned (log, /readyz, /metrics, check)."""
    return calendar.unknown_years(local_date(now or datetime.now(UTC)), SCHEDULE_HORIZON_DAYS)


def load_schedule(path: str | None) -> WorkingCalendar:
    """The calendar of the library plus the years of the schedule file at `path`, if any."""
    if not path:
        return DEFAULT_CALENDAR
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ScheduleError(f"{path}: {exc}") from exc
    return with_schedule(parse_schedule(data))
