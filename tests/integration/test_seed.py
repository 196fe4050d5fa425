"""The demo data is self-consistent and loads idempotently.

The session's database already holds the demo data, loaded under the test keys; the loads here
use keys of their own, so each test works in a transaction that is rolled back (`seed_conn`):
a reload left behind would re-key the demo citizens' blind indexes for every later test.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from doorstep.domain import pii
from doorstep.domain.identity import mask_resident_id
from doorstep.store import demo_data
from doorstep.store.seed import load_demo_data

DATA_KEY = os.urandom(32)
INDEX_KEY = os.urandom(32)


@pytest.fixture
async def seed_conn(
    db_conn: asyncpg.Connection[asyncpg.Record],
) -> AsyncIterator[asyncpg.Connection[asyncpg.Record]]:
    transaction = db_conn.transaction()
    await transaction.start()
    try:
        yield db_conn
    finally:
        await transaction.rollback()


TABLES = (
    "units",
    "service_items",
    "bundles",
    "bundle_items",
    "citizens",
    "staff_members",
    # 陪同办 demo slots: a second load adds none
    "escort_slots",
)


def _gb11643_valid(resident_id: str) -> bool:
    """Written out independently of demo_data: ISO 7064 MOD 11-2 over the first 17 digits."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", resident_id):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    remainder = sum(int(d) * w for d, w in zip(resident_id[:17], weights, strict=True)) % 11
    return resident_id[17] == "10X98765432"[remainder]


