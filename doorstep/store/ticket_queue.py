"""SQL for the live ticket queue of staff: where tickets stand with respect to a set of units,
and tickets read by id as the queue shows them."""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch
from doorstep.store.tickets.reading import _TICKET
from doorstep.store.tickets.rows import TicketRow


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
    number: str | None = await db.fetchval("select number from tickets where id = $1", ticket_id)
    return number
