"""SQL for set-based evaluation: a rule's condition run over every citizen (or one) at once.

Statements are assembled from fixed fragments and the output of
`doorstep.domain.rules.compile_condition` (itself only fixed fragments and `$n` placeholders):
every value, key and date is a bind parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from doorstep.domain.rule_sql import Params, compile_condition
from doorstep.domain.rules import parse_condition
from doorstep.store.db import Connection
from doorstep.store.proactive.rows import DryRunRow, RuleRow
from doorstep.store.proactive.rules import published_rules
from doorstep.store.rows import Json, fetchrow_one
from doorstep.store.typed import fetch_int

# an offer in one of these keeps the rule from offering the same citizen again
BLOCKING = "('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')"


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
    return await fetch_int(conn, sql, *params.values)


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


async def rerun_for_citizen(
    conn: Connection,
    citizen_id: int,
    fact_keys: list[str],
    as_of: date,
    allowed: Callable[[RuleRow], bool] | None = None,
) -> dict[str, dict[str, int]]:
    """After a citizen's facts changed: every live rule that reads one of them (and that
    `allowed` lets run: the data-sharing list), for that citizen only: offers that no longer
    apply lapse, new findings become offers."""
    done: dict[str, dict[str, int]] = {}
    for rule in await published_rules(conn, fact_keys=fact_keys):
        if allowed is not None and not allowed(rule):
            continue
        lapsed = await lapse_offers(conn, rule, as_of, citizen_id)
        created = await insert_offers(conn, rule, as_of, citizen_id)
        done[rule.code] = {"created": created, "lapsed": lapsed}
    return done