async def _table_counts(conn: asyncpg.Connection[asyncpg.Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        counts[table] = await conn.fetchval(f"select count(*) from {table}")
    return counts


Rows = list[tuple[object, ...]]


async def _snapshot(conn: asyncpg.Connection[asyncpg.Record]) -> dict[str, Rows]:
    """The demo rows as comparable tuples (ids included: a reload must keep them)."""
    queries = {
        "units": "select id, code, name, kind, region_code, parent_id, phone from units",
        "service_items": "select id, code, unit_id, materials::text, legal_days, promised_days"
        " from service_items",
        "bundles": "select id, code, name, is_single, active from bundles",
        "bundle_items": "select bundle_id, item_id, position from bundle_items",
        "citizens": "select id, phone, resident_id_index, resident_id_masked, birth_date,"
        " language, channel_preference, elder_mode from citizens",
        "staff_members": "select id, phone, name, unit_id, role, region_code from staff_members",
    }
    return {
        table: sorted(tuple(row) for row in await conn.fetch(sql)) for table, sql in queries.items()
    }


# --- the data itself ------------------------------------------------------------------------------


async def test_demo_data_references_and_codes() -> None:
    for name, codes in {
        "units": [u.code for u in demo_data.UNITS],
        "items": [i.code for i in demo_data.SERVICE_ITEMS],
        "bundles": [b.code for b in demo_data.BUNDLES],
        "citizen phones": [c.phone for c in demo_data.CITIZENS],
        "staff phones": [s.phone for s in demo_data.STAFF],
    }.items():
        duplicates = [code for code, n in Counter(codes).items() if n > 1]
        assert not duplicates, f"duplicate {name}: {duplicates}"
    assert not {c.phone for c in demo_data.CITIZENS} & {s.phone for s in demo_data.STAFF}

    unit_codes = {u.code for u in demo_data.UNITS}
    item_codes = {i.code for i in demo_data.SERVICE_ITEMS}
    for unit in demo_data.UNITS:
        assert re.fullmatch(r"[a-z0-9-]+", unit.code)
        assert re.fullmatch(r"[0-9]{6}([0-9]{3}){0,2}", unit.region_code)
        assert re.fullmatch(r"\+86[0-9]{9,11}", unit.phone)
    for item in demo_data.SERVICE_ITEMS:
        assert item.unit_code in unit_codes
        assert 0 < item.promised_days <= item.legal_days, item.code
        assert item.materials and any(m.required for m in item.materials), item.code
        assert len({m.code for m in item.materials}) == len(item.materials), item.code
    for bundle in demo_data.BUNDLES:
        assert set(bundle.item_codes) <= item_codes, bundle.code
        assert len(set(bundle.item_codes)) == len(bundle.item_codes), bundle.code
        if bundle.is_single:
            assert len(bundle.item_codes) == 1, bundle.code
        else:
            assert 3 <= len(bundle.item_codes) <= 6, bundle.code
            owners = {i.unit_code for i in demo_data.SERVICE_ITEMS if i.code in bundle.item_codes}
            assert len(owners) >= 2, f"{bundle.code} should span several departments"
    used_items = {code for b in demo_data.BUNDLES for code in b.item_codes}
    assert used_items == item_codes, f"items in no bundle: {item_codes - used_items}"


async def test_demo_people() -> None:
    for citizen in demo_data.CITIZENS:
        assert re.fullmatch(r"\+86138001380[0-9]{2}", citizen.phone)
        assert _gb11643_valid(citizen.resident_id), citizen.name
        assert citizen.resident_id[6:14] == f"{citizen.birth_date:%Y%m%d}"
        assert citizen.region_code == "110105001001"
        masked = mask_resident_id(citizen.resident_id)
        assert masked == citizen.resident_id[:3] + "*" * 11 + citizen.resident_id[-4:]
    elders = [c for c in demo_data.CITIZENS if c.elder_mode]
    assert len(elders) == 1 and elders[0].birth_date.year == 1944
    assert elders[0].channel_preference == "sms"
    assert all(c.channel_preference == "push" for c in demo_data.CITIZENS if not c.elder_mode)
    assert [c.language for c in demo_data.CITIZENS].count("en") == 1

    roles = Counter(s.role for s in demo_data.STAFF)
    assert roles["admin"] >= 1 and roles["supervisor"] >= 1
    staffed = {s.unit_code for s in demo_data.STAFF if s.role == "staff"}
    assert staffed == {u.code for u in demo_data.UNITS}
    for member in demo_data.STAFF:
        assert re.fullmatch(r"\+8613900139[0-9]{3}", member.phone)
        assert member.role == "admin" or member.unit_code is not None
    supervisor = next(s for s in demo_data.STAFF if s.role == "supervisor")
    assert supervisor.region_code == demo_data.DISTRICT_REGION


# --- loading --------------------------------------------------------------------------------------


async def test_load_is_idempotent(seed_conn: asyncpg.Connection[asyncpg.Record]) -> None:
    stages: list[str] = []
    first = await load_demo_data(
        seed_conn, data_key=DATA_KEY, index_key=INDEX_KEY, progress=stages.append
    )
    assert stages == ["units", "service_items", "bundles", "citizens", "staff_members"]
    assert first == {
        "units": len(demo_data.UNITS),
        "service_items": len(demo_data.SERVICE_ITEMS),
        "bundles": len(demo_data.BUNDLES),
        "bundle_items": sum(len(b.item_codes) for b in demo_data.BUNDLES),
        "citizens": len(demo_data.CITIZENS),
        "staff_members": len(demo_data.STAFF),
    }
    counts_after_first = await _table_counts(seed_conn)
    for table, n in first.items():
        assert counts_after_first[table] >= n, table
    snapshot = await _snapshot(seed_conn)

    second = await load_demo_data(seed_conn, data_key=DATA_KEY, index_key=INDEX_KEY)
    assert second == first
    assert await _table_counts(seed_conn) == counts_after_first
    assert await _snapshot(seed_conn) == snapshot

    for table, key in [
        ("units", "code"),
        ("service_items", "code"),
        ("bundles", "code"),
        ("citizens", "phone"),
        ("staff_members", "phone"),
    ]:
        duplicates = await seed_conn.fetchval(
            f"select count(*) from (select {key} from {table} group by {key} having count(*) > 1) d"
        )
        assert duplicates == 0, table


async def test_loaded_bundles_have_items_and_units_have_staff(
    seed_conn: asyncpg.Connection[asyncpg.Record],
) -> None:
    await load_demo_data(seed_conn, data_key=DATA_KEY, index_key=INDEX_KEY)

    bundle_codes = [b.code for b in demo_data.BUNDLES]
    rows = await seed_conn.fetch(
        """select b.code, b.is_single, count(bi.item_id) as items,
                  array_agg(bi.position order by bi.position) as positions
           from bundles b left join bundle_items bi on bi.bundle_id = b.id
           where b.code = any($1::text[]) group by b.code, b.is_single""",
        bundle_codes,
    )
    assert {r["code"] for r in rows} == set(bundle_codes)
    for row in rows:
        assert row["items"] >= 1, row["code"]
        assert row["positions"] == list(range(1, row["items"] + 1)), row["code"]
        if row["is_single"]:
            assert row["items"] == 1, row["code"]
    newborn = await seed_conn.fetch(
        """select i.code from bundle_items bi join bundles b on b.id = bi.bundle_id
           join service_items i on i.id = bi.item_id where b.code = 'newborn'
           order by bi.position"""
    )
    assert [r["code"] for r in newborn] == list(demo_data.BUNDLES[0].item_codes)

    unit_codes = [u.code for u in demo_data.UNITS]
    unstaffed = await seed_conn.fetch(
        """select u.code from units u
           where u.code = any($1::text[])
             and not exists (select 1 from staff_members s
                             where s.unit_id = u.id and s.active and s.role = 'staff')""",
        unit_codes,
    )
    assert [r["code"] for r in unstaffed] == []

    materials = await seed_conn.fetchval(
        "select jsonb_typeof(materials) || ':' || jsonb_array_length(materials)"
        " from service_items where code = 'birth-certificate'"
    )
    assert materials == "array:4"


async def test_loaded_resident_ids_are_protected(
    seed_conn: asyncpg.Connection[asyncpg.Record],
) -> None:
    await load_demo_data(seed_conn, data_key=DATA_KEY, index_key=INDEX_KEY)

    for citizen in demo_data.CITIZENS:
        row = await seed_conn.fetchrow(
            "select phone, resident_id_enc, resident_id_masked, birth_date, elder_mode"
            " from citizens where resident_id_index = $1",
            pii.blind_index(citizen.resident_id, INDEX_KEY),
        )
        assert row is not None, citizen.name
        assert row["phone"] == citizen.phone
        assert pii.decrypt(bytes(row["resident_id_enc"]), DATA_KEY) == citizen.resident_id
        assert citizen.resident_id.encode() not in bytes(row["resident_id_enc"])
        assert row["resident_id_masked"] == mask_resident_id(citizen.resident_id)
        assert row["birth_date"] == citizen.birth_date
        assert row["elder_mode"] is citizen.elder_mode
    elder = next(c for c in demo_data.CITIZENS if c.elder_mode)
    assert elder.birth_date < date(1945, 1, 1)
