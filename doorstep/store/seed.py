"""Load the demo data (`doorstep.store.demo_data`) into the database, idempotently.

Rows are matched by their stable code (units, service items, bundles) or phone (citizens, staff)
and updated in place, so ids stay the same and applications that point at them stay valid; a
bundle's item list is replaced. Running the loader again leaves the same rows and counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import asyncpg

from doorstep.domain import pii
from doorstep.domain.calendar import today_local
from doorstep.domain.identity import mask_resident_id
from doorstep.store import demo_data
from doorstep.store.catalog_versions import record_seeded, replace_bundle_items
from doorstep.store.demo_escort import load_demo_escort
from doorstep.store.demo_sharing import load_demo_sharing
from doorstep.store.demo_vault import load_demo_vault
from doorstep.store.seed_tickets import load_ticket_demo_data
from doorstep.store.typed import fetch_optional

_UPSERT_UNIT = """
insert into units (code, name, kind, region_code, parent_id, phone)
values ($1, $2, $3, $4, $5, $6)
on conflict (code) do update set
    name = excluded.name, kind = excluded.kind, region_code = excluded.region_code,
    parent_id = excluded.parent_id, phone = excluded.phone
returning id
"""

# materials goes in as text and is cast, so it works with or without a jsonb codec on conn
_UPSERT_ITEM = """
insert into service_items (code, name, unit_id, description, materials, legal_days, promised_days)
values ($1, $2, $3, $4, $5::text::jsonb, $6, $7)
on conflict (code) do update set
    name = excluded.name, unit_id = excluded.unit_id, description = excluded.description,
    materials = excluded.materials, legal_days = excluded.legal_days,
    promised_days = excluded.promised_days
returning id
"""

_UPSERT_BUNDLE = """
insert into bundles (code, name, description, is_single, active)
values ($1, $2, $3, $4, true)
on conflict (code) do update set
    name = excluded.name, description = excluded.description,
    is_single = excluded.is_single, active = true
returning id
"""

# demo citizens stand for people whose identity was already checked (实名认证)
_UPSERT_CITIZEN = """
insert into citizens (phone, name, resident_id_enc, resident_id_index, resident_id_masked,
                      birth_date, region_code, language, channel_preference, elder_mode,
                      identity_verified_at, identity_method)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), 'seed')
on conflict (phone) do update set
    name = excluded.name, resident_id_enc = excluded.resident_id_enc,
    resident_id_index = excluded.resident_id_index,
    resident_id_masked = excluded.resident_id_masked, birth_date = excluded.birth_date,
    identity_verified_at = coalesce(citizens.identity_verified_at, now()),
    identity_method = coalesce(citizens.identity_method, 'seed'),
    region_code = excluded.region_code, language = excluded.language,
    channel_preference = excluded.channel_preference, elder_mode = excluded.elder_mode,
    updated_at = now()
returning id
"""

_UPSERT_STAFF = """
insert into staff_members (phone, name, unit_id, role, region_code, active)
values ($1, $2, $3, $4, $5, true)
on conflict (phone) do update set
    name = excluded.name, unit_id = excluded.unit_id, role = excluded.role,
    region_code = excluded.region_code, active = true
returning id
"""


def _ignore(_stage: str) -> None:
    return None


async def _fetch_id(conn: asyncpg.Connection[asyncpg.Record], sql: str, *args: object) -> int:
    row_id = await fetch_optional(conn, int, sql, *args)
    if row_id is None:
        raise RuntimeError("demo data upsert returned no id")
    return row_id


async def load_demo_data(
    conn: asyncpg.Connection[asyncpg.Record],
    *,
    data_key: bytes,
    index_key: bytes,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Upsert the demo units, items, bundles, citizens and staff; return rows written per table.

    Runs inside the caller's transaction when there is one (as a savepoint), else in its own,
    so a failure leaves nothing half-loaded. Resident IDs are stored encrypted with `data_key`,
    with a blind index under `index_key` and a masked copy for display.
    """
    report = progress or _ignore
    counts: dict[str, int] = {}
    async with conn.transaction():
        report("units")
        unit_ids: dict[str, int] = {}
        for unit in demo_data.UNITS:
            parent_id = None
            if unit.parent_code is not None:
                if unit.parent_code not in unit_ids:
                    raise ValueError(f"unit {unit.code}: parent {unit.parent_code} must come first")
                parent_id = unit_ids[unit.parent_code]
            unit_ids[unit.code] = await _fetch_id(
                conn,
                _UPSERT_UNIT,
                unit.code,
                unit.name,
                unit.kind,
                unit.region_code,
                parent_id,
                unit.phone,
            )
        counts["units"] = len(unit_ids)

        report("service_items")
        item_ids: dict[str, int] = {}
        for item in demo_data.SERVICE_ITEMS:
            material_list: list[dict[str, str | bool]] = [m.as_json() for m in item.materials]
            materials = json.dumps(material_list, ensure_ascii=False)
            item_ids[item.code] = await _fetch_id(
                conn,
                _UPSERT_ITEM,
                item.code,
                item.name,
                unit_ids[item.unit_code],
                item.description,
                materials,
                item.legal_days,
                item.promised_days,
            )
        counts["service_items"] = len(item_ids)

        report("bundles")
        bundle_links = 0
        for bundle in demo_data.BUNDLES:
            if not bundle.item_codes:
                raise ValueError(f"bundle {bundle.code} has no items")
            if bundle.is_single and len(bundle.item_codes) != 1:
                raise ValueError(f"single-item bundle {bundle.code} has {len(bundle.item_codes)}")
            bundle_id = await _fetch_id(
                conn,
                _UPSERT_BUNDLE,
                bundle.code,
                bundle.name,
                bundle.description,
                bundle.is_single,
            )
            await replace_bundle_items(conn, bundle_id, [item_ids[c] for c in bundle.item_codes])
            bundle_links += len(bundle.item_codes)
        counts["bundles"] = len(demo_data.BUNDLES)
        counts["bundle_items"] = bundle_links

        report("citizens")
        for citizen in demo_data.CITIZENS:
            await _fetch_id(
                conn,
                _UPSERT_CITIZEN,
                citizen.phone,
                citizen.name,
                pii.encrypt(citizen.resident_id, data_key),
                pii.blind_index(citizen.resident_id, index_key),
                mask_resident_id(citizen.resident_id),
                citizen.birth_date,
                citizen.region_code,
                citizen.language,
                citizen.channel_preference,
                citizen.elder_mode,
            )
        counts["citizens"] = len(demo_data.CITIZENS)

        report("staff_members")
        for member in demo_data.STAFF:
            unit_id = unit_ids[member.unit_code] if member.unit_code is not None else None
            await _fetch_id(
                conn,
                _UPSERT_STAFF,
                member.phone,
                member.name,
                unit_id,
                member.role,
                member.region_code,
            )
        counts["staff_members"] = len(demo_data.STAFF)

        # tickets (诉求): regions, categories, what each unit serves, the first dispatch rules
        await load_ticket_demo_data(conn)
        # the once-only vault and the rules that find people (服务找人)
        await load_demo_vault(conn, data_key=data_key, index_key=index_key, unit_ids=unit_ids)
        # 数据共享责任清单: who owns each vault item and who may use it (once)
        await load_demo_sharing(conn)
        # 陪同办: slots on the coming working days, so there is something to book
        await load_demo_escort(conn, today_local())
        # the catalog just written is the version in force (a new version where it changed)
        await record_seeded(conn, today_local())
    return counts
