"""Units with their territories, and staff accounts: the SQL of administration."""

from __future__ import annotations

from doorstep.store import rows
from doorstep.store.db import Connection, Queryable


class UnitRow(rows.Row):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    parent_code: str | None
    phone: str | None
    territories: list[str]
    staff: int


_UNITS = """
select u.id, u.code, u.name, u.kind, u.region_code, p.code as parent_code, u.phone,
       coalesce((select array_agg(t.region_prefix order by t.region_prefix)
                 from unit_territories t where t.unit_id = u.id), '{}') as territories,
       (select count(*) from staff_members s where s.unit_id = u.id and s.active)::int as staff
from units u left join units p on p.id = u.parent_id
"""


async def units(db: Queryable, kind: str | None = None) -> list[UnitRow]:
    return await rows.fetch(
        db, UnitRow, _UNITS + "where $1::text is null or u.kind = $1 order by u.code", kind
    )


async def unit(db: Queryable, code: str) -> UnitRow | None:
    return await rows.fetchrow(db, UnitRow, _UNITS + "where u.code = $1", code)


async def lock_units(conn: Connection) -> None:
    """Territory checks read every unit's territories: writers of units queue here, so two
    admins cannot each add half of an overlap."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('unit_territories'))")


async def upsert_unit(
    conn: Connection,
    *,
    code: str,
    name: str,
    kind: str,
    region_code: str,
    parent_id: int | None,
    phone: str | None,
) -> int:
    unit_id = await conn.fetchval(
        """insert into units (code, name, kind, region_code, parent_id, phone)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (code) do update set name = excluded.name, kind = excluded.kind,
               region_code = excluded.region_code, parent_id = excluded.parent_id,
               phone = excluded.phone, updated_at = now()
           returning id""",
        code,
        name,
        kind,
        region_code,
        parent_id,
        phone,
    )
    assert isinstance(unit_id, int)
    return unit_id


async def set_territories(conn: Connection, unit_id: int, prefixes: list[str]) -> None:
    await conn.execute("delete from unit_territories where unit_id = $1", unit_id)
    await conn.executemany(
        "insert into unit_territories (unit_id, region_prefix) values ($1, $2)",
        [(unit_id, p) for p in prefixes],
    )


class StaffRow(rows.Row):
    id: int
    phone: str
    name: str
    role: str
    unit_code: str | None
    unit_name: str | None
    region_code: str | None
    active: bool


_STAFF = """
select s.id, s.phone, s.name, s.role, u.code as unit_code, u.name as unit_name, s.region_code,
       s.active
from staff_members s left join units u on u.id = s.unit_id
"""


async def staff(db: Queryable, unit_code: str | None = None) -> list[StaffRow]:
    return await rows.fetch(
        db,
        StaffRow,
        _STAFF + "where $1::text is null or u.code = $1 order by s.role, u.code, s.name",
        unit_code,
    )


async def staff_member(db: Queryable, phone: str) -> StaffRow | None:
    return await rows.fetchrow(db, StaffRow, _STAFF + "where s.phone = $1", phone)


async def upsert_staff(
    conn: Connection,
    *,
    phone: str,
    name: str,
    role: str,
    unit_id: int | None,
    region_code: str | None,
    active: bool,
) -> int:
    staff_id = await conn.fetchval(
        """insert into staff_members (phone, name, unit_id, role, region_code, active)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (phone) do update set name = excluded.name, unit_id = excluded.unit_id,
               role = excluded.role, region_code = excluded.region_code,
               active = excluded.active, updated_at = now()
           returning id""",
        phone,
        name,
        unit_id,
        role,
        region_code,
        active,
    )
    assert isinstance(staff_id, int)
    return staff_id


async def end_sessions(conn: Connection, staff_id: int) -> int:
    """A deactivated account or a changed role: its open sessions end now."""
    status: str = await conn.execute(
        "update sessions set revoked_at = now() where staff_id = $1 and revoked_at is null",
        staff_id,
    )
    return int(status.split()[-1])
