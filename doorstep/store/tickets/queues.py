"""SQL for the staff's queues: a unit's tickets by deadline band, the tickets waiting for review
(returned, or dispatched with a doubt), and for the live queue: where tickets stand with respect
to a set of units, and tickets read by id as the queue shows them.
"""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch
from doorstep.store.tickets.reading import _TICKET
from doorstep.store.tickets.rows import TicketRow
from doorstep.store.typed import fetch_optional


async def unit_queue(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int, after_id: int | None
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.lead_unit_id = any($1::bigint[]) and t.status = any($2::text[])
              -- a page goes on after the cursor ticket in the queue's own order
              and ($4::bigint is null or (t.handle_due_on, t.priority_reason is null, t.id) >
                  (select c.handle_due_on, c.priority_reason is null, c.id
                   from tickets c where c.id = $4))
            -- the deadline band, then priority work (domain.priority.queue_key)
            order by t.handle_due_on, t.priority_reason is null, t.id limit $3""",
        unit_ids,
        statuses,
        limit,
        after_id,
    )


async def review_queue(db: Queryable, unit_ids: list[int], limit: int) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where (t.status = 'returned' or (t.needs_review and t.status = 'dispatched'))
              and t.lead_unit_id = any($1::bigint[])
            order by t.created_at limit $2""",
        unit_ids,
        limit,
    )


# --- the live queue ---------------------------------------------------------------------------


class TicketPlacement(Row):
    """A ticket with respect to some units: led by one of them now, or ever dispatched to one."""

    id: int
    led: bool
    dispatched: bool


async def placements(
    db: Queryable, ticket_ids: list[int], unit_ids: list[int]
) -> list[TicketPlacement]:
    return await fetch(
        db,
        TicketPlacement,
        """select t.id, t.lead_unit_id = any($2::bigint[]) as led,
                  exists (select 1 from ticket_assignments a
                          where a.ticket_id = t.id and a.unit_id = any($2::bigint[])) as dispatched
           from tickets t where t.id = any($1::bigint[])""",
        ticket_ids,
        unit_ids,
    )


async def led_by(db: Queryable, ticket_ids: list[int], unit_ids: list[int]) -> list[TicketRow]:
    """The tickets of the list one of the units leads now (the queue's columns)."""
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.id = any($1::bigint[]) and t.lead_unit_id = any($2::bigint[])""",
        ticket_ids,
        unit_ids,
    )


async def number_of(db: Queryable, ticket_id: int) -> str | None:
    return await fetch_optional(db, str, "select number from tickets where id = $1", ticket_id)
