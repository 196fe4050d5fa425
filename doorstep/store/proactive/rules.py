"""SQL for eligibility rules and their published versions."""

from __future__ import annotations

from collections.abc import Mapping

from doorstep.domain.rules import RuleDefinition
from doorstep.store.db import Connection, Queryable
from doorstep.store.proactive.rows import RuleRefRow, RuleRow, RuleVersionRow
from doorstep.store.rows import fetch, fetchrow
from doorstep.store.typed import fetch_int

RULE_COLUMNS = """r.id as rule_id, r.code, r.current_version, v.version, v.kind, v.category,
    v.bundle_code, v.owner_unit_id, v.condition, v.title, v.explanation, v.valid_days,
    v.fact_keys, v.published_at, u.code as owner_unit_code, u.name as owner_unit_name,
    u.region_code as owner_region_code"""
# every rule in its current version, with the unit that owns it
_CURRENT_RULES = """from offer_rules r
    join offer_rule_versions v on v.rule_id = r.id and v.version = r.current_version
    join units u on u.id = v.owner_unit_id"""


async def published_rules(db: Queryable, *, fact_keys: list[str] | None = None) -> list[RuleRow]:
    """The current version of every live rule; with `fact_keys`, those reading any of them."""
    return await fetch(
        db,
        RuleRow,
        f"""select {RULE_COLUMNS} {_CURRENT_RULES}
            where $1::text[] is null or v.fact_keys && $1::text[]
            order by r.code""",
        fact_keys,
    )


async def rule_by_code(db: Queryable, code: str) -> RuleRow | None:
    return await fetchrow(
        db,
        RuleRow,
        f"""select {RULE_COLUMNS} {_CURRENT_RULES}
            where r.code = $1""",
        code,
    )


async def rule_versions(db: Queryable, rule_ids: list[int]) -> list[RuleVersionRow]:
    return await fetch(
        db,
        RuleVersionRow,
        f"""select {RULE_COLUMNS}, s.name as published_by
            from offer_rule_versions v
            join offer_rules r on r.id = v.rule_id
            join units u on u.id = v.owner_unit_id
            left join staff_members s on s.id = v.published_by_staff_id
            where v.rule_id = any($1::bigint[])
            order by r.code, v.version desc""",
        rule_ids,
    )


async def all_rules(db: Queryable) -> list[RuleRefRow]:
    return await fetch(
        db, RuleRefRow, "select id, code, current_version from offer_rules order by code"
    )


async def lock_rule(conn: Connection, code: str) -> RuleRefRow | None:
    """The rule row locked (publishers of one code take turns); created if new."""
    await conn.execute(
        "insert into offer_rules (code) values ($1) on conflict (code) do nothing", code
    )
    return await fetchrow(
        conn,
        RuleRefRow,
        "select id, code, current_version from offer_rules where code = $1 for update",
        code,
    )


async def next_version(conn: Connection, rule_id: int) -> int:
    return await fetch_int(
        conn,
        "select coalesce(max(version), 0) + 1 from offer_rule_versions where rule_id = $1",
        rule_id,
    )


async def insert_version(
    conn: Connection,
    *,
    rule_id: int,
    version: int,
    rule: RuleDefinition,
    condition: Mapping[str, object],
    owner_unit_id: int,
    staff_id: int | None,
) -> None:
    await conn.execute(
        """insert into offer_rule_versions (rule_id, version, kind, category, bundle_code,
                                            owner_unit_id, condition, title, explanation,
                                            valid_days, fact_keys, published_by_staff_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        rule_id,
        version,
        rule.kind.value,
        rule.category.value,
        rule.bundle_code,
        owner_unit_id,
        condition,
        rule.title,
        rule.explanation,
        rule.valid_days,
        list(rule.fact_keys),
        staff_id,
    )
    await conn.execute(
        "update offer_rules set current_version = $2, updated_at = now() where id = $1",
        rule_id,
        version,
    )
