"""What rectifications of tasks and reviews of refusals share: both are a unit's work on an
application's task, open until done, due on a working day. One query shape each for a unit's
queue and for an application's list, over the select of either (its table aliased, joined to
the task as `t`).

UnitQueue is the queue of any kind of work units do, by status: appeals, welfare checks,
ticket rectifications, fact corrections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic

from doorstep.store.db import Queryable
from doorstep.store.rows import R, Row, fetch


@dataclass(frozen=True)
class UnitQueue(Generic[R]):
    """The rows of `select` (its work table aliased `alias`) at some units in some statuses,
    first by `ordering`: called as (db, unit_ids, statuses, limit)."""

    cls: type[R]
    select: str
    alias: str
    ordering: str

    async def __call__(
        self, db: Queryable, unit_ids: list[int], statuses: list[str], limit: int
    ) -> list[R]:
        work = self.alias
        return await fetch(
            db,
            self.cls,
            f"""{self.select}
                where {work}.unit_id = any($1::bigint[]) and {work}.status = any($2::text[])
                order by {self.ordering} limit $3""",
            unit_ids,
            statuses,
            limit,
        )


class TaskWorkRow(Row):
    """The task, unit and application a rectification or a review is about."""

    id: int
    task_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    unit_region_code: str
    application_id: int
    application_number: str
    citizen_id: int
    item_name: str


async def of_units(
    db: Queryable,
    cls: type[R],
    select: str,
    alias: str,
    unit_ids: list[int],
    open_only: bool,
    limit: int,
) -> list[R]:
    """The units' work, the open first, then by due day."""
    return await fetch(
        db,
        cls,
        f"""{select}
            where {alias}.unit_id = any($1::bigint[]) and (not $2 or {alias}.status = 'open')
            order by {alias}.status = 'open' desc, {alias}.due_on, {alias}.id limit $3""",
        unit_ids,
        open_only,
        limit,
    )


async def of_application(
    db: Queryable, cls: type[R], select: str, alias: str, application_id: int
) -> list[R]:
    """An application's work on any of its tasks, oldest first."""
    return await fetch(
        db, cls, f"{select} where t.application_id = $1 order by {alias}.id", application_id
    )
