"""SQL for units, service items and bundles."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch, fetchrow


class MaterialJson(TypedDict):
    """One entry of service_items.materials."""

    code: str
    name: str
    required: NotRequired[bool]


class BundleRow(Row):
    id: int
    code: str
    name: str
    description: str
    is_single: bool


class BundleItemRow(Row):
    bundle_id: int
    position: int
    id: int
    code: str
    name: str
    description: str
    materials: list[MaterialJson]
    legal_days: int
    promised_days: int
    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    unit_region_code: str
    unit_phone: str | None


class UnitRow(Row):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    phone: str | None


_ACTIVE_BUNDLES = "select id, code, name, description, is_single from bundles where active"


async def bundles(db: Queryable) -> list[BundleRow]:
    return await fetch(db, BundleRow, f"{_ACTIVE_BUNDLES} order by id")


async def bundle_by_code(db: Queryable, code: str) -> BundleRow | None:
    return await fetchrow(db, BundleRow, f"{_ACTIVE_BUNDLES} and code = $1", code)


async def items_of_bundles(db: Queryable, bundle_ids: list[int]) -> list[BundleItemRow]:
    return await fetch(
        db,
        BundleItemRow,
        """select bi.bundle_id, bi.position, i.id, i.code, i.name, i.description, i.materials,
                  i.legal_days, i.promised_days, i.unit_id,
                  u.code as unit_code, u.name as unit_name, u.kind as unit_kind,
                  u.region_code as unit_region_code, u.phone as unit_phone
           from bundle_items bi
           join service_items i on i.id = bi.item_id
           join units u on u.id = i.unit_id
           where bi.bundle_id = any($1::bigint[])
           order by bi.bundle_id, bi.position""",
        bundle_ids,
    )


async def units_by_ids(db: Queryable, unit_ids: list[int]) -> list[UnitRow]:
    return await fetch(
        db,
        UnitRow,
        "select id, code, name, kind, region_code, phone from units where id = any($1::bigint[])",
        unit_ids,
    )
