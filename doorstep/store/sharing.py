"""The data-sharing responsibility list's versions (migration 0090), and the reads it governs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from doorstep.domain.sharing import Entry, Grant, SharingList, SubjectKind
from doorstep.store import delegation, rows
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json
from doorstep.store.typed import fetch_column, fetch_int


class ListVersionRow(rows.Row):
    id: int
    version: int
    effective_from: date
    note: str
    published_by: str | None
    published_at: datetime
    entries: int


class EntryRow(rows.Row):
    id: int
    subject_kind: str
    subject_key: str
    owner_code: str
    legal_basis: str


class GrantRow(rows.Row):
    entry_id: int
    reader_code: str
    item_codes: list[str]
    bundle_codes: list[str]
    welfare_check: bool
    legal_basis: str


class UnitNameRow(rows.Row):
    id: int
    code: str
    name: str


class SubjectReadRow(rows.Row):
    """A read of a citizen's vault items by staff (allowed or refused), with the reader's unit."""

    id: int
    subjects: list[str]
    purpose: str
    refused: bool
    reader_name: str | None
    unit_name: str | None
    created_at: datetime


class UnitUseRow(rows.Row):
    id: int
    purpose: str
    used_items: list[dict[str, Json]]
    unit_name: str | None
    application_number: str | None
    created_at: datetime


_VERSIONS = """
select v.id, v.version, v.effective_from, v.note, s.name as published_by, v.published_at,
       (select count(*) from sharing_entries e where e.list_id = v.id)::int as entries
from sharing_list_versions v
left join staff_members s on s.id = v.published_by_staff_id
"""


async def versions(db: Queryable) -> list[ListVersionRow]:
    return await rows.fetch(db, ListVersionRow, _VERSIONS + "order by v.version desc")


async def version_in_force(db: Queryable, day: date) -> ListVersionRow | None:
    return await rows.fetchrow(
        db,
        ListVersionRow,
        _VERSIONS + "where v.effective_from <= $1 order by v.version desc limit 1",
        day,
    )


async def latest_version(db: Queryable) -> ListVersionRow | None:
    return await rows.fetchrow(db, ListVersionRow, _VERSIONS + "order by v.version desc limit 1")


async def version_by_number(db: Queryable, version: int) -> ListVersionRow | None:
    return await rows.fetchrow(db, ListVersionRow, _VERSIONS + "where v.version = $1", version)


async def load_list(db: Queryable, head: ListVersionRow) -> SharingList:
    entries = await rows.fetch(
        db,
        EntryRow,
        """select e.id, e.subject_kind, e.subject_key, u.code as owner_code, e.legal_basis
           from sharing_entries e join units u on u.id = e.owner_unit_id
           where e.list_id = $1 order by e.subject_kind desc, e.id""",
        head.id,
    )
    grants = await rows.fetch(
        db,
        GrantRow,
        """select g.entry_id, u.code as reader_code, g.item_codes, g.bundle_codes,
                  g.welfare_check, g.legal_basis
           from sharing_grants g join units u on u.id = g.reader_unit_id
           join sharing_entries e on e.id = g.entry_id
           where e.list_id = $1 order by u.code""",
        head.id,
    )
    by_entry: dict[int, list[Grant]] = {}
    for g in grants:
        by_entry.setdefault(g.entry_id, []).append(
            Grant(
                reader=g.reader_code,
                items=frozenset(g.item_codes),
                bundles=frozenset(g.bundle_codes),
                welfare_check=g.welfare_check,
                legal_basis=g.legal_basis,
            )
        )
    return SharingList(
        version=head.version,
        effective_from=head.effective_from,
        entries=tuple(
            Entry(
                kind=SubjectKind(e.subject_kind),
                key=e.subject_key,
                owner=e.owner_code,
                legal_basis=e.legal_basis,
                grants=tuple(by_entry.get(e.id, ())),
            )
            for e in entries
        ),
    )


async def lock_lists(conn: Connection) -> None:
    """Publishers queue: version numbers are taken one at a time."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('sharing_list_versions'))")


