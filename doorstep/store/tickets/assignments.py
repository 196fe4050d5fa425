"""SQL for a ticket's assignments to units (dispatch, acknowledgement, return) and its
extensions.
"""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetch
from doorstep.store.tickets.rows import AssignmentRow, _AssignmentColumns, _columns
from doorstep.store.typed import fetch_int


async def insert_assignment(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    region_code: str,
    basis: str,
    by_staff_id: int | None,
    note: str | None,
    ack_due_at: datetime,
) -> int:
    return await fetch_int(
        conn,
        """insert into ticket_assignments (ticket_id, unit_id, region_code, basis, by_staff_id,
               note, ack_due_at) values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        ticket_id,
        unit_id,
        region_code,
        basis,
        by_staff_id,
        note,
        ack_due_at,
    )


async def _set_on_latest(conn: Connection, ticket_id: int, sets: str, *args: object) -> None:
    """`sets` ($2 on: `args`) on the ticket's latest assignment, the one its unit answers."""
    await conn.execute(
        f"""update ticket_assignments set {sets}
            where id = (select max(id) from ticket_assignments where ticket_id = $1)""",
        ticket_id,
        *args,
    )


async def acknowledge_assignment(
    conn: Connection, ticket_id: int, staff_id: int | None, at: datetime
) -> None:
    await _set_on_latest(
        conn, ticket_id, "acknowledged_at = $3, acknowledged_by = $2", staff_id, at
    )


async def return_assignment(
    conn: Connection, ticket_id: int, staff_id: int | None, reason: str, at: datetime
) -> None:
    await _set_on_latest(
        conn,
        ticket_id,
        "returned_at = $4, return_reason = $3, returned_by = $2",
        staff_id,
        reason,
        at,
    )


async def assignments(db: Queryable, ticket_id: int) -> list[AssignmentRow]:
    return await fetch(
        db,
        AssignmentRow,
        f"""select {_columns(_AssignmentColumns, "a")}, u.code as unit_code, u.name as unit_name
           from ticket_assignments a join units u on u.id = a.unit_id
           where a.ticket_id = $1 order by a.id""",
        ticket_id,
    )


async def insert_extension(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    staff_id: int | None,
    days: int,
    reason: str,
    due_before: date,
    due_after: date,
) -> None:
    await conn.execute(
        """insert into ticket_extensions (ticket_id, unit_id, staff_id, days, reason,
               due_before, due_after) values ($1, $2, $3, $4, $5, $6, $7)""",
        ticket_id,
        unit_id,
        staff_id,
        days,
        reason,
        due_before,
        due_after,
    )
