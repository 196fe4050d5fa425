"""A task's clock in working days: it stops while the task waits for the citizen (补正)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from doorstep.domain.calendar import WorkingCalendar
from doorstep.domain.workflow import TaskStatus


@dataclass(frozen=True)
class Clock:
    due_on: date
    paused: bool
    days_left_at_pause: int | None


def move_clock(
    calendar: WorkingCalendar,
    before: TaskStatus,
    after: TaskStatus,
    due_on: date,
    days_left_at_pause: int | None,
    today: date,
    *,
    working_days: int = 0,
) -> Clock:
    """Pausing keeps the working days still left; resuming grants them again from today; a
    refused task reopened by a review gets its whole time limit (`working_days`) from today."""
    if before is TaskStatus.REJECTED and after is not before:
        return Clock(
            due_on=calendar.add_working_days(today, working_days),
            paused=False,
            days_left_at_pause=None,
        )
    if after is TaskStatus.NEEDS_MATERIALS and before is not after:
        return Clock(
            due_on=due_on,
            paused=True,
            days_left_at_pause=calendar.working_days_between(today, due_on),
        )
    if before is TaskStatus.NEEDS_MATERIALS and after is not before:
        return Clock(
            due_on=calendar.add_working_days(today, days_left_at_pause or 0),
            paused=False,
            days_left_at_pause=None,
        )
    return Clock(
        due_on=due_on,
        paused=after is TaskStatus.NEEDS_MATERIALS,
        days_left_at_pause=days_left_at_pause,
    )


REMINDER_SHARE = 0.75


def reminder_date(calendar: WorkingCalendar, due_on: date, total_days: int) -> date:
    """The working day on which 75% of the task's working days are used.

    Counting back from the deadline: the reminder comes when the working days still left
    (strictly after that day, up to the deadline) are the last quarter.
    """
    days_left = total_days - math.ceil(total_days * REMINDER_SHARE)
    day = due_on
    while calendar.working_days_between(day, due_on) < days_left or (
        not calendar.is_working_day(day)
    ):
        day -= timedelta(days=1)
    return day


def working_days_left(
    calendar: WorkingCalendar,
    status: TaskStatus,
    due_on: date,
    days_left_at_pause: int | None,
    today: date,
) -> int | None:
    """What a clerk reads on the clock: working days left up to the deadline (0 on its last
    day), negative once overdue, the days kept while it waits for the citizen (补正), and
    None for finished work."""
    if status in (TaskStatus.DONE, TaskStatus.REJECTED):
        return None
    if status is TaskStatus.NEEDS_MATERIALS:
        return days_left_at_pause or 0
    if today <= due_on:
        return calendar.working_days_between(today, due_on)
    return -calendar.working_days_between(due_on, today)
