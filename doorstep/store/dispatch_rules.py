"""SQL for dispatch rule sets: the published one, drafts, publishing, and dry-run input."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, chunks, fetch, fetchrow, fetchrow_by, fetchrow_one
from doorstep.store.typed import fetch_int, fetch_optional, next_in_sequence


class RuleRow(Row):
    """A dispatch rule with its lead unit and its assisting units' codes."""

    rule_set_id: int
    rule_no: int
    version: int
    priority: int
    kinds: list[str]
    categories: list[str]
    region_prefixes: list[str]
    keywords: list[str]
    urgencies: list[str]
    lead_unit_id: int
    assisting_unit_ids: list[int]
    deadline_profile: str | None
    note: str
    lead_unit_code: str
    lead_unit_name: str
    assisting_unit_codes: list[str]


class RuleSetRow(Row):
    id: int
    status: str
    base_id: int | None
    author_staff_id: int | None
    note: str
    published_by_staff_id: int | None
    published_at: datetime | None
    # what publishing found: {"rule_no", "code", "params"} each
    warnings: list[dict[str, Json]]
    created_at: datetime
    updated_at: datetime


class PublishedSetRow(RuleSetRow):
    rule_count: int


class _EngineKeyRow(Row):
    set_id: int | None
    version: int | None


_SET_COLUMNS = """id, status, base_id, author_staff_id, note, published_by_staff_id,
    published_at, warnings, created_at, updated_at"""
_SETS = f"select {_SET_COLUMNS} from dispatch_rule_sets"

_RULE_COLUMNS = """r.rule_set_id, r.rule_no, r.version, r.priority, r.kinds, r.categories,
    r.region_prefixes, r.keywords, r.urgencies, r.lead_unit_id, r.assisting_unit_ids,
    r.deadline_profile, r.note, u.code as lead_unit_code, u.name as lead_unit_name,
    (select coalesce(array_agg(a.code order by a.code), '{}') from units a
      where a.id = any(r.assisting_unit_ids)) as assisting_unit_codes"""
_RULES = f"select {_RULE_COLUMNS} from dispatch_rules r join units u on u.id = r.lead_unit_id"


async def published_id(db: Queryable) -> int | None:
    return await fetch_optional(
        db, int, "select id from dispatch_rule_sets where status = 'published'"
    )


async def engine_key(db: Queryable) -> tuple[int | None, int]:
    """The published set and the catalog version: what a compiled engine depends on."""
    row = await fetchrow_one(
        db,
        _EngineKeyRow,
        """select (select id from dispatch_rule_sets where status = 'published') as set_id,
                  (select version from ticket_catalog_version) as version""",
    )
    return row.set_id, row.version or 0


async def rule_set(db: Queryable, set_id: int) -> RuleSetRow | None:
    return await fetchrow_by(db, RuleSetRow, _SETS, "id", set_id)


async def lock_rule_set(conn: Connection, set_id: int) -> RuleSetRow | None:
    return await fetchrow_by(conn, RuleSetRow, _SETS, "id", set_id, lock=True)


async def rules_of(db: Queryable, set_id: int) -> list[RuleRow]:
    return await fetch(
        db,
        RuleRow,
        f"{_RULES} where r.rule_set_id = $1 order by r.priority, r.rule_no",
        set_id,
    )


async def _draft_of(db: Queryable, staff_id: int, lock: str) -> RuleSetRow | None:
    return await fetchrow(
        db,
        RuleSetRow,
        f"{_SETS} where status = 'draft' and author_staff_id = $1 {lock}",
        staff_id,
    )


async def draft_of(db: Queryable, staff_id: int) -> RuleSetRow | None:
    return await _draft_of(db, staff_id, "")


async def lock_draft_of(conn: Connection, staff_id: int) -> RuleSetRow | None:
    return await _draft_of(conn, staff_id, "for update")


async def create_draft(conn: Connection, staff_id: int, base_id: int | None) -> int:
    """A draft holding a copy of the base set's rules."""
    draft_id = await fetch_int(
        conn,
        """insert into dispatch_rule_sets (status, base_id, author_staff_id)
           values ('draft', $1, $2) returning id""",
        base_id,
        staff_id,
    )
    if base_id is not None:
        await conn.execute(
            """insert into dispatch_rules (rule_set_id, rule_no, version, priority, kinds,
                   categories, region_prefixes, keywords, urgencies, lead_unit_id,
                   assisting_unit_ids, deadline_profile, note)
               select $1, rule_no, version, priority, kinds, categories, region_prefixes,
                      keywords, urgencies, lead_unit_id, assisting_unit_ids, deadline_profile,
                      note
               from dispatch_rules where rule_set_id = $2""",
            draft_id,
            base_id,
        )
    return draft_id


