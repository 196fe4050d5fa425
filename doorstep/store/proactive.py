"""SQL for services that find people: rules, set-based evaluation, offers, appeals, visits.

Evaluation statements are assembled from fixed fragments and the output of
`doorstep.domain.rules.compile_condition` (itself only fixed fragments and `$n` placeholders):
every value, key and date is a bind parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from doorstep.domain.rules import Params, RuleDefinition, compile_condition, parse_condition
from doorstep.store.db import Connection, Queryable
from doorstep.store.proactive_rows import (
    ActiveAgentRow,
    AppealRow,
    CheckRow,
    DryRunRow,
    OfferByIdRow,
    OfferRow,
    RuleRefRow,
    RuleRow,
    RuleVersionRow,
    UnnotifiedOfferRow,
)
from doorstep.store.rows import Json, Row, fetch, fetchrow, fetchrow_one


class _CategoryRow(Row):
    category: str


# an offer in one of these keeps the rule from offering the same citizen again
BLOCKING = "('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')"

RULE_COLUMNS = """r.id as rule_id, r.code, r.current_version, v.version, v.kind, v.category,
    v.bundle_code, v.owner_unit_id, v.condition, v.title, v.explanation, v.valid_days,
    v.fact_keys, v.published_at, u.code as owner_unit_code, u.name as owner_unit_name,
    u.region_code as owner_region_code"""


# --- rules -------------------------------------------------------------------------------------


async def published_rules(db: Queryable, *, fact_keys: list[str] | None = None) -> list[RuleRow]:
    """The current version of every live rule; with `fact_keys`, those reading any of them."""
    return await fetch(
        db,
        RuleRow,
        f"""select {RULE_COLUMNS} from offer_rules r
            join offer_rule_versions v on v.rule_id = r.id and v.version = r.current_version
            join units u on u.id = v.owner_unit_id
            where $1::text[] is null or v.fact_keys && $1::text[]
            order by r.code""",
        fact_keys,
    )


async def rule_by_code(db: Queryable, code: str) -> RuleRow | None:
    return await fetchrow(
        db,
        RuleRow,
        f"""select {RULE_COLUMNS} from offer_rules r
            join offer_rule_versions v on v.rule_id = r.id and v.version = r.current_version
            join units u on u.id = v.owner_unit_id
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
    value: int = await conn.fetchval(
        "select coalesce(max(version), 0) + 1 from offer_rule_versions where rule_id = $1", rule_id
    )
    return value


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


# --- evaluation --------------------------------------------------------------------------------


def _matches(
    condition: Json,
    params: Params,
    *,
    one_citizen: bool,
    evidence: bool = True,
) -> tuple[str, str, str]:
    """(from-and-where SQL, evidence SQL, joins) for the citizens a rule version matches.

    Expected params already present: $1 evaluation date, $2 region prefix, $3 citizen id (null
    unless `one_citizen`).
    """
    compiled = compile_condition(parse_condition(condition), params, "$1::date", evidence=evidence)
    # $1 and $3 are referenced whatever the condition, so every statement takes the same three
    # leading parameters (an unreferenced one has no type and cannot be prepared)
    only = "and c.id = $3::bigint" if one_citizen else "and $3::bigint is null"
    body = f"""from citizens c
        {compiled.joins}
        where c.region_code like $2::text || '%' {only} and $1::date is not null
          and {compiled.where}"""
    return body, compiled.evidence, compiled.joins


