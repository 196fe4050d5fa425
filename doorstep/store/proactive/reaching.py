"""SQL for reaching people found: offers not yet told, their agents, a community's visit."""

from __future__ import annotations

from datetime import date

from doorstep.store.db import Connection, Queryable
from doorstep.store.proactive.rows import ActiveAgentRow, UnnotifiedOfferRow
from doorstep.store.rows import fetch
from doorstep.store.typed import fetch_optional


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
        found = await fetch_optional(
            db,
            int,
            """select id from units
               where kind in ('community', 'street_office') and $1 like region_code || '%'
               order by length(region_code) desc, (kind = 'community') desc, id limit 1""",
            region_code,
        )
        if found is not None:
            return found
    return fallback_unit_id


async def insert_welfare_check(
    conn: Connection, *, opportunity_id: int, citizen_id: int, unit_id: int, due_on: date
) -> int | None:
    return await fetch_optional(
        conn,
        int,
        """insert into welfare_checks (opportunity_id, citizen_id, unit_id, due_on)
           values ($1, $2, $3, $4) on conflict (opportunity_id) do nothing returning id""",
        opportunity_id,
        citizen_id,
        unit_id,
        due_on,
    )
