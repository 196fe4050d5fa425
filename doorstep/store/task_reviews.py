"""SQL for 申请复核: reviews of refused tasks, and the refusal each one looks at again."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store import unit_work
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_one
from doorstep.store.typed import fetch_bool, fetch_optional


class RefusalRow(Row):
    """The task's latest refusal: who refused (a clerk; None for a system action) and when."""

    actor_id: int | None
    at: datetime


class ReviewRow(unit_work.TaskWorkRow):
    refusal_reason: str | None
    reason: str
    refused_by: int | None
    status: str
    due_on: date
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime


async def last_refusal(db: Queryable, task_id: int) -> RefusalRow | None:
    return await fetchrow(
        db,
        RefusalRow,
        """select actor_id, created_at as at from events
           where task_id = $1 and kind = 'task.reject' order by seq desc limit 1""",
        task_id,
    )


class TaskRefusalRow(Row):
    task_id: int
    actor_id: int | None
    at: datetime


async def last_refusals(db: Queryable, task_ids: list[int]) -> list[TaskRefusalRow]:
    """The latest refusal of each of these tasks that has one, in one read."""
    return await fetch(
        db,
        TaskRefusalRow,
        """select distinct on (task_id) task_id, actor_id, created_at as at from events
           where task_id = any($1::bigint[]) and kind = 'task.reject'
           order by task_id, seq desc""",
        task_ids,
    )


async def decided_since(db: Queryable, task_id: int, since: datetime) -> bool:
    """A review of this task was decided after `since` (one review per refusal)."""
    return await fetch_bool(
        db,
        """select exists (select 1 from task_reviews where task_id = $1
                          and status <> 'open' and created_at >= $2)""",
        task_id,
        since,
    )


async def insert(
    conn: Connection,
    *,
    task_id: int,
    unit_id: int,
    citizen_id: int,
    reason: str,
    refused_by: int | None,
    due_on: date,
) -> int | None:
    """The new review's id; None when one is already open for the task."""
    return await fetch_optional(
        conn,
        int,
        """insert into task_reviews (task_id, unit_id, citizen_id, reason, refused_by, due_on)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (task_id) where status = 'open' do nothing returning id""",
        task_id,
        unit_id,
        citizen_id,
        reason,
        refused_by,
        due_on,
    )


_REVIEW = """select v.id, v.task_id, v.unit_id, u.code as unit_code, u.name as unit_name,
           u.region_code as unit_region_code, t.application_id,
           a.number as application_number, v.citizen_id, i.name as item_name,
           t.reason as refusal_reason, v.reason, v.refused_by, v.status, v.due_on,
           v.decision_reason, v.decided_at, v.created_at
    from task_reviews v
    join tasks t on t.id = v.task_id
    join applications a on a.id = t.application_id
    join service_items i on i.id = t.item_id
    join units u on u.id = v.unit_id"""


async def get(db: Queryable, review_id: int) -> ReviewRow | None:
    return await fetchrow(db, ReviewRow, f"{_REVIEW} where v.id = $1", review_id)


async def lock(conn: Connection, review_id: int) -> ReviewRow | None:
    return await fetchrow(conn, ReviewRow, f"{_REVIEW} where v.id = $1 for update of v", review_id)


async def decide(
    conn: Connection, review_id: int, status: str, reason: str, staff_id: int | None
) -> ReviewRow:
    await conn.execute(
        """update task_reviews set status = $2, decision_reason = $3, decided_by = $4,
                  decided_at = now()
           where id = $1""",
        review_id,
        status,
        reason,
        staff_id,
    )
    return await fetchrow_one(conn, ReviewRow, f"{_REVIEW} where v.id = $1", review_id)


async def of_units(
    db: Queryable, unit_ids: list[int], open_only: bool, limit: int
) -> list[ReviewRow]:
    return await unit_work.of_units(db, ReviewRow, _REVIEW, "v", unit_ids, open_only, limit)


async def of_application(db: Queryable, application_id: int) -> list[ReviewRow]:
    return await unit_work.of_application(db, ReviewRow, _REVIEW, "v", application_id)
