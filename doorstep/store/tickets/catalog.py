"""SQL for the catalog tickets refer to, as filing and dispatch read it: categories, places,
regions and their fallback units, units and the areas they serve.
"""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_by
from doorstep.store.tickets.rows import (
    UNIT_SELECT,
    CategoryRefRow,
    CategoryRow,
    PlaceRow,
    RegionRow,
    ServiceAreaRow,
    ServingUnitRow,
    UnitRow,
)


class _Code(Row):
    code: str


class _Id(Row):
    id: int


class _UnitName(Row):
    id: int
    name: str


class _Fallback(Row):
    code: str
    fallback_unit_id: int


async def categories(db: Queryable, *, active_only: bool = True) -> list[CategoryRow]:
    return await fetch(
        db,
        CategoryRow,
        """select code, name, description, position, active, group_name, keywords
           from ticket_categories
           where active or not $1 order by position, code""",
        active_only,
    )


async def places(db: Queryable) -> list[PlaceRow]:
    return await fetch(db, PlaceRow, "select code, name, parent_code from regions order by code")


_CATEGORY_REF = "select code, name, description, active from ticket_categories"


async def category(db: Queryable, code: str) -> CategoryRefRow | None:
    return await fetchrow_by(db, CategoryRefRow, _CATEGORY_REF, "code", code)


async def region(db: Queryable, code: str) -> RegionRow | None:
    return await fetchrow(
        db, RegionRow, "select code, name, fallback_unit_id from regions where code = $1", code
    )


async def region_codes(db: Queryable) -> list[str]:
    return [r.code for r in await fetch(db, _Code, "select code from regions")]


async def fallbacks(db: Queryable) -> dict[str, int]:
    rows = await fetch(
        db,
        _Fallback,
        "select code, fallback_unit_id from regions where fallback_unit_id is not null",
    )
    return {r.code: r.fallback_unit_id for r in rows}


async def unit_by_code(db: Queryable, code: str) -> UnitRow | None:
    return await fetchrow_by(db, UnitRow, UNIT_SELECT, "code", code)


async def units_by_id(db: Queryable, ids: list[int]) -> dict[int, UnitRow]:
    rows = await fetch(db, UnitRow, f"{UNIT_SELECT} where id = any($1::bigint[])", ids)
    return {r.id: r for r in rows}


async def unit_names(db: Queryable) -> dict[int, str]:
    return {r.id: r.name for r in await fetch(db, _UnitName, "select id, name from units")}


async def unit_ids(db: Queryable) -> list[int]:
    return [r.id for r in await fetch(db, _Id, "select id from units")]


async def service_areas(db: Queryable) -> list[ServiceAreaRow]:
    return await fetch(
        db, ServiceAreaRow, "select unit_id, category_code, region_prefix from unit_service_areas"
    )


async def units_serving(
    db: Queryable, category_code: str, region_code: str
) -> list[ServingUnitRow]:
    """Units that serve a category somewhere at or above a region, the most local first."""
    return await fetch(
        db,
        ServingUnitRow,
        """select distinct on (u.id) u.id, u.code, u.name, length(a.region_prefix) as depth
           from unit_service_areas a join units u on u.id = a.unit_id
           where a.category_code = $1 and $2 like a.region_prefix || '%'
           order by u.id, length(a.region_prefix) desc""",
        category_code,
        region_code,
    )