async def insert_offers(
    conn: Connection, rule: RuleRow, as_of: date, citizen_id: int | None = None
) -> int:
    """New opportunities for everyone the rule matches now, once each; returns how many.

    Skips citizens who opted out of the category, and those the rule already reached (a
    partial unique index backs the NOT IN, so two evaluators at once still make one). The
    vault use (the rule's unit read these facts) is logged when the offer is published to
    the person (`record_offer_uses`), keeping this statement to one insert.
    """
    params = Params(as_of, rule.owner_region_code, citizen_id)
    body, evidence, _joins = _matches(rule.condition, params, one_citizen=citizen_id is not None)
    rule_id = params.add(rule.rule_id, "bigint")
    version = params.add(rule.version, "int")
    kind = params.add(rule.kind, "text")
    category = params.add(rule.category, "text")
    days = params.add(rule.valid_days, "int")
    sql = f"""
        with matched as (
            select c.id as citizen_id, {evidence} as evidence
            {body}
              and not exists (select 1 from offer_opt_outs o
                              where o.citizen_id = c.id and o.category = {category})
              -- NOT IN over a NOT NULL column: a hashed subplan, built once. (A NOT EXISTS
              -- was planned as a nested loop from stale statistics of this fast-growing
              -- table, a scan of it per matched citizen.)
              and c.id not in (select p.citizen_id from opportunities p
                               where p.rule_id = {rule_id} and p.status in {BLOCKING})),
        inserted as (
            insert into opportunities (citizen_id, rule_id, rule_version, kind, category,
                                       evidence, expires_at)
            select citizen_id, {rule_id}, {version}, {kind}, {category}, evidence,
                   now() + make_interval(days => {days})
            from matched
            on conflict do nothing
            returning id)
        select count(*) from inserted"""
    count: int = await conn.fetchval(sql, *params.values)
    return count


async def lapse_offers(
    conn: Connection, rule: RuleRow, as_of: date, citizen_id: int | None = None
) -> int:
    """Open offers of the rule whose citizen it no longer matches (data changed, a new version)
    are marked lapsed; they no longer block a future offer."""
    params = Params(as_of, rule.owner_region_code, citizen_id)
    compiled = compile_condition(
        parse_condition(rule.condition), params, "$1::date", evidence=False
    )
    rule_id = params.add(rule.rule_id, "bigint")
    only = "and p.citizen_id = $3::bigint" if citizen_id is not None else "and $3::bigint is null"
    sql = f"""
        update opportunities p set status = 'lapsed', status_reason = 'no_longer_applies',
               decided_at = now()
        where p.rule_id = {rule_id} and p.status = 'open' and p.kind <> 'welfare_check'
          {only}
          and not exists (
              select 1 from citizens c
              {compiled.joins}
              where c.id = p.citizen_id and c.region_code like $2::text || '%'
                and $1::date is not null and {compiled.where})"""
    result = await conn.execute(sql, *params.values)
    return int(result.split()[-1])


async def dry_run(
    conn: Connection,
    *,
    condition: Json,
    owner_region_code: str,
    category_code: str,
    rule_id: int | None,
    as_of: date,
) -> DryRunRow:
    """How a rule version would change the offers: gain (new offers), lose (open offers that
    would lapse), keep (open offers that still match), and how many citizens match at all."""
    params = Params(as_of, owner_region_code, None)
    body, _evidence, _joins = _matches(condition, params, one_citizen=False, evidence=False)
    rid = params.add(rule_id, "bigint")
    category = params.add(category_code, "text")
    sql = f"""
        with matched as materialized (select c.id as citizen_id {body}),
        open_offers as (select citizen_id from opportunities
                        where rule_id = {rid} and status = 'open' and kind <> 'welfare_check')
        select
          (select count(*) from matched) as matched,
          (select count(*) from matched m
            where not exists (select 1 from offer_opt_outs o
                              where o.citizen_id = m.citizen_id and o.category = {category})
              and m.citizen_id not in (select p.citizen_id from opportunities p
                                       where p.rule_id = {rid} and p.status in {BLOCKING}))
            as gain,
          (select count(*) from open_offers p
            where not exists (select 1 from matched m where m.citizen_id = p.citizen_id))
            as lose,
          (select count(*) from open_offers p
            where exists (select 1 from matched m where m.citizen_id = p.citizen_id)) as keep"""
    return await fetchrow_one(conn, DryRunRow, sql, *params.values)


