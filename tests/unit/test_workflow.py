"""Task state machine (full status × action matrix) and derived application status."""

from __future__ import annotations

import itertools

import pytest

from doorstep.domain.workflow import (
    REVIEW_ACTIONS,
    ApplicationStatus,
    IllegalTransition,
    TaskAction,
    TaskStatus,
    allowed_task_actions,
    application_status,
    citizen_next_step,
    next_task_status,
    progress,
)

S = TaskStatus
A = TaskAction
AS = ApplicationStatus

# Written out by hand from the design, independently of the module's table.
EXPECTED: dict[tuple[TaskStatus, TaskAction], TaskStatus] = {
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REQUEST_MATERIALS): S.NEEDS_MATERIALS,
    (S.ACCEPTED, A.REQUEST_MATERIALS): S.NEEDS_MATERIALS,
    (S.NEEDS_MATERIALS, A.SUPPLY_MATERIALS): S.ACCEPTED,
    (S.ACCEPTED, A.COMPLETE): S.DONE,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.ACCEPTED, A.REJECT): S.REJECTED,
    (S.NEEDS_MATERIALS, A.REJECT): S.REJECTED,
    # only through a decided review (申请复核), never offered to a clerk
    (S.REJECTED, A.REOPEN): S.ACCEPTED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_transition_matrix(status: TaskStatus, action: TaskAction) -> None:
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(IllegalTransition) as info:
            next_task_status(status, action)
        assert info.value.current is status
        assert info.value.action is action
        assert info.value.code == "task.illegal_transition"
        assert action not in allowed_task_actions(status)
    else:
        assert next_task_status(status, action) is expected
        # a review's reopening is never offered in a clerk's queue
        assert (action in allowed_task_actions(status)) is (action not in REVIEW_ACTIONS)


def test_final_statuses_allow_no_clerk_action() -> None:
    assert allowed_task_actions(S.DONE) == frozenset()
    assert allowed_task_actions(S.REJECTED) == frozenset()


def test_values_are_stable_strings() -> None:
    # Stored in the database and sent to clients: renaming one is a migration.
    assert [s.value for s in S] == [
        "submitted",
        "accepted",
        "needs_materials",
        "done",
        "rejected",
    ]
    assert [a.value for a in A] == [
        "accept",
        "request_materials",
        "supply_materials",
        "complete",
        "reject",
        "reopen",
    ]
    assert S("needs_materials") is S.NEEDS_MATERIALS


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ([S.SUBMITTED], AS.SUBMITTED),
        ([S.SUBMITTED, S.SUBMITTED], AS.SUBMITTED),
        ([S.SUBMITTED, S.ACCEPTED], AS.IN_PROGRESS),
        ([S.ACCEPTED, S.ACCEPTED], AS.IN_PROGRESS),
        ([S.SUBMITTED, S.DONE], AS.IN_PROGRESS),
        ([S.DONE, S.ACCEPTED], AS.IN_PROGRESS),
        ([S.REJECTED, S.SUBMITTED], AS.IN_PROGRESS),
        ([S.NEEDS_MATERIALS], AS.NEEDS_MATERIALS),
        ([S.ACCEPTED, S.NEEDS_MATERIALS, S.DONE], AS.NEEDS_MATERIALS),
        ([S.REJECTED, S.NEEDS_MATERIALS], AS.NEEDS_MATERIALS),
        ([S.DONE], AS.COMPLETED),
        ([S.DONE, S.DONE, S.DONE], AS.COMPLETED),
        ([S.REJECTED], AS.REJECTED),
        ([S.REJECTED, S.REJECTED], AS.REJECTED),
        ([S.DONE, S.REJECTED], AS.PARTIALLY_COMPLETED),
        ([S.REJECTED, S.DONE, S.DONE], AS.PARTIALLY_COMPLETED),
    ],
)
def test_application_status(tasks: list[TaskStatus], expected: ApplicationStatus) -> None:
    assert application_status(tasks) is expected
    assert application_status(list(reversed(tasks))) is expected


def test_application_without_tasks_is_refused() -> None:
    with pytest.raises(ValueError):
        application_status([])


def test_progress() -> None:
    assert progress([S.SUBMITTED, S.ACCEPTED, S.NEEDS_MATERIALS]) == (0, 3)
    assert progress([S.DONE, S.ACCEPTED, S.REJECTED]) == (2, 3)
    assert progress([S.DONE]) == (1, 1)
    assert progress([]) == (0, 0)


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ([S.SUBMITTED], "next.wait"),
        ([S.ACCEPTED, S.DONE], "next.wait"),
        ([S.ACCEPTED, S.NEEDS_MATERIALS], "next.supply_materials"),
        ([S.DONE, S.DONE], None),
        ([S.DONE, S.REJECTED], None),
        ([S.REJECTED], None),
    ],
)
def test_citizen_next_step(tasks: list[TaskStatus], expected: str | None) -> None:
    assert citizen_next_step(application_status(tasks), tasks) == expected


def test_next_step_trusts_tasks_when_status_is_stale() -> None:
    # A cached application status may lag its tasks; a waiting task still asks the citizen.
    assert citizen_next_step(AS.IN_PROGRESS, [S.NEEDS_MATERIALS]) == "next.supply_materials"
