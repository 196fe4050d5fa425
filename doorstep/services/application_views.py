"""What a citizen, an agent or a clerk reads of an application and its tasks, built from the
store's listed rows (the precompiled list reads the same rows straight)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain.workflow import (
    ApplicationStatus,
    TaskStatus,
    citizen_next_step,
    progress,
)
from doorstep.store import applications as store
from doorstep.store import submissions

# the row types of the precompiled list, which reads the rows straight
from doorstep.store.applications import ListedApplicationRow as ListedApplicationRow
from doorstep.store.applications import ListedTaskRow as ListedTaskRow
from doorstep.store.db import Connection


# slots: a list read makes 120 of these per request, and a frozen dataclass without slots
# took twice as long to build
@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    application_id: int
    item_code: str
    item_name: str
    unit_id: int
    unit_region_code: str
    unit_code: str
    unit_name: str
    unit_phone: str | None
    status: TaskStatus
    working_days: int
    due_on: date
    paused: bool
    reason: str | None
    updated_at: datetime
    # the working days the clock keeps while it waits for the citizen (补正)
    days_left_at_pause: int | None = None
    # 优先办: why it is served first (domain.priority.Reason), and the unit's internal target
    priority_reason: str | None = None
    target_on: date | None = None


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: int
    number: str
    citizen_id: int
    bundle_code: str
    bundle_name: str
    status: ApplicationStatus
    tasks: tuple[TaskView, ...]
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    next_step: str | None

    @property
    def progress(self) -> tuple[int, int]:
        return progress([t.status for t in self.tasks])


@dataclass(frozen=True)
class QueueEntry:
    task: TaskView
    application_number: str


# by value, a dict look-up: Enum(value) is a call through EnumType.__call__, 120 per list
TASK_STATUSES = {s.value: s for s in TaskStatus}
APPLICATION_STATUSES = {s.value: s for s in ApplicationStatus}


def _task_view(row: store.ListedTaskRow) -> TaskView:
    return TaskView(
        id=row.id,
        application_id=row.application_id,
        item_code=row.item_code,
        item_name=row.item_name,
        unit_id=row.unit_id,
        unit_region_code=row.unit_region_code,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        unit_phone=row.unit_phone,
        status=TASK_STATUSES[row.status],
        working_days=row.working_days,
        due_on=row.due_on,
        paused=row.paused_at is not None,
        reason=row.reason,
        updated_at=row.updated_at,
        days_left_at_pause=row.days_left_at_pause,
        priority_reason=row.priority_reason,
        target_on=row.target_on or row.due_on,
    )


def _application_view(row: store.ListedApplicationRow, tasks: list[TaskView]) -> ApplicationView:
    status = APPLICATION_STATUSES[row.status]
    return ApplicationView(
        id=row.id,
        number=row.number,
        citizen_id=row.citizen_id,
        bundle_code=row.bundle_code,
        bundle_name=row.bundle_name,
        status=status,
        tasks=tuple(tasks),
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        next_step=citizen_next_step(status, [t.status for t in tasks]),
    )


def submitted_view(rows: list[submissions.SubmittedTaskRow]) -> ApplicationView:
    """A new application as `store.applications.insert_submission` gives it back: a row per
    task, each with the application's columns (one row of null task columns if it has none)."""
    first = rows[0]
    tasks = [_task_view(r) for r in rows if r.id is not None]
    status = APPLICATION_STATUSES[first.application_status]
    return ApplicationView(
        id=first.application_id,
        number=first.application_number,
        citizen_id=first.application_citizen_id,
        bundle_code=first.bundle_code,
        bundle_name=first.bundle_name,
        status=status,
        tasks=tuple(tasks),
        created_at=first.application_created_at,
        updated_at=first.application_updated_at,
        completed_at=first.application_completed_at,
        next_step=citizen_next_step(status, [t.status for t in tasks]),
    )


async def load_one(conn: Connection, number: str) -> ApplicationView | None:
    """One application by its number, as everyone reads it (no authorization)."""
    row = await store.by_number(conn, number)
    if row is None:
        return None
    tasks = [_task_view(t) for t in await store.tasks_of(conn, [row.id])]
    return _application_view(row, tasks)


async def reload(conn: Connection, number: str) -> ApplicationView:
    """An application the caller's transaction holds (it wrote or locked it), as read now."""
    view = await load_one(conn, number)
    assert view is not None
    return view
