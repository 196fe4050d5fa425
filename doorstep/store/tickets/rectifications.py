"""SQL for rectifications: the work a unit owes after a poor rating, locked, finished and
listed.
"""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection
from doorstep.store.rows import fetchrow
from doorstep.store.tickets.rows import (
    LockedRectificationRow,
    RectificationRow,
    _columns,
    _RectificationColumns,
)
from doorstep.store.typed import fetch_int
from doorstep.store.unit_work import UnitQueue


async def insert_rectification(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    rating: int,
    comment: str | None,
    due_on: date,
    due_at: datetime,
    remind_at: datetime,
) -> int:
    return await fetch_int(
        conn,
        """insert into rectifications (ticket_id, unit_id, rating, comment, due_on, due_at,
               remind_at) values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        ticket_id,
        unit_id,
        rating,
        comment,
        due_on,
        due_at,
        remind_at,
    )


async def lock_rectification(conn: Connection, rect_id: int) -> LockedRectificationRow | None:
    return await fetchrow(
        conn,
        LockedRectificationRow,
        f"""select {_columns(_RectificationColumns, "x")}, u.region_code as unit_region_code,
                  t.number, t.citizen_id
           from rectifications x join units u on u.id = x.unit_id
           join tickets t on t.id = x.ticket_id
           where x.id = $1 for update of x""",
        rect_id,
    )


async def finish_rectification(
    conn: Connection, rect_id: int, note: str, staff_id: int | None
) -> None:
    await conn.execute(
        """update rectifications set status = 'done', note = $2, done_at = now(), done_by = $3,
               updated_at = now() where id = $1""",
        rect_id,
        note,
        staff_id,
    )


rectifications = UnitQueue(
    RectificationRow,
    f"""select {_columns(_RectificationColumns, "x")}, t.number, u.code as unit_code,
              u.name as unit_name,
              c.name as category_name, t.category_code
       from rectifications x join tickets t on t.id = x.ticket_id
       join units u on u.id = x.unit_id
       join ticket_categories c on c.code = t.category_code""",
    "x",
    "x.due_on, x.id",
)
