"""Reading the holiday schedule file (`DOORSTEP_HOLIDAYS_FILE`): the file I/O that the pure
calendar in domain/calendar.py leaves to its callers."""

from __future__ import annotations

import json

from doorstep.domain.calendar import (
    DEFAULT_CALENDAR,
    ScheduleError,
    WorkingCalendar,
    parse_schedule,
    with_schedule,
)


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
