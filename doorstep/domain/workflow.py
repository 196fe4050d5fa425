"""State machines for tasks (one per service item) and the application status derived from them.

A task moves only through `next_task_status`; an application has no status of its own to set,
it is always computed from its tasks, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from doorstep.domain.transitions import IllegalStep, allowed, step


class TaskStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NEEDS_MATERIALS = "needs_materials"  # 补正: waiting for the citizen, SLA clock paused
    DONE = "done"
    REJECTED = "rejected"


class TaskAction(StrEnum):
    ACCEPT = "accept"
    REQUEST_MATERIALS = "request_materials"
    SUPPLY_MATERIALS = "supply_materials"
    COMPLETE = "complete"
    REJECT = "reject"
    # a review (复核) found the refusal does not stand: the unit handles the task again
    REOPEN = "reopen"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # no task started yet
    IN_PROGRESS = "in_progress"
    NEEDS_MATERIALS = "needs_materials"  # at least one task waits for the citizen
    COMPLETED = "completed"  # every task done
    PARTIALLY_COMPLETED = "partially_completed"  # every task final, some done, some rejected
    REJECTED = "rejected"  # every task rejected


FINAL_TASK_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.REJECTED})
FINAL_APPLICATION_STATUSES = frozenset(
    {
        ApplicationStatus.COMPLETED,
        ApplicationStatus.PARTIALLY_COMPLETED,
        ApplicationStatus.REJECTED,
    }
)

_S = TaskStatus
_A = TaskAction
TASK_TRANSITIONS: dict[tuple[TaskStatus, TaskAction], TaskStatus] = {
    (_S.SUBMITTED, _A.ACCEPT): _S.ACCEPTED,
    (_S.SUBMITTED, _A.REQUEST_MATERIALS): _S.NEEDS_MATERIALS,
    (_S.ACCEPTED, _A.REQUEST_MATERIALS): _S.NEEDS_MATERIALS,
    (_S.NEEDS_MATERIALS, _A.SUPPLY_MATERIALS): _S.ACCEPTED,
    (_S.ACCEPTED, _A.COMPLETE): _S.DONE,
    (_S.SUBMITTED, _A.REJECT): _S.REJECTED,
    (_S.ACCEPTED, _A.REJECT): _S.REJECTED,
    (_S.NEEDS_MATERIALS, _A.REJECT): _S.REJECTED,
    (_S.REJECTED, _A.REOPEN): _S.ACCEPTED,
}
# taken only through a decided review, never from a clerk's queue
REVIEW_ACTIONS = frozenset({_A.REOPEN})


class IllegalTransition(IllegalStep[TaskStatus, TaskAction]):
    """An action that the task's current status does not allow."""

    code = "task.illegal_transition"
    noun = "task"


def next_task_status(current: TaskStatus, action: TaskAction) -> TaskStatus:
    return step(TASK_TRANSITIONS, current, action, IllegalTransition)


def allowed_task_actions(current: TaskStatus) -> frozenset[TaskAction]:
    """Actions a clerk (or the citizen, for supply_materials) may take now; drives the UI."""
    return allowed(TASK_TRANSITIONS, current, never=REVIEW_ACTIONS)


def application_status(task_statuses: Sequence[TaskStatus]) -> ApplicationStatus:
    """Status of an application from its tasks' statuses (order does not matter).

    Waiting for the citizen wins over everything else: it is the one thing they must act on.
    """
    if not task_statuses:
        raise ValueError("an application has at least one task")
    statuses = set(task_statuses)
    if TaskStatus.NEEDS_MATERIALS in statuses:
        return ApplicationStatus.NEEDS_MATERIALS
    if statuses <= FINAL_TASK_STATUSES:
        if TaskStatus.REJECTED not in statuses:
            return ApplicationStatus.COMPLETED
        if TaskStatus.DONE not in statuses:
            return ApplicationStatus.REJECTED
        return ApplicationStatus.PARTIALLY_COMPLETED
    if statuses == {TaskStatus.SUBMITTED}:
        return ApplicationStatus.SUBMITTED
    return ApplicationStatus.IN_PROGRESS


def progress(task_statuses: Sequence[TaskStatus]) -> tuple[int, int]:
    """(tasks in a final status, all tasks), e.g. for "2 of 3 done"."""
    final = sum(1 for s in task_statuses if s in FINAL_TASK_STATUSES)
    return final, len(task_statuses)


def citizen_next_step(
    app_status: ApplicationStatus, task_statuses: Sequence[TaskStatus]
) -> str | None:
    """i18n key of what the citizen should do next, or None once the application is final."""
    if app_status in FINAL_APPLICATION_STATUSES:
        return None
    if app_status == ApplicationStatus.NEEDS_MATERIALS or (
        TaskStatus.NEEDS_MATERIALS in task_statuses
    ):
        return "next.supply_materials"
    return "next.wait"
