"""Versions of service items and bundles, and putting the version in force on its date.

The rows of service_items and bundles hold the version in force (`version_id`); `apply_due`
moves each to its latest version whose date has come, so everything that reads the catalog
reads what is in force, and applications remember the version id they were made under
(migration 0061's trigger).
"""

from __future__ import annotations

import json
from datetime import date, datetime

from doorstep.store import rows
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json
from doorstep.store.typed import fetch_column, fetch_int, fetch_optional, ids_by_code


class ItemVersionRow(rows.Row):
    id: int
    item_code: str
    version: int
    effective_from: date
    name: str
    unit_code: str
    description: str
    materials: Json
    legal_days: int
    promised_days: int
    retired: bool
    created_by: str | None
    created_at: datetime
    in_force: bool
    applications: int


_ITEM_VERSIONS = """
select v.id, i.code as item_code, v.version, v.effective_from, v.name, u.code as unit_code,
       v.description, v.materials, v.legal_days, v.promised_days,
       v.retired, s.name as created_by, v.created_at,
       -- a new item whose first version starts later has none in force yet (null)
       coalesce(i.version_id = v.id, false) as in_force,
       (select count(*) from tasks t where t.item_version_id = v.id)::int as applications
from service_item_versions v
join service_items i on i.id = v.item_id
join units u on u.id = v.unit_id
left join staff_members s on s.id = v.created_by_staff_id
"""


class BundleVersionRow(rows.Row):
    id: int
    bundle_code: str
    version: int
    effective_from: date
    name: str
    description: str
    item_codes: list[str]
    retired: bool
    created_by: str | None
    created_at: datetime
    in_force: bool
    applications: int


_BUNDLE_VERSIONS = """
select v.id, b.code as bundle_code, v.version, v.effective_from, v.name, v.description,
       array(select i.code from unnest(v.item_ids) with ordinality x(id, n)
             join service_items i on i.id = x.id order by x.n) as item_codes,
       v.retired, s.name as created_by, v.created_at,
       coalesce(b.version_id = v.id, false) as in_force,
       (select count(*) from applications a where a.bundle_version_id = v.id)::int
           as applications
from bundle_versions v
join bundles b on b.id = v.bundle_id
left join staff_members s on s.id = v.created_by_staff_id
"""


async def _versions(
    db: Queryable, cls: type[rows.R], select: str, owner: str, code: str | None
) -> list[rows.R]:
    """Every version of the `owner` rows (alias in `select`), or of the one with `code`."""
    return await rows.fetch(
        db,
        cls,
        select + f"where $1::text is null or {owner}.code = $1 order by {owner}.code, v.version",
        code,
    )


async def item_versions(db: Queryable, code: str | None = None) -> list[ItemVersionRow]:
    return await _versions(db, ItemVersionRow, _ITEM_VERSIONS, "i", code)


async def bundle_versions(db: Queryable, code: str | None = None) -> list[BundleVersionRow]:
    return await _versions(db, BundleVersionRow, _BUNDLE_VERSIONS, "b", code)