async def expire_offers(conn: Connection) -> int:
    result = await conn.execute(
        """update opportunities set status = 'expired', status_reason = 'not_answered',
                  decided_at = now()
           where status = 'open' and kind <> 'welfare_check' and expires_at <= now()"""
    )
    return int(result.split()[-1])


# --- reaching people ---------------------------------------------------------------------------


async def claim_unnotified(conn: Connection, limit: int) -> list[UnnotifiedOfferRow]:
    """Open offers nobody was told of yet, locked (SKIP LOCKED: workers share the backlog)."""
    return await fetch(
        conn,
        UnnotifiedOfferRow,
        """select p.id, p.citizen_id, p.kind, p.category, p.evidence, p.created_at,
                  p.expires_at, p.rule_id, p.rule_version, v.title, v.explanation,
                  v.owner_unit_id, r.code as rule_code, c.phone, c.language, c.region_code,
                  c.elder_mode
           from opportunities p
           join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version
           join offer_rules r on r.id = p.rule_id
           join citizens c on c.id = p.citizen_id
           where p.notified_at is null and p.status = 'open'
           order by p.id limit $1
           for update of p skip locked""",
        limit,
    )


async def record_offer_uses(conn: Connection, ids: list[int]) -> None:
    """The rule's unit used the facts its condition reads to find these offers: one vault use
    each, for the citizen's log."""
    await conn.execute(
        """insert into vault_uses (citizen_id, unit_id, purpose, items, opportunity_id)
           select p.citizen_id, v.owner_unit_id, 'offer',
                  (select jsonb_agg(jsonb_build_object('kind', 'fact', 'key', k))
                   from unnest(v.fact_keys) k),
                  p.id
           from opportunities p
           join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version
           where p.id = any($1::bigint[])""",
        ids,
    )


async def mark_notified(conn: Connection, ids: list[int]) -> None:
    await conn.execute(
        "update opportunities set notified_at = now() where id = any($1::bigint[])", ids
    )


async def active_agents(db: Queryable, principal_id: int) -> list[ActiveAgentRow]:
    """Agents acting for the citizen now (帮办代办), with the themes they may act on."""
    return await fetch(
        db,
        ActiveAgentRow,
        """select c.id, c.phone, c.language, d.themes
           from delegations d join citizens c on c.id = d.agent_id
           where d.principal_id = $1 and d.status = 'active'
             and d.valid_from <= now() and d.valid_until > now()
           order by d.id""",
        principal_id,
    )


async def community_unit_for(db: Queryable, region_code: str | None, fallback_unit_id: int) -> int:
    """The community (or else street office) whose area holds the citizen's region code."""
    if region_code:
        found = await db.fetchval(
            """select id from units
               where kind in ('community', 'street_office') and $1 like region_code || '%'
               order by length(region_code) desc, (kind = 'community') desc, id limit 1""",
            region_code,
        )
        if found is not None:
            return int(found)
    return fallback_unit_id


async def insert_welfare_check(
    conn: Connection, *, opportunity_id: int, citizen_id: int, unit_id: int, due_on: date
) -> int | None:
    value: int | None = await conn.fetchval(
        """insert into welfare_checks (opportunity_id, citizen_id, unit_id, due_on)
           values ($1, $2, $3, $4) on conflict (opportunity_id) do nothing returning id""",
        opportunity_id,
        citizen_id,
        unit_id,
        due_on,
    )
    return value


# --- offers seen by citizens -------------------------------------------------------------------

OFFER_COLUMNS = """p.id, p.citizen_id, p.rule_id, p.rule_version, p.kind, p.category, p.evidence,
    p.status, p.status_reason, p.created_at, p.expires_at, p.decided_at, p.application_id,
    r.code as rule_code, v.title, v.explanation, v.bundle_code, v.owner_unit_id,
    v.valid_days, ou.region_code as owner_region_code, ou.name as owner_unit_name,
    a.number as application_number, ap.id as appeal_id, ap.status as appeal_status,
    ap.decision_note as appeal_note, ap.reason as appeal_reason"""

