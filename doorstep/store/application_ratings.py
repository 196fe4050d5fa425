"""SQL for 好差评 of applications: the application's rating, each task unit's, and the
rectifications (整改) a poor one opens."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store import unit_work
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow
from doorstep.store.typed import fetch_int, gives_row


class ApplicationRatingRow(Row):
    application_id: int
    rating: int
    comment: str | None
    channel: str
    rated_at: datetime


class TaskRatingRow(Row):
    task_id: int
    rating: int


class TaskRectificationRow(unit_work.TaskWorkRow):
    rating: int
    comment: str | None
    status: str
    due_on: date
    note: str | None
    call_back: str | None
    done_at: datetime | None


class UnitSatisfactionRow(Row):
    unit_code: str
    unit_name: str
    rated: int
    satisfied: int
    dissatisfied: int
    rectifications_open: int


async def rating_of(db: Queryable, application_id: int) -> ApplicationRatingRow | None:
    return await fetchrow(
        db,
        ApplicationRatingRow,
        """select application_id, rating, comment, channel, rated_at
           from application_ratings where application_id = $1""",
        application_id,
    )


async def ratings_of(db: Queryable, application_ids: list[int]) -> list[ApplicationRatingRow]:
    return await fetch(
        db,
        ApplicationRatingRow,
        """select application_id, rating, comment, channel, rated_at
           from application_ratings where application_id = any($1::bigint[])""",
        application_ids,
    )


async def task_ratings_of(db: Queryable, task_ids: list[int]) -> list[TaskRatingRow]:
    return await fetch(
        db,
        TaskRatingRow,
        "select task_id, rating from task_ratings where task_id = any($1::bigint[])",
        task_ids,
    )


async def insert_rating(
    conn: Connection,
    *,
    application_id: int,
    rating: int,
    comment: str | None,
    channel: str,
    recorded_by: int | None,
    tasks: list[tuple[int, int, int]],
) -> bool:
    """The application's rating and each (task, unit, rating); False when it was rated already
    (the first rating stands, whoever raced it)."""
    inserted = await gives_row(
        conn,
        """insert into application_ratings (application_id, rating, comment, channel, recorded_by)
           values ($1, $2, $3, $4, $5) on conflict do nothing returning true""",
        application_id,
        rating,
        comment,
        channel,
        recorded_by,
    )
    if not inserted:
        return False
    await conn.executemany(
        "insert into task_ratings (task_id, unit_id, rating) values ($1, $2, $3)", tasks
    )
    return True


async def insert_rectification(
    conn: Connection,
    *,
    task_id: int,
    unit_id: int,
    rating: int,
    comment: str | None,
    due_on: date,
) -> int:
    return await fetch_int(
        conn,
        """insert into task_rectifications (task_id, unit_id, rating, comment, due_on)
           values ($1, $2, $3, $4, $5) returning id""",
        task_id,
        unit_id,
        rating,
        comment,
        due_on,
    )


_RECTIFICATION = """select r.id, r.task_id, r.unit_id, u.code as unit_code, u.name as unit_name,
           u.region_code as unit_region_code, t.application_id, a.number as application_number,
           a.citizen_id, i.name as item_name, r.rating, r.comment, r.status, r.due_on, r.note,
           r.call_back, r.done_at
    from task_rectifications r
    join tasks t on t.id = r.task_id
    join applications a on a.id = t.application_id
    join service_items i on i.id = t.item_id
    join units u on u.id = r.unit_id"""


async def lock_rectification(
    conn: Connection, rectification_id: int
) -> TaskRectificationRow | None:
    return await fetchrow(
        conn,
        TaskRectificationRow,
        f"{_RECTIFICATION} where r.id = $1 for update of r",
        rectification_id,
    )


async def finish_rectification(
    conn: Connection, rectification_id: int, note: str, call_back: str, staff_id: int | None
) -> None:
    await conn.execute(
        """update task_rectifications set status = 'done', note = $2, call_back = $3,
                  done_at = now(), done_by = $4
           where id = $1""",
        rectification_id,
        note,
        call_back,
        staff_id,
    )


async def rectifications_of_units(
    db: Queryable, unit_ids: list[int], open_only: bool, limit: int
) -> list[TaskRectificationRow]:
    return await unit_work.of_units(
        db, TaskRectificationRow, _RECTIFICATION, "r", unit_ids, open_only, limit
    )


async def rectifications_of_application(
    db: Queryable, application_id: int
) -> list[TaskRectificationRow]:
    return await unit_work.of_application(
        db, TaskRectificationRow, _RECTIFICATION, "r", application_id
    )


async def satisfaction_by_unit(
    db: Queryable, unit_ids: list[int], since: datetime, until: datetime
) -> list[UnitSatisfactionRow]:
    """Per unit: task ratings given in [since, until) and the rectifications open now."""
    return await fetch(
        db,
        UnitSatisfactionRow,
        """select u.code as unit_code, u.name as unit_name,
                  count(tr.task_id)::int as rated,
                  count(tr.task_id) filter (where tr.rating >= 3)::int as satisfied,
                  count(tr.task_id) filter (where tr.rating <= 2)::int as dissatisfied,
                  (select count(*) from task_rectifications r
                    where r.unit_id = u.id and r.status = 'open')::int as rectifications_open
           from units u
           left join task_ratings tr
             on tr.unit_id = u.id and tr.rated_at >= $2 and tr.rated_at < $3
           where u.id = any($1::bigint[])
           group by u.id, u.code, u.name
           order by u.code""",
        unit_ids,
        since,
        until,
    )


class RatingAskedRow(Row):
    id: int
    number: str
    asked_at: datetime


async def mark_rating_asked(conn: Connection, application_id: int) -> None:
    await conn.execute(
        "update applications set rating_asked_at = now() where id = $1", application_id
    )


async def ratings_asked(db: Queryable, citizen_id: int, days: int) -> list[RatingAskedRow]:
    """The citizen's applications whose rating question, asked within `days`, is unanswered:
    newest first."""
    return await fetch(
        db,
        RatingAskedRow,
        """select a.id, a.number, a.rating_asked_at as asked_at from applications a
           where a.citizen_id = $1 and a.rating_asked_at is not null
             and a.rating_asked_at > now() - make_interval(days => $2)
             and not exists (select 1 from application_ratings r where r.application_id = a.id)
           order by a.rating_asked_at desc, a.id desc""",
        citizen_id,
        days,
    )
