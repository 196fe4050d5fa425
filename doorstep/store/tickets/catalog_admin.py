"""SQL for managing the catalog tickets refer to: categories (with their use), a unit's
service areas, regions' fallback units.
"""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetch, fetchrow, fetchrow_by
from doorstep.store.tickets.rows import (
    UNIT_SELECT,
    CategoryUseRow,
    ColumnValue,
    LockedRegionRow,
    ManagedCategoryRow,
    RegionUnitRow,
    UnitAreaRow,
    UnitRow,
)
from doorstep.store.typed import gives_row


async def categories_with_use(db: Queryable, include_retired: bool) -> list[CategoryUseRow]:
    """Categories with how many tickets name them and how many of those are still open."""
    return await fetch(
        db,
        CategoryUseRow,
        """select c.code, c.name, c.description, c.position, c.active, c.retired_at,
                  c.group_name, c.keywords,
                  (select count(*) from tickets t where t.category_code = c.code) as tickets,
                  (select count(*) from tickets t where t.category_code = c.code
                     and t.status not in ('closed', 'closed_unconfirmed')) as open_tickets
           from ticket_categories c where c.active or $1 order by c.position, c.code""",
        include_retired,
    )


async def lock_category(conn: Connection, code: str) -> ManagedCategoryRow | None:
    return await fetchrow(
        conn,
        ManagedCategoryRow,
        """select code, name, description, position, active, retired_at, group_name, keywords
           from ticket_categories where code = $1 for update""",
        code,
    )


async def insert_category(
    conn: Connection, code: str, name: str, description: str, position: int | None
) -> bool:
    """False when the code is taken."""
    return await gives_row(
        conn,
        """insert into ticket_categories (code, name, description, position)
           values ($1, $2, $3,
                   coalesce($4, (select coalesce(max(position), 0) + 1 from ticket_categories)))
           on conflict (code) do nothing returning true""",
        code,
        name,
        description,
        position,
    )


async def update_category(conn: Connection, code: str, **fields: ColumnValue) -> None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(
        f"update ticket_categories set {sets}, updated_at = now() where code = $1",
        code,
        *fields.values(),
    )


async def set_category_active(conn: Connection, code: str, active: bool) -> None:
    """Retire a category (active false) or bring it back."""
    await conn.execute(
        """update ticket_categories set active = $2,
             retired_at = case when $2 then null else now() end, updated_at = now()
           where code = $1""",
        code,
        active,
    )


async def lock_unit(conn: Connection, code: str) -> UnitRow | None:
    """The unit, locked: one change of its service areas at a time."""
    return await fetchrow_by(conn, UnitRow, UNIT_SELECT, "code", code, lock=True)


async def areas_of_unit(db: Queryable, unit_id: int) -> list[UnitAreaRow]:
    return await fetch(
        db,
        UnitAreaRow,
        """select a.category_code, c.name as category_name, c.active as category_active,
                  a.region_prefix, r.name as region_name
           from unit_service_areas a
           join ticket_categories c on c.code = a.category_code
           left join regions r on r.code = a.region_prefix
           where a.unit_id = $1 order by a.region_prefix, c.position, a.category_code""",
        unit_id,
    )


async def replace_areas(
    conn: Connection, unit_id: int, scope: str, areas: list[tuple[str, str]]
) -> None:
    """The unit's areas within `scope` (a region prefix; "" for all) become exactly `areas`;
    those outside it stay."""
    await conn.execute(
        "delete from unit_service_areas where unit_id = $1 and region_prefix like $2 || '%'",
        unit_id,
        scope,
    )
    await add_service_areas(conn, [(unit_id, category, region) for category, region in areas])


async def add_service_areas(conn: Connection, areas: list[tuple[int, str, str]]) -> None:
    """Each (unit id, category, region prefix) served from now on; one served already stays."""
    await conn.executemany(
        """insert into unit_service_areas (unit_id, category_code, region_prefix)
           values ($1, $2, $3) on conflict do nothing""",
        areas,
    )


async def regions_under(db: Queryable, prefix: str) -> list[RegionUnitRow]:
    return await fetch(
        db,
        RegionUnitRow,
        """select r.code, r.name, r.parent_code, u.id as unit_id, u.code as unit_code,
                  u.name as unit_name, u.phone as unit_phone, u.region_code as unit_region_code
           from regions r left join units u on u.id = r.fallback_unit_id
           where r.code like $1 || '%' order by r.code""",
        prefix,
    )


async def lock_region(conn: Connection, code: str) -> LockedRegionRow | None:
    return await fetchrow(
        conn,
        LockedRegionRow,
        "select code, name, parent_code, fallback_unit_id from regions where code = $1 for update",
        code,
    )


async def set_fallback(conn: Connection, code: str, unit_id: int | None) -> None:
    await conn.execute("update regions set fallback_unit_id = $2 where code = $1", code, unit_id)
