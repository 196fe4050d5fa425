"""The 补正 pause across Spring Festival 2026 (off 02-15..02-23; 02-14 and 02-28 worked)."""

from datetime import date

from doorstep.domain.calendar import WorkingCalendar
from doorstep.domain.clock import move_clock, working_days_left
from doorstep.domain.workflow import TaskStatus as S

CAL = WorkingCalendar()


def test_pause_keeps_the_days_left_and_resume_grants_them_after_the_holiday() -> None:
    # due Friday 2026-02-13; paused on Monday 02-09 with 4 working days left (10, 11, 12, 13)
    paused = move_clock(
        CAL, S.ACCEPTED, S.NEEDS_MATERIALS, date(2026, 2, 13), None, date(2026, 2, 9)
    )
    assert paused.paused and paused.days_left_at_pause == 4
    assert paused.due_on == date(2026, 2, 13)
    # materials arrive on 调休 Saturday 02-14; the next working days are 02-24..02-27
    resumed = move_clock(
        CAL,
        S.NEEDS_MATERIALS,
        S.ACCEPTED,
        paused.due_on,
        paused.days_left_at_pause,
        date(2026, 2, 14),
    )
    assert not resumed.paused and resumed.days_left_at_pause is None
    assert resumed.due_on == date(2026, 2, 27)


def test_overdue_when_paused_resumes_due_the_same_day() -> None:
    paused = move_clock(
        CAL, S.SUBMITTED, S.NEEDS_MATERIALS, date(2026, 3, 2), None, date(2026, 3, 5)
    )
    assert paused.days_left_at_pause == 0
    resumed = move_clock(CAL, S.NEEDS_MATERIALS, S.ACCEPTED, paused.due_on, 0, date(2026, 3, 9))
    assert resumed.due_on == date(2026, 3, 9)


def test_other_transitions_leave_the_clock_alone() -> None:
    clock = move_clock(CAL, S.SUBMITTED, S.ACCEPTED, date(2026, 3, 2), None, date(2026, 2, 26))
    assert clock.due_on == date(2026, 3, 2) and not clock.paused


def test_reminder_comes_when_three_quarters_are_used() -> None:
    from doorstep.domain.clock import reminder_date

    # 20 working days due Thursday 2026-03-19 (counted from 02-13 across Spring Festival):
    # 75% used = 15 days, 5 left after the reminder day: 03-13 (Fri) leaves 16, 17, 18, 19 + ...
    due = date(2026, 3, 19)
    day = reminder_date(CAL, due, 20)
    assert CAL.working_days_between(day, due) == 5
    assert CAL.is_working_day(day)
    assert day == date(2026, 3, 12)
    # a 1-day task: the reminder is on its deadline day itself (nothing left after it)
    assert reminder_date(CAL, date(2026, 3, 2), 1) == date(2026, 3, 2)
    # across the holiday: 4 working days due 2026-02-27 -> 1 left -> the reminder on 02-26
    assert reminder_date(CAL, date(2026, 2, 27), 4) == date(2026, 2, 26)


def test_the_clock_a_clerk_reads_counts_working_days_across_the_holiday() -> None:
    due = date(2026, 2, 27)
    # from Friday 02-13: 02-14 (调休 Saturday) and 02-24..02-27 are the working days left
    assert working_days_left(CAL, S.ACCEPTED, due, None, date(2026, 2, 13)) == 5
    assert working_days_left(CAL, S.SUBMITTED, due, None, due) == 0
    # overdue: the working days since the deadline, negative (02-28 is a 调休 Saturday)
    assert working_days_left(CAL, S.ACCEPTED, due, None, date(2026, 3, 2)) == -2
    # paused for materials: the kept days, whatever the date
    assert working_days_left(CAL, S.NEEDS_MATERIALS, due, 3, date(2026, 3, 20)) == 3
    assert working_days_left(CAL, S.DONE, due, None, date(2026, 2, 13)) is None


def test_a_refusal_overturned_on_review_gets_the_whole_time_limit_from_that_day() -> None:
    # reopened Thursday 2026-02-12 with 5 working days: 13, 调休 Saturday 14, then 24..26
    reopened = move_clock(
        CAL, S.REJECTED, S.ACCEPTED, date(2026, 1, 5), None, date(2026, 2, 12), working_days=5
    )
    assert reopened.due_on == date(2026, 2, 26) and not reopened.paused