async def lock_catalog(conn: Connection) -> None:
    """Catalog writers queue: a bundle's check of its items' retirement holds until commit."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('catalog_versions'))")


async def item_ids(db: Queryable, codes: list[str]) -> dict[str, int]:
    return await ids_by_code(db, "select code, id from service_items where code = any($1)", codes)


async def retired_items(db: Queryable, codes: list[str]) -> set[str]:
    """Those of `codes` retired now or by a version still to come."""
    found = await fetch_column(
        db,
        str,
        """select distinct i.code from service_items i
           where i.code = any($1)
             and (i.retired_at is not null
                  or exists (select 1 from service_item_versions v where v.item_id = i.id
                             and v.retired and v.id > coalesce(i.version_id, 0)))""",
        codes,
    )
    return set(found)


async def bundles_using(db: Queryable, item_code: str) -> list[str]:
    """Bundles in force, or with a version to come, that contain the item and are not retired."""
    return await fetch_column(
        db,
        str,
        """select distinct b.code from bundles b
           join bundle_versions v on v.bundle_id = b.id
           join service_items i on i.id = any(v.item_ids)
           where i.code = $1 and not v.retired
             and (v.id = b.version_id or v.id > coalesce(b.version_id, 0))
           order by b.code""",
        item_code,
    )


async def insert_item_version(
    conn: Connection,
    *,
    code: str,
    name: str,
    unit_id: int,
    description: str,
    materials: list[dict[str, object]],
    legal_days: int,
    promised_days: int,
    effective_from: date,
    retired: bool,
    staff_id: int | None,
) -> int:
    """A new version of the item. A new item's row is made with it (version_id null until the
    version is due); items are reached only through bundles, which stay hidden until theirs."""
    # what the item and each of its versions hold
    content = (
        name,
        unit_id,
        description,
        json.dumps(materials, ensure_ascii=False),
        legal_days,
        promised_days,
    )
    item_id = await fetch_int(
        conn,
        """insert into service_items (code, name, unit_id, description, materials, legal_days,
                                      promised_days)
           values ($1, $2, $3, $4, $5::text::jsonb, $6, $7)
           on conflict (code) do update set code = excluded.code
           returning id""",
        code,
        *content,
    )
    # the version's values ($1 to $9), compared with the latest and then inserted
    values = (item_id, effective_from, *content, retired)
    same = await fetch_optional(
        conn,
        int,
        """select id from service_item_versions v where item_id = $1
             and version = (select max(version) from service_item_versions where item_id = $1)
             and (v.effective_from, v.name, v.unit_id, v.description, v.materials, v.legal_days,
                  v.promised_days, v.retired) = ($2, $3, $4, $5, $6::text::jsonb, $7, $8, $9)""",
        *values,
    )
    if same is not None:
        return same  # the same as the latest version: importing a file twice adds nothing
    return await fetch_int(
        conn,
        """insert into service_item_versions (item_id, version, effective_from, name, unit_id,
               description, materials, legal_days, promised_days, retired, created_by_staff_id)
           select $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6::text::jsonb, $7, $8,
                  $9, $10
           from service_item_versions where item_id = $1
           returning id""",
        *values,
        staff_id,
    )


async def insert_bundle_version(
    conn: Connection,
    *,
    code: str,
    name: str,
    description: str,
    item_ids: list[int],
    effective_from: date,
    retired: bool,
    staff_id: int | None,
) -> int:
    """A new version of the bundle (a new bundle stays hidden until its first version is due)."""
    bundle_id = await fetch_int(
        conn,
        """insert into bundles (code, name, description, is_single, active)
           values ($1, $2, $3, $4, false)
           on conflict (code) do update set code = excluded.code
           returning id""",
        code,
        name,
        description,
        len(item_ids) == 1,
    )
    values = (bundle_id, effective_from, name, description, item_ids, retired)  # $1 to $6
    same = await fetch_optional(
        conn,
        int,
        """select id from bundle_versions v where bundle_id = $1
             and version = (select max(version) from bundle_versions where bundle_id = $1)
             and (v.effective_from, v.name, v.description, v.item_ids, v.retired)
                 = ($2, $3, $4, $5, $6)""",
        *values,
    )
    if same is not None:
        return same
    return await fetch_int(
        conn,
        """insert into bundle_versions (bundle_id, version, effective_from, name, description,
               item_ids, retired, is_single, created_by_staff_id)
           select $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8
           from bundle_versions where bundle_id = $1
           returning id""",
        *values,
        len(item_ids) == 1,
        staff_id,
    )


class _DueBundleRow(rows.Row):
    id: int
    item_ids: list[int]


def _in_force(key: str, versions: str) -> str:
    """Each `key`'s latest version dated $1 or before: the one in force that day."""
    return f"""select distinct on ({key}) * from {versions} where effective_from <= $1
               order by {key}, effective_from desc, version desc"""