_OFFER_FROM = """from opportunities p
    join offer_rules r on r.id = p.rule_id
    join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version
    join units ou on ou.id = v.owner_unit_id
    left join applications a on a.id = p.application_id
    left join offer_appeals ap on ap.opportunity_id = p.id"""


async def offers_of(
    db: Queryable, citizen_id: int, statuses: list[str] | None, limit: int
) -> list[OfferRow]:
    return await fetch(
        db,
        OfferRow,
        f"""select {OFFER_COLUMNS} {_OFFER_FROM}
            where p.citizen_id = $1 and p.kind <> 'welfare_check'
              and ($2::text[] is null or p.status = any($2::text[]))
            order by p.id desc limit $3""",
        citizen_id,
        statuses,
        limit,
    )


async def offer_by_id(db: Queryable, offer_id: int, *, lock: bool = False) -> OfferByIdRow | None:
    return await fetchrow(
        db,
        OfferByIdRow,
        f"""select {OFFER_COLUMNS}, (p.expires_at <= now()) as past_expiry {_OFFER_FROM}
            where p.id = $1 {"for update of p" if lock else ""}""",
        offer_id,
    )


async def set_offer_status(
    conn: Connection,
    offer_id: int,
    status: str,
    *,
    reason: str | None = None,
    application_id: int | None = None,
    expires_in_days: int | None = None,
) -> None:
    await conn.execute(
        """update opportunities set status = $2, status_reason = $3,
                  application_id = coalesce($4, application_id), decided_at = now(),
                  expires_at = case when $5::int is null then expires_at
                                    else now() + make_interval(days => $5::int) end
           where id = $1""",
        offer_id,
        status,
        reason,
        application_id,
        expires_in_days,
    )


async def opt_outs(db: Queryable, citizen_id: int) -> list[str]:
    rows = await fetch(
        db, _CategoryRow, "select category from offer_opt_outs where citizen_id = $1", citizen_id
    )
    return [r.category for r in rows]


async def set_opt_out(conn: Connection, citizen_id: int, category: str, opted_out: bool) -> int:
    """Opt in or out; opting out closes the category's open offers (dismissed). Returns how
    many offers were closed."""
    if not opted_out:
        await conn.execute(
            "delete from offer_opt_outs where citizen_id = $1 and category = $2",
            citizen_id,
            category,
        )
        return 0
    await conn.execute(
        """insert into offer_opt_outs (citizen_id, category) values ($1, $2)
           on conflict do nothing""",
        citizen_id,
        category,
    )
    result = await conn.execute(
        """update opportunities set status = 'dismissed', status_reason = 'opted_out',
                  decided_at = now()
           where citizen_id = $1 and category = $2 and status = 'open'""",
        citizen_id,
        category,
    )
    return int(result.split()[-1])


# --- appeals -----------------------------------------------------------------------------------

APPEAL_COLUMNS = """ap.id, ap.opportunity_id, ap.citizen_id, ap.unit_id, ap.reason, ap.status,
    ap.decision_note, ap.created_at, ap.decided_at, u.code as unit_code, u.name as unit_name,
    u.region_code as unit_region_code, c.name as citizen_name,
    c.resident_id_masked as citizen_resident_id_masked, p.evidence, p.rule_version,
    p.created_at as offer_created_at, r.code as rule_code, v.title, v.explanation"""

_APPEAL_FROM = """from offer_appeals ap
    join units u on u.id = ap.unit_id
    join citizens c on c.id = ap.citizen_id
    join opportunities p on p.id = ap.opportunity_id
    join offer_rules r on r.id = p.rule_id
    join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version"""


async def insert_appeal(
    conn: Connection, *, opportunity_id: int, citizen_id: int, unit_id: int, reason: str
) -> int:
    appeal_id: int = await conn.fetchval(
        """insert into offer_appeals (opportunity_id, citizen_id, unit_id, reason)
           values ($1, $2, $3, $4) returning id""",
        opportunity_id,
        citizen_id,
        unit_id,
        reason,
    )
    return appeal_id


