"""SQL for the people a ticket's news goes to: the citizen (found or created by phone), the
unit's staff and the region's supervisors.
"""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow
from doorstep.store.tickets.rows import CitizenContactRow


class _Phone(Row):
    phone: str


async def citizen_contact(db: Queryable, citizen_id: int) -> CitizenContactRow | None:
    return await fetchrow(
        db,
        CitizenContactRow,
        """select id, phone, language, name, elder_mode, channel_preference from citizens
           where id = $1""",
        citizen_id,
    )


async def citizen_region(db: Queryable, citizen_id: int) -> str | None:
    value: str | None = await db.fetchval(
        "select region_code from citizens where id = $1", citizen_id
    )
    return value


async def citizen_by_phone(conn: Connection, phone: str) -> int | None:
    value: int | None = await conn.fetchval("select id from citizens where phone = $1", phone)
    return value


async def create_citizen(conn: Connection, phone: str) -> int:
    """A citizen known only by phone (a hotline caller); they can sign in with it later."""
    value: int = await conn.fetchval(
        """insert into citizens (phone, channel_preference) values ($1, 'sms')
           on conflict (phone) do update set phone = excluded.phone returning id""",
        phone,
    )
    return value


async def unit_staff_phones(db: Queryable, unit_id: int) -> list[str]:
    rows = await fetch(
        db,
        _Phone,
        "select phone from staff_members where unit_id = $1 and active "
        "and role = 'staff' order by id",
        unit_id,
    )
    return [r.phone for r in rows]


async def supervisor_phones(db: Queryable, region_code: str) -> list[str]:
    rows = await fetch(
        db,
        _Phone,
        """select phone from staff_members where role = 'supervisor' and active
             and region_code is not null and $1 like region_code || '%' order by id""",
        region_code,
    )
    return [r.phone for r in rows]
