"""SQL for the citizen a ticket's news goes to (found or created by phone); the unit's staff and
the region's supervisors are store.staff_phones'."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetchrow
from doorstep.store.tickets.rows import CitizenContactRow
from doorstep.store.typed import fetch_int, fetch_optional


async def citizen_contact(db: Queryable, citizen_id: int) -> CitizenContactRow | None:
    return await fetchrow(
        db,
        CitizenContactRow,
        """select id, phone, language, name, elder_mode, channel_preference from citizens
           where id = $1""",
        citizen_id,
    )


async def citizen_region(db: Queryable, citizen_id: int) -> str | None:
    return await fetch_optional(
        db, str, "select region_code from citizens where id = $1", citizen_id
    )


async def citizen_by_phone(conn: Connection, phone: str) -> int | None:
    return await fetch_optional(conn, int, "select id from citizens where phone = $1", phone)


async def create_citizen(conn: Connection, phone: str) -> int:
    """A citizen known only by phone (a hotline caller); they can sign in with it later."""
    return await fetch_int(
        conn,
        """insert into citizens (phone, channel_preference) values ($1, 'sms')
           on conflict (phone) do update set phone = excluded.phone returning id""",
        phone,
    )