async def appeals_of_units(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int
) -> list[AppealRow]:
    return await fetch(
        db,
        AppealRow,
        f"""select {APPEAL_COLUMNS} {_APPEAL_FROM}
            where ap.unit_id = any($1::bigint[]) and ap.status = any($2::text[])
            order by ap.id limit $3""",
        unit_ids,
        statuses,
        limit,
    )


async def appeal_for_update(conn: Connection, appeal_id: int) -> AppealRow | None:
    return await fetchrow(
        conn,
        AppealRow,
        f"select {APPEAL_COLUMNS} {_APPEAL_FROM} where ap.id = $1 for update of ap, p",
        appeal_id,
    )


async def decide_appeal(
    conn: Connection, appeal_id: int, *, status: str, staff_id: int | None, note: str
) -> None:
    await conn.execute(
        """update offer_appeals set status = $2, reviewer_staff_id = $3, decision_note = $4,
                  decided_at = now() where id = $1""",
        appeal_id,
        status,
        staff_id,
        note,
    )


# --- welfare checks ----------------------------------------------------------------------------

CHECK_COLUMNS = """w.id, w.opportunity_id, w.citizen_id, w.unit_id, w.status, w.due_on,
    w.outcome, w.note, w.created_at, w.done_at, u.code as unit_code, u.name as unit_name,
    u.region_code as unit_region_code, c.name as citizen_name, c.phone as citizen_phone,
    c.region_code as citizen_region_code, p.evidence, p.rule_version,
    p.created_at as offer_created_at, r.code as rule_code, v.title, v.explanation"""

_CHECK_FROM = """from welfare_checks w
    join units u on u.id = w.unit_id
    join citizens c on c.id = w.citizen_id
    join opportunities p on p.id = w.opportunity_id
    join offer_rules r on r.id = p.rule_id
    join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version"""


async def checks_of_units(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int
) -> list[CheckRow]:
    return await fetch(
        db,
        CheckRow,
        f"""select {CHECK_COLUMNS} {_CHECK_FROM}
            where w.unit_id = any($1::bigint[]) and w.status = any($2::text[])
            order by w.due_on, w.id limit $3""",
        unit_ids,
        statuses,
        limit,
    )


async def check_for_update(conn: Connection, check_id: int) -> CheckRow | None:
    return await fetchrow(
        conn,
        CheckRow,
        f"select {CHECK_COLUMNS} {_CHECK_FROM} where w.id = $1 for update of w, p",
        check_id,
    )


async def finish_check(
    conn: Connection, check_id: int, *, outcome: str, note: str | None, staff_id: int | None
) -> None:
    await conn.execute(
        """update welfare_checks set status = 'done', outcome = $2, note = $3, staff_id = $4,
                  done_at = now() where id = $1""",
        check_id,
        outcome,
        note,
        staff_id,
    )


async def record_reads(
    conn: Connection, citizen_ids: list[int], reader_id: int, what: str, purpose: str
) -> None:
    """Staff saw these citizens' data: one personal_data_reads row each (see DESIGN.md)."""
    if not citizen_ids:
        return
    await conn.execute(
        """insert into personal_data_reads (citizen_id, reader_kind, reader_id, what, purpose)
           select unnest($1::bigint[]), 'staff', $2, $3, $4""",
        citizen_ids,
        reader_id,
        what,
        purpose,
    )


async def rerun_for_citizen(
    conn: Connection, citizen_id: int, fact_keys: list[str], as_of: date
) -> dict[str, dict[str, int]]:
    """After a citizen's facts changed: every live rule that reads one of them, for that
    citizen only: offers that no longer apply lapse, new findings become offers."""
    done: dict[str, dict[str, int]] = {}
    for rule in await published_rules(conn, fact_keys=fact_keys):
        lapsed = await lapse_offers(conn, rule, as_of, citizen_id)
        created = await insert_offers(conn, rule, as_of, citizen_id)
        done[rule.code] = {"created": created, "lapsed": lapsed}
    return done
