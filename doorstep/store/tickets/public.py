"""SQL for what the public may see of tickets: no citizen, no description, the region cut
short.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Queryable
from doorstep.store.rows import fetch
from doorstep.store.tickets.rows import PublicTicketRow


async def public_list(
    db: Queryable,
    *,
    numbers: list[str] | None,
    categories: list[str] | None,
    statuses: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    region_digits: int,
    limit: int,
) -> list[PublicTicketRow]:
    """Tickets by the public's filters, newest first, with only what the public may see: no
    citizen, no description, the region cut to `region_digits` (its name with it)."""
    return await fetch(
        db,
        PublicTicketRow,
        """select t.number, t.status, t.category_code, c.name as category_name,
                  u.name as lead_unit_name, t.created_at, t.updated_at, t.handle_due_at,
                  left(t.region_code, $6) as region_code,
                  coalesce(r.name, '') as region_name, t.latitude, t.longitude
           from tickets t
           join ticket_categories c on c.code = t.category_code
           join units u on u.id = t.lead_unit_id
           left join regions r on r.code = left(t.region_code, $6)
           where ($1::text[] is null or t.number = any($1::text[]))
             and ($2::text[] is null or t.category_code = any($2::text[]))
             and ($3::text[] is null or t.status = any($3::text[]))
             and ($4::timestamptz is null or t.created_at >= $4)
             and ($5::timestamptz is null or t.created_at <= $5)
           order by t.id desc limit $7""",
        numbers,
        categories,
        statuses,
        since,
        until,
        region_digits,
        limit,
    )
