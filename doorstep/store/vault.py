"""SQL for the once-only vault: documents, facts (with history) and uses; corrections are in
`store.vault_corrections`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from doorstep.domain.vault import FACTS, FactType
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow

# kept importable from here for the offers and welfare checks that read it so
from doorstep.store.staff_phones import unit_staff_phones as unit_staff_phones
from doorstep.store.typed import fetch_int, fetch_optional

FactValue = bool | int | date | str


class UnitRefRow(Row):
    id: int
    code: str
    name: str
    kind: str
    region_code: str


class CitizenRefRow(Row):
    id: int
    region_code: str | None
    language: str


class DocumentRow(Row):
    """A current document with where it came from (a unit, or an application's upload)."""

    id: int
    citizen_id: int
    doc_type: str
    number_masked: str | None
    issuer: str
    valid_until: date | None
    file_ref: str | None
    file_sha256: str | None
    source_unit_id: int | None
    source_application_id: int | None
    created_at: datetime
    unit_code: str | None
    unit_name: str | None
    application_number: str | None


class FactRow(Row):
    """A fact; its value is in the one column of its type (see fact_value)."""

    citizen_id: int
    key: str
    value_type: str
    flag: bool | None
    num: Decimal | None
    day: date | None
    txt: str | None
    source_unit_id: int
    as_of: datetime
    recorded_at: datetime
    unit_code: str
    unit_name: str


class _StoredValueRow(Row):
    flag: bool | None
    num: Decimal | None
    day: date | None
    txt: str | None
    source_unit_id: int


class UseRow(Row):
    """One use of the vault, with what it served (an application or an offer's rule)."""

    id: int
    unit_id: int | None
    purpose: str
    used_items: list[dict[str, Json]]  # vault_uses.items: `items` is a record's method
    created_at: datetime
    opportunity_id: int | None
    unit_code: str | None
    unit_name: str | None
    application_number: str | None
    bundle_name: str | None
    rule_code: str | None
    rule_version: int | None
    rule_title: dict[str, str] | None


FACT_COLUMNS = """f.citizen_id, f.key, f.value_type, f.flag, f.num, f.day, f.txt,
    f.source_unit_id, f.as_of, f.recorded_at, u.code as unit_code, u.name as unit_name"""


def typed_columns(
    key: str, value: FactValue
) -> tuple[str, bool | None, int | None, date | None, str | None]:
    """(value_type, flag, num, day, txt) for a value already parsed for its key."""
    kind = FACTS[key].type
    return (
        kind.value,
        value if kind is FactType.BOOL and isinstance(value, bool) else None,
        value if kind is FactType.INT and isinstance(value, int) else None,
        value if kind is FactType.DATE and isinstance(value, date) else None,
        value if kind is FactType.TEXT and isinstance(value, str) else None,
    )


def fact_value(row: FactRow) -> FactValue | None:
    kind = FactType(row.value_type)
    if kind is FactType.BOOL:
        return row.flag
    if kind is FactType.INT:
        return int(row.num) if row.num is not None else None
    if kind is FactType.DATE:
        return row.day
    return row.txt


async def unit_by_code(db: Queryable, code: str) -> UnitRefRow | None:
    return await fetchrow(
        db, UnitRefRow, "select id, code, name, kind, region_code from units where code = $1", code
    )


async def unit_by_id(db: Queryable, unit_id: int) -> UnitRefRow | None:
    return await fetchrow(
        db, UnitRefRow, "select id, code, name, kind, region_code from units where id = $1", unit_id
    )


async def citizen_by_index(db: Queryable, index: bytes) -> CitizenRefRow | None:
    return await fetchrow(
        db,
        CitizenRefRow,
        # only a verified holder: facts about a person never go to an account that merely
        # typed their ID number
        """select id, region_code, language from citizens
           where resident_id_index = $1 and identity_verified_at is not null""",
        index,
    )


# --- documents ---------------------------------------------------------------------------------

DOCUMENT_COLUMNS = """d.id, d.citizen_id, d.doc_type, d.number_masked, d.issuer, d.valid_until,
    d.file_ref, d.file_sha256, d.source_unit_id, d.source_application_id, d.created_at,
    u.code as unit_code, u.name as unit_name, a.number as application_number"""


async def documents_of(
    db: Queryable, citizen_id: int, today: date | None = None
) -> list[DocumentRow]:
    """The citizen's current documents; with `today`, only those still valid then."""
    return await fetch(
        db,
        DocumentRow,
        f"""select {DOCUMENT_COLUMNS} from vault_documents d
            left join units u on u.id = d.source_unit_id
            left join applications a on a.id = d.source_application_id
            where d.citizen_id = $1 and d.revoked_at is null
              and ($2::date is null or d.valid_until is null or d.valid_until >= $2)
            order by d.doc_type, d.id""",
        citizen_id,
        today,
    )


async def upsert_document(
    conn: Connection,
    *,
    citizen_id: int,
    doc_type: str,
    number_enc: bytes | None,
    number_index: bytes | None,
    number_masked: str | None,
    issuer: str,
    valid_until: date | None,
    file_ref: str | None,
    file_sha256: str | None,
    source_unit_id: int | None,
    source_application_id: int | None,
) -> int:
    """Insert a document; the same document (type and number) again only refreshes it."""
    if number_index is not None:
        existing = await fetch_optional(
            conn,
            int,
            """update vault_documents set issuer = $4, valid_until = $5,
                      file_ref = coalesce($6, file_ref), file_sha256 = coalesce($7, file_sha256),
                      source_unit_id = coalesce(source_unit_id, $8), updated_at = now()
               where citizen_id = $1 and doc_type = $2 and number_index = $3
                 and revoked_at is null
               returning id""",
            citizen_id,
            doc_type,
            number_index,
            issuer,
            valid_until,
            file_ref,
            file_sha256,
            source_unit_id,
        )
        if existing is not None:
            return existing
    return await fetch_int(
        conn,
        """insert into vault_documents (citizen_id, doc_type, number_enc, number_index,
                                        number_masked, issuer, valid_until, file_ref,
                                        file_sha256, source_unit_id, source_application_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id""",
        citizen_id,
        doc_type,
        number_enc,
        number_index,
        number_masked,
        issuer,
        valid_until,
        file_ref,
        file_sha256,
        source_unit_id,
        source_application_id,
    )


async def link_documents_to_application(
    conn: Connection, doc_ids: list[int], application_id: int
) -> None:
    await conn.execute(
        """update vault_documents set source_application_id = $2
           where id = any($1::bigint[]) and source_unit_id is null
             and source_application_id is null""",
        doc_ids,
        application_id,
    )


# --- facts -------------------------------------------------------------------------------------


async def facts_of(db: Queryable, citizen_id: int, keys: list[str] | None = None) -> list[FactRow]:
    return await fetch(
        db,
        FactRow,
        f"""select {FACT_COLUMNS} from vault_facts f join units u on u.id = f.source_unit_id
            where f.citizen_id = $1 and ($2::text[] is null or f.key = any($2::text[]))
            order by f.key""",
        citizen_id,
        keys,
    )


async def fact_for_update(conn: Connection, citizen_id: int, key: str) -> FactRow | None:
    return await fetchrow(
        conn,
        FactRow,
        f"""select {FACT_COLUMNS} from vault_facts f join units u on u.id = f.source_unit_id
            where f.citizen_id = $1 and f.key = $2 for update of f""",
        citizen_id,
        key,
    )


async def put_fact(
    conn: Connection,
    *,
    citizen_id: int,
    key: str,
    value: FactValue,
    source_unit_id: int,
    as_of: datetime,
    replaced_by: str = "update",
    correction_id: int | None = None,
) -> bool:
    """Set a fact; the value it replaces goes to history. True if anything changed.

    Three statements, not one: a CTE that locks the old row is read lazily, after the upsert
    in the same statement has touched that row, and then sees nothing.
    """
    value_type, flag, num, day, txt = typed_columns(key, value)
    old = await fetchrow(
        conn,
        _StoredValueRow,
        """select flag, num, day, txt, source_unit_id from vault_facts
           where citizen_id = $1 and key = $2 for update""",
        citizen_id,
        key,
    )
    changed = old is None or (old.flag, old.num, old.day, old.txt, old.source_unit_id) != (
        flag,
        num,
        day,
        txt,
        source_unit_id,
    )
    if old is not None and changed:
        await conn.execute(
            """insert into vault_fact_history (citizen_id, key, value_type, flag, num, day, txt,
                                               source_unit_id, as_of, replaced_by,
                                               correction_id)
               select citizen_id, key, value_type, flag, num, day, txt, source_unit_id, as_of,
                      $3, $4
               from vault_facts where citizen_id = $1 and key = $2""",
            citizen_id,
            key,
            replaced_by,
            correction_id,
        )
    await conn.execute(
        """insert into vault_facts (citizen_id, key, value_type, flag, num, day, txt,
                                    source_unit_id, as_of)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (citizen_id, key) do update set
               value_type = excluded.value_type, flag = excluded.flag, num = excluded.num,
               day = excluded.day, txt = excluded.txt, source_unit_id = excluded.source_unit_id,
               as_of = excluded.as_of, recorded_at = now()""",
        citizen_id,
        key,
        value_type,
        flag,
        num,
        day,
        txt,
        source_unit_id,
        as_of,
    )
    return changed


# --- uses --------------------------------------------------------------------------------------


async def record_use(
    conn: Connection,
    *,
    citizen_id: int,
    unit_id: int | None,
    purpose: str,
    items: Sequence[Mapping[str, object]],
    application_id: int | None = None,
    opportunity_id: int | None = None,
) -> None:
    await conn.execute(
        """insert into vault_uses (citizen_id, unit_id, purpose, items, application_id,
                                   opportunity_id)
           values ($1, $2, $3, $4, $5, $6)""",
        citizen_id,
        unit_id,
        purpose,
        items,
        application_id,
        opportunity_id,
    )


async def uses_of(
    db: Queryable, citizen_id: int, limit: int, before_id: int | None
) -> list[UseRow]:
    return await fetch(
        db,
        UseRow,
        """select v.id, v.unit_id, v.purpose, v.items as used_items, v.created_at, v.opportunity_id,
                  u.code as unit_code, u.name as unit_name, a.number as application_number,
                  b.name as bundle_name, r.code as rule_code, p.rule_version,
                  rv.title as rule_title
           from vault_uses v
           left join units u on u.id = v.unit_id
           left join applications a on a.id = v.application_id
           left join bundles b on b.id = a.bundle_id
           left join opportunities p on p.id = v.opportunity_id
           left join offer_rules r on r.id = p.rule_id
           left join offer_rule_versions rv on rv.rule_id = p.rule_id
                                            and rv.version = p.rule_version
           where v.citizen_id = $1 and ($3::bigint is null or v.id < $3)
           order by v.id desc limit $2""",
        citizen_id,
        limit,
        before_id,
    )