async def next_rule_no(conn: Connection) -> int:
    return await next_in_sequence(conn, "dispatch_rule_no")


async def rule_in(conn: Connection, set_id: int | None, rule_no: int) -> RuleRow | None:
    if set_id is None:
        return None
    return await fetchrow(
        conn,
        RuleRow,
        f"{_RULES} where r.rule_set_id = $1 and r.rule_no = $2",
        set_id,
        rule_no,
    )


async def upsert_rule(conn: Connection, set_id: int, rule: Mapping[str, object]) -> None:
    await conn.execute(
        """insert into dispatch_rules (rule_set_id, rule_no, version, priority, kinds,
               categories, region_prefixes, keywords, urgencies, lead_unit_id,
               assisting_unit_ids, deadline_profile, note)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           on conflict (rule_set_id, rule_no) do update set version = excluded.version,
               priority = excluded.priority, kinds = excluded.kinds,
               categories = excluded.categories, region_prefixes = excluded.region_prefixes,
               keywords = excluded.keywords, urgencies = excluded.urgencies,
               lead_unit_id = excluded.lead_unit_id,
               assisting_unit_ids = excluded.assisting_unit_ids,
               deadline_profile = excluded.deadline_profile, note = excluded.note""",
        set_id,
        rule["rule_no"],
        rule["version"],
        rule["priority"],
        rule["kinds"],
        rule["categories"],
        rule["region_prefixes"],
        rule["keywords"],
        rule["urgencies"],
        rule["lead_unit_id"],
        rule["assisting_unit_ids"],
        rule["deadline_profile"],
        rule["note"],
    )
    await conn.execute("update dispatch_rule_sets set updated_at = now() where id = $1", set_id)


async def delete_rule(conn: Connection, set_id: int, rule_no: int) -> bool:
    status: str = await conn.execute(
        "delete from dispatch_rules where rule_set_id = $1 and rule_no = $2", set_id, rule_no
    )
    await conn.execute("update dispatch_rule_sets set updated_at = now() where id = $1", set_id)
    return status.endswith(" 1")


async def discard(conn: Connection, set_id: int) -> None:
    await conn.execute("delete from dispatch_rules where rule_set_id = $1", set_id)
    await conn.execute(
        "update dispatch_rule_sets set status = 'discarded', updated_at = now() where id = $1",
        set_id,
    )


async def publish(
    conn: Connection,
    draft_id: int,
    previous_id: int | None,
    staff_id: int | None,
    note: str,
    warnings: Sequence[Mapping[str, object]],
) -> None:
    if previous_id is not None:
        await conn.execute(
            "update dispatch_rule_sets set status = 'superseded' where id = $1", previous_id
        )
    await conn.execute(
        """update dispatch_rule_sets set status = 'published', published_at = now(),
               published_by_staff_id = $2, note = $3, warnings = $4, updated_at = now()
           where id = $1""",
        draft_id,
        staff_id,
        note,
        warnings,
    )


async def history(db: Queryable, limit: int) -> list[PublishedSetRow]:
    return await fetch(
        db,
        PublishedSetRow,
        f"""select {_SET_COLUMNS},
                  (select count(*) from dispatch_rules r where r.rule_set_id = s.id) as rule_count
           from dispatch_rule_sets s where s.status in ('published', 'superseded')
           order by s.id desc limit $1""",
        limit,
    )


class RecentTicketRow(Row):
    """What a dry run replays of a ticket: the facts a rule set routes by."""

    number: str
    kind: str
    category_code: str
    region_code: str
    description: str
    urgency: str


def recent_tickets(
    conn: Connection, since: datetime, region_prefix: str, limit: int, chunk: int
) -> AsyncIterator[list[RecentTicketRow]]:
    """The newest `limit` tickets of the region since `since`, `chunk` at a time (a cursor: call
    it inside a transaction)."""
    return chunks(
        conn,
        RecentTicketRow,
        chunk,
        """select number, kind, category_code, region_code, description, urgency
           from tickets where created_at >= $1 and region_code like $2 || '%'
           order by created_at desc limit $3""",
        since,
        region_prefix,
        limit,
    )


async def count_recent(db: Queryable, since: datetime, region_prefix: str) -> int:
    return await fetch_int(
        db,
        "select count(*) from tickets where created_at >= $1 and region_code like $2 || '%'",
        since,
        region_prefix,
    )