async def insert_version(
    conn: Connection,
    *,
    effective_from: date,
    note: str,
    staff_id: int | None,
    entries: Sequence[Entry],
    unit_ids: dict[str, int],
) -> int:
    """A new version with its entries and grants; its number."""
    await lock_lists(conn)
    version = await fetch_int(
        conn, "select coalesce(max(version), 0) + 1 from sharing_list_versions"
    )
    list_id = await fetch_int(
        conn,
        """insert into sharing_list_versions (version, effective_from, note,
                                              published_by_staff_id)
           values ($1, $2, $3, $4) returning id""",
        version,
        effective_from,
        note,
        staff_id,
    )
    for e in entries:
        entry_id = await fetch_int(
            conn,
            """insert into sharing_entries (list_id, subject_kind, subject_key, owner_unit_id,
                                            legal_basis)
               values ($1, $2, $3, $4, $5) returning id""",
            list_id,
            e.kind.value,
            e.key,
            unit_ids[e.owner],
            e.legal_basis,
        )
        await conn.executemany(
            """insert into sharing_grants (entry_id, reader_unit_id, item_codes, bundle_codes,
                                           welfare_check, legal_basis)
               values ($1, $2, $3, $4, $5, $6)""",
            [
                (
                    entry_id,
                    unit_ids[g.reader],
                    sorted(g.items),
                    sorted(g.bundles),
                    g.welfare_check,
                    g.legal_basis,
                )
                for g in e.grants
            ],
        )
    return version


async def units_by_code(db: Queryable, codes: Sequence[str] | None = None) -> list[UnitNameRow]:
    return await rows.fetch(
        db,
        UnitNameRow,
        "select id, code, name from units where $1::text[] is null or code = any($1) order by code",
        None if codes is None else list(codes),
    )


async def unit_by_id(db: Queryable, unit_id: int) -> UnitNameRow | None:
    return await rows.fetchrow(
        db, UnitNameRow, "select id, code, name from units where id = $1", unit_id
    )


async def item_and_bundle_codes(db: Queryable) -> tuple[set[str], set[str]]:
    items = await fetch_column(db, str, "select code from service_items")
    bundles = await fetch_column(db, str, "select code from bundles")
    return set(items), set(bundles)


class _RefNameRow(rows.Row):
    ref: str
    name: str


async def names_of(db: Queryable, items: Sequence[str], bundles: Sequence[str]) -> dict[str, str]:
    """Names of service items ("item:<code>") and bundles ("bundle:<code>")."""
    found = await rows.fetch(
        db,
        _RefNameRow,
        """select 'item:' || code as ref, name from service_items where code = any($1)
           union all
           select 'bundle:' || code, name from bundles where code = any($2)""",
        list(items),
        list(bundles),
    )
    return {r.ref: r.name for r in found}


async def record_subject_read(
    conn: Connection,
    *,
    citizen_id: int,
    staff_id: int,
    purpose: str,
    subjects: Sequence[str],
    refused: bool,
) -> None:
    await delegation.record_read(
        conn,
        citizen_id=citizen_id,
        reader_kind="staff",
        reader_id=staff_id,
        what="vault",
        purpose=purpose,
        refused=refused,
        subjects=subjects,
    )


async def subject_reads(db: Queryable, citizen_id: int, limit: int) -> list[SubjectReadRow]:
    return await rows.fetch(
        db,
        SubjectReadRow,
        """select r.id, r.subjects, r.purpose, r.refused, s.name as reader_name,
                  u.name as unit_name, r.created_at
           from personal_data_reads r
           left join staff_members s on r.reader_kind = 'staff' and s.id = r.reader_id
           left join units u on u.id = s.unit_id
           where r.citizen_id = $1 and r.subjects is not null
           order by r.id desc limit $2""",
        citizen_id,
        limit,
    )


async def unit_uses(db: Queryable, citizen_id: int, limit: int) -> list[UnitUseRow]:
    return await rows.fetch(
        db,
        UnitUseRow,
        """select v.id, v.purpose, v.items as used_items, u.name as unit_name,
                  a.number as application_number, v.created_at
           from vault_uses v
           left join units u on u.id = v.unit_id
           left join applications a on a.id = v.application_id
           where v.citizen_id = $1 order by v.id desc limit $2""",
        citizen_id,
        limit,
    )
