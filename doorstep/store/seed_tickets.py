"""Load the ticket demo data (`doorstep.store.demo_tickets`), idempotently.

Units, staff, regions, categories and service areas are upserted by their codes. The demo rules
are published as the first rule set only when no set has been published yet: a later run never
overwrites what supervisors have published since.
"""

from __future__ import annotations

from doorstep.store import demo_tickets
from doorstep.store.db import Connection
from doorstep.store.tickets.catalog_admin import add_service_areas
from doorstep.store.typed import fetch_int, ids_by_code

_UPSERT_UNIT = """
insert into units (code, name, kind, region_code, phone) values ($1, $2, $3, $4, $5)
on conflict (code) do update set name = excluded.name, kind = excluded.kind,
    region_code = excluded.region_code, phone = excluded.phone
returning id
"""

_UPSERT_STAFF = """
insert into staff_members (phone, name, unit_id, role, region_code, active)
values ($1, $2, $3, $4, $5, true)
on conflict (phone) do update set name = excluded.name, unit_id = excluded.unit_id,
    role = excluded.role, region_code = excluded.region_code, active = true
"""

_UPSERT_REGION = """
insert into regions (code, name, parent_code, fallback_unit_id) values ($1, $2, $3, $4)
on conflict (code) do update set name = excluded.name, parent_code = excluded.parent_code,
    fallback_unit_id = excluded.fallback_unit_id
"""

_UPSERT_CATEGORY = """
insert into ticket_categories (code, name, description, position, active, group_name, keywords)
values ($1, $2, $3, $4, true, $5, $6)
on conflict (code) do update set name = excluded.name, description = excluded.description,
    position = excluded.position, active = true, retired_at = null,
    group_name = excluded.group_name, keywords = excluded.keywords
"""

_INSERT_RULE = """
insert into dispatch_rules (rule_set_id, rule_no, version, priority, kinds, categories,
    region_prefixes, keywords, urgencies, lead_unit_id, assisting_unit_ids, deadline_profile,
    note)
values ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""


async def load_ticket_demo_data(conn: Connection) -> dict[str, int]:
    """Upsert the ticket demo data inside the caller's transaction; rows written per table."""
    async with conn.transaction():
        for unit in demo_tickets.UNITS:
            await conn.execute(
                _UPSERT_UNIT, unit.code, unit.name, unit.kind, unit.region_code, unit.phone
            )
        unit_ids = await ids_by_code(conn, "select code, id from units")
        for member in demo_tickets.STAFF:
            await conn.execute(
                _UPSERT_STAFF,
                member.phone,
                member.name,
                unit_ids[member.unit_code] if member.unit_code else None,
                member.role,
                member.region_code,
            )
        for region in demo_tickets.REGIONS:
            await conn.execute(
                _UPSERT_REGION,
                region.code,
                region.name,
                region.parent_code,
                unit_ids[region.fallback_unit_code] if region.fallback_unit_code else None,
            )
        for position, category in enumerate(demo_tickets.CATEGORIES, start=1):
            await conn.execute(
                _UPSERT_CATEGORY,
                category.code,
                category.name,
                category.description,
                position,
                category.group,
                list(category.keywords),
            )
        await add_service_areas(
            conn, [(unit_ids[u], c, p) for u, c, p in demo_tickets.SERVICE_AREAS]
        )
        published = await fetch_int(
            conn,
            "select count(*) from dispatch_rule_sets where status in ('published', 'superseded')",
        )
        rules = 0
        if not published:
            set_id = await fetch_int(
                conn,
                "insert into dispatch_rule_sets (status, note) values ('draft', $1) returning id",
                "demo rules",
            )
            await conn.executemany(
                _INSERT_RULE,
                [
                    (
                        set_id,
                        r.rule_no,
                        r.priority,
                        list(r.kinds),
                        list(r.categories),
                        list(r.region_prefixes),
                        list(r.keywords),
                        list(r.urgencies),
                        unit_ids[r.lead_unit_code],
                        [unit_ids[c] for c in r.assisting_unit_codes],
                        r.deadline_profile,
                        r.note,
                    )
                    for r in demo_tickets.RULES
                ],
            )
            await conn.execute(
                "update dispatch_rule_sets set status = 'published', published_at = now() "
                "where id = $1",
                set_id,
            )
            await conn.execute(
                "select setval('dispatch_rule_no', (select max(rule_no) from dispatch_rules))"
            )
            rules = len(demo_tickets.RULES)
    return {
        "ticket_units": len(demo_tickets.UNITS),
        "regions": len(demo_tickets.REGIONS),
        "ticket_categories": len(demo_tickets.CATEGORIES),
        "unit_service_areas": len(demo_tickets.SERVICE_AREAS),
        "dispatch_rules": rules,
    }
