"""A task's clock in working days: it stops while the task waits for the citizen (补正)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from doorstep.domain.calendar import WorkingCalendar
from doorstep.domain.workflow import TaskStatus


@dataclass(frozen=True)
class Clock:
    due_on: date
    paused: bool
    days_left_at_pause: int | None


def move_clock(calendar: WorkingCalendar, before: TaskStatus, after: TaskStatus, due_on: date,
               days_left_at_pause: int | None, today: date) -> Clock:
    """Pausing keeps the working days still left; resuming grants them again from today."""
    if after is TaskStatus.NEEDS_MATERIALS and before is not after:
        return Clock(due_on=due_on, paused=True,
                     days_left_at_pause=calendar.working_days_between(today, due_on))
    if before is TaskStatus.NEEDS_MATERIALS and after is not before:
        return Clock(due_on=calendar.add_working_days(today, days_left_at_pause or 0),
                     paused=False, days_left_at_pause=None)
    return Clock(due_on=due_on, paused=after is TaskStatus.NEEDS_MATERIALS,
                 days_left_at_pause=days_left_at_pause)
