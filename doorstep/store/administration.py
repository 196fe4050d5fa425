"""Units with their territories, and staff accounts: the SQL of administration."""

from __future__ import annotations

from doorstep.store import rows
from doorstep.store.db import Connection, Queryable
from doorstep.store.typed import fetch_bool, fetch_int, fetch_optional


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


class UnitRef(rows.Row):
    id: int
    code: str
    kind: str


async def unit_ref(db: Queryable, code: str) -> UnitRef | None:
    """A unit's id and kind by code: what a staff account, an item or an area names."""
    return await rows.fetchrow(
        db, UnitRef, "select id, code, kind from units where code = $1", code
    )


class _CodeRegionRow(rows.Row):
    """A unit's code and one region prefix of its (territory, service area)."""

    code: str
    region_prefix: str


async def territories_meeting(
    db: Queryable, kind: str, prefixes: list[str], other_than: str
) -> dict[str, list[str]]:
    """The territories of other units of `kind` that share a region with any of `prefixes`
    (one is a prefix of the other), by unit code."""
    found = await rows.fetch(
        db,
        _CodeRegionRow,
        """select u.code, t.region_prefix from unit_territories t join units u on u.id = t.unit_id
           where u.kind = $1 and u.code <> $3
             and exists (select 1 from unnest($2::text[]) p
                         where t.region_prefix like p || '%' or p like t.region_prefix || '%')
           order by u.code, t.region_prefix""",
        kind,
        prefixes,
        other_than,
    )
    out: dict[str, list[str]] = {}
    for r in found:
        out.setdefault(r.code, []).append(r.region_prefix)
    return out


async def lock_units(conn: Connection) -> None:
    """Territory checks read every unit's territories: writers of units queue here, so two
    admins cannot each add half of an overlap."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('unit_territories'))")


def _upsert(table: str, key: str, *columns: str) -> str:
    """Insert `key` and `columns`, or update the row with that key (stamping its updated_at):
    the row's id either way. Each column is named once, so its value and its update agree."""
    names = ", ".join((key, *columns))
    placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 2))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
    return f"""insert into {table} ({names}) values ({placeholders})
               on conflict ({key}) do update set {updates}, updated_at = now()
               returning id"""


_UPSERT_UNIT = _upsert("units", "code", "name", "kind", "region_code", "parent_id", "phone")
_UPSERT_STAFF = _upsert(
    "staff_members", "phone", "name", "unit_id", "role", "region_code", "active"
)


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
    return await fetch_int(conn, _UPSERT_UNIT, code, name, kind, region_code, parent_id, phone)


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
    return await fetch_int(conn, _UPSERT_STAFF, phone, name, unit_id, role, region_code, active)


async def end_sessions(conn: Connection, staff_id: int) -> int:
    """A deactivated account or a changed role: its open sessions end now."""
    status: str = await conn.execute(
        "update sessions set revoked_at = now() where staff_id = $1 and revoked_at is null",
        staff_id,
    )
    return int(status.split()[-1])


async def region_exists(db: Queryable, code: str) -> bool:
    return await fetch_bool(db, "select exists(select 1 from regions where code = $1)", code)


async def upsert_region(
    conn: Connection, code: str, name: str, parent_code: str | None, fallback_unit_id: int | None
) -> None:
    await conn.execute(
        """insert into regions (code, name, parent_code, fallback_unit_id) values ($1, $2, $3, $4)
           on conflict (code) do update set name = excluded.name,
               parent_code = excluded.parent_code,
               fallback_unit_id = coalesce(excluded.fallback_unit_id, regions.fallback_unit_id)""",
        code,
        name,
        parent_code,
        fallback_unit_id,
    )


async def upsert_category(conn: Connection, code: str, name: str, description: str) -> None:
    await conn.execute(
        """insert into ticket_categories (code, name, description, position)
           values ($1, $2, $3,
                   (select coalesce(max(position), 0) + 1 from ticket_categories))
           on conflict (code) do update set name = excluded.name,
               description = excluded.description, updated_at = now()""",
        code,
        name,
        description,
    )


async def category_active(db: Queryable, code: str) -> bool | None:
    """True or False for a category, None when there is no such category."""
    return await fetch_optional(
        db, bool, "select active from ticket_categories where code = $1", code
    )


async def area_overlaps(
    db: Queryable, unit_id: int, kind: str, category: str, region: str
) -> list[tuple[str, str]]:
    """Other units of the same kind serving the category in a region overlapping `region`:
    (unit code, their region)."""
    found = await rows.fetch(
        db,
        _CodeRegionRow,
        """select u.code, a.region_prefix from unit_service_areas a
           join units u on u.id = a.unit_id
           where a.category_code = $3 and u.kind = $2 and a.unit_id <> $1
             and (a.region_prefix like $4 || '%' or $4 like a.region_prefix || '%')
           order by u.code""",
        unit_id,
        kind,
        category,
        region,
    )
    return [(r.code, r.region_prefix) for r in found]
