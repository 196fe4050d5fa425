"""SQL for units, service items and bundles."""

from __future__ import annotations

import asyncpg

from doorstep.store.db import Queryable


async def bundles(db: Queryable) -> list[asyncpg.Record]:
    return await db.fetch(
        "select id, code, name, description, is_single from bundles where active order by id"
    )


async def bundle_by_code(db: Queryable, code: str) -> asyncpg.Record | None:
    return await db.fetchrow(
        "select id, code, name, description, is_single from bundles where code = $1 and active",
        code,
    )


async def items_of_bundles(db: Queryable, bundle_ids: list[int]) -> list[asyncpg.Record]:
    return await db.fetch(
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


async def units_by_ids(db: Queryable, unit_ids: list[int]) -> list[asyncpg.Record]:
    return await db.fetch(
        "select id, code, name, kind, region_code, phone from units where id = any($1::bigint[])",
        unit_ids,
    )
