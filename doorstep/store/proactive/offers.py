"""SQL for offers as citizens see them, their status, and the categories a citizen opted out of."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.proactive.rows import OfferByIdRow, OfferRow
from doorstep.store.rows import fetch, fetchrow_by
from doorstep.store.typed import fetch_column

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


# An appeal's or a visit's row (alias given) beside its unit (u), its citizen (c) and the offer
# it is about (p, r, v): the unit's and the offer's columns every such row reads (OfferSnapshotRow)
WORK_COLUMNS = """u.code as unit_code, u.name as unit_name, u.region_code as unit_region_code,
    c.name as citizen_name, p.evidence, p.rule_version, p.created_at as offer_created_at,
    r.code as rule_code, v.title, v.explanation"""


def work_from(table: str, alias: str) -> str:
    return f"""from {table} {alias}
    join units u on u.id = {alias}.unit_id
    join citizens c on c.id = {alias}.citizen_id
    join opportunities p on p.id = {alias}.opportunity_id
    join offer_rules r on r.id = p.rule_id
    join offer_rule_versions v on v.rule_id = p.rule_id and v.version = p.rule_version"""


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
    select = f"select {OFFER_COLUMNS}, (p.expires_at <= now()) as past_expiry {_OFFER_FROM}"
    return await fetchrow_by(db, OfferByIdRow, select, "p.id", offer_id, lock=lock, lock_of="p")


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
    return await fetch_column(
        db, str, "select category from offer_opt_outs where citizen_id = $1", citizen_id
    )


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
