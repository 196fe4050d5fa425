"""SQL for writing a ticket: its serial number, the row itself, changes to it, and the
ticket locked for a change.
"""

from __future__ import annotations

from doorstep.store.db import Connection
from doorstep.store.rows import fetchrow
from doorstep.store.tickets.rows import ColumnValue, LockedTicketRow, _columns, _TicketColumns
from doorstep.store.typed import fetch_int, next_in_sequence


async def next_serial(conn: Connection) -> int:
    return await next_in_sequence(conn, "ticket_serial")


async def insert_ticket(conn: Connection, **fields: ColumnValue) -> int:
    columns = list(fields)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return await fetch_int(
        conn,
        f"insert into tickets ({', '.join(columns)}) values ({placeholders}) returning id",
        *fields.values(),
    )


async def update_ticket(conn: Connection, ticket_id: int, **fields: ColumnValue) -> None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(
        f"update tickets set {sets}, updated_at = now() where id = $1", ticket_id, *fields.values()
    )


async def lock(conn: Connection, number: str) -> LockedTicketRow | None:
    """The ticket row, locked for the rest of the transaction, with its lead unit's region."""
    return await fetchrow(
        conn,
        LockedTicketRow,
        f"""select {_columns(_TicketColumns, "t")}, u.region_code as lead_unit_region_code,
                  u.name as lead_unit_name, u.phone as lead_unit_phone,
                  c.name as category_name
           from tickets t join units u on u.id = t.lead_unit_id
           join ticket_categories c on c.code = t.category_code
           where t.number = $1 for update of t""",
        number,
    )
