"""SQL for reading tickets as their views show them (one query shape, `_TICKET`): by number or
id, a citizen's own, and earlier tickets at the same place.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetch, fetchrow
from doorstep.store.tickets.rows import SamePlaceRow, TicketRow, _columns, _TicketColumns

_TICKET = f"""
    select {_columns(_TicketColumns, "t")}, c.name as category_name, r.name as region_name,
           u.code as lead_unit_code, u.name as lead_unit_name, u.phone as lead_unit_phone,
           u.region_code as lead_unit_region_code,
           p.number as previous_number,
           (select coalesce(jsonb_agg(jsonb_build_object(
                       'id', a.id, 'code', a.code, 'name', a.name, 'phone', a.phone,
                       'region_code', a.region_code) order by a.code), '[]'::jsonb)
              from units a where a.id = any(t.assisting_unit_ids)) as assisting,
           x.id as rectification_id, x.status as rectification_status,
           x.due_on as rectification_due_on, x.note as rectification_note,
           x.done_at as rectification_done_at
    from tickets t
    join ticket_categories c on c.code = t.category_code
    join regions r on r.code = t.region_code
    join units u on u.id = t.lead_unit_id
    left join tickets p on p.id = t.previous_ticket_id
    left join rectifications x on x.ticket_id = t.id"""


async def by_number(db: Queryable, number: str) -> TicketRow | None:
    return await fetchrow(db, TicketRow, f"{_TICKET} where t.number = $1", number)


async def by_id(db: Queryable, ticket_id: int) -> TicketRow | None:
    return await fetchrow(db, TicketRow, f"{_TICKET} where t.id = $1", ticket_id)


async def of_citizen(
    db: Queryable, citizen_id: int, limit: int, before_id: int | None
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.citizen_id = $1 and ($3::bigint is null or t.id < $3)
            order by t.id desc limit $2""",
        citizen_id,
        limit,
        before_id,
    )


async def of_citizen_since(
    db: Queryable,
    citizen_id: int,
    since: datetime | None,
    numbers: list[str] | None,
    categories: list[str] | None,
    limit: int,
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.citizen_id = $1
              and ($2::timestamptz is null or t.created_at >= $2)
              and ($3::text[] is null or t.number = any($3::text[]))
              and ($4::text[] is null or t.category_code = any($4::text[]))
            order by t.id desc limit $5""",
        citizen_id,
        since,
        numbers,
        categories,
        limit,
    )


async def same_place_candidates(
    conn: Connection, category_code: str, region_code: str, since: datetime
) -> list[SamePlaceRow]:
    """Earlier tickets of this category in this region since `since`, newest first."""
    return await fetch(
        conn,
        SamePlaceRow,
        """select id, number, status, lead_unit_id, latitude, longitude, created_at
           from tickets where category_code = $1 and region_code = $2 and created_at >= $3
           order by created_at desc limit 50""",
        category_code,
        region_code,
        since,
    )