async def apply_due(conn: Connection, today: date) -> tuple[int, int]:
    """Put every item's and bundle's latest version dated today or before in force; returns
    how many items and bundles moved."""
    items = await fetch_column(
        conn,
        int,
        f"""with due as ({_in_force("item_id", "service_item_versions")})
           update service_items i set name = d.name, unit_id = d.unit_id,
               description = d.description, materials = d.materials,
               legal_days = d.legal_days, promised_days = d.promised_days,
               retired_at = case when d.retired then coalesce(i.retired_at, now()) end,
               version_id = d.id
           from due d where d.item_id = i.id and i.version_id is distinct from d.id
           returning i.id""",
        today,
    )
    bundles = await rows.fetch(
        conn,
        _DueBundleRow,
        f"""with due as ({_in_force("bundle_id", "bundle_versions")})
           update bundles b set name = d.name, description = d.description,
               is_single = d.is_single, active = not d.retired, version_id = d.id
           from due d where d.bundle_id = b.id and b.version_id is distinct from d.id
           returning b.id, d.item_ids""",
        today,
    )
    for b in bundles:
        await replace_bundle_items(conn, b.id, b.item_ids)
    return len(items), len(bundles)


async def replace_bundle_items(conn: Connection, bundle_id: int, item_ids: list[int]) -> None:
    """The bundle's items become exactly `item_ids`, in that order."""
    await conn.execute("delete from bundle_items where bundle_id = $1", bundle_id)
    await conn.executemany(
        "insert into bundle_items (bundle_id, item_id, position) values ($1, $2, $3)",
        [(bundle_id, item_id, n) for n, item_id in enumerate(item_ids, start=1)],
    )


async def record_seeded(conn: Connection, today: date) -> None:
    """After `doorstep seed` wrote items and bundles directly: a version for each one whose
    content differs from its version in force (or that has none), in force today."""
    await conn.execute(
        """with changed as (
               select i.* from service_items i
               left join service_item_versions v on v.id = i.version_id
               where v.id is null or (v.name, v.unit_id, v.description, v.materials,
                     v.legal_days, v.promised_days, v.retired)
                     is distinct from (i.name, i.unit_id, i.description, i.materials,
                     i.legal_days, i.promised_days, i.retired_at is not null)),
           made as (
               insert into service_item_versions (item_id, version, effective_from, name,
                   unit_id, description, materials, legal_days, promised_days, retired)
               select c.id, coalesce((select max(version) from service_item_versions x
                                      where x.item_id = c.id), 0) + 1,
                      $1, c.name, c.unit_id, c.description, c.materials, c.legal_days,
                      c.promised_days, c.retired_at is not null
               from changed c
               returning id, item_id)
           update service_items i set version_id = m.id from made m where m.item_id = i.id""",
        today,
    )
    await conn.execute(
        """with current_items as (
               select b.id, coalesce(array_agg(bi.item_id order by bi.position)
                                     filter (where bi.item_id is not null), '{}') as item_ids
               from bundles b left join bundle_items bi on bi.bundle_id = b.id group by b.id),
           changed as (
               select b.*, c.item_ids from bundles b join current_items c on c.id = b.id
               left join bundle_versions v on v.id = b.version_id
               where v.id is null or (v.name, v.description, v.is_single, v.item_ids,
                     v.retired) is distinct from (b.name, b.description, b.is_single,
                     c.item_ids, not b.active)),
           made as (
               insert into bundle_versions (bundle_id, version, effective_from, name,
                   description, is_single, item_ids, retired)
               select c.id, coalesce((select max(version) from bundle_versions x
                                      where x.bundle_id = c.id), 0) + 1,
                      $1, c.name, c.description, c.is_single, c.item_ids, not c.active
               from changed c
               returning id, bundle_id)
           update bundles b set version_id = m.id from made m where m.bundle_id = b.id""",
        today,
    )
