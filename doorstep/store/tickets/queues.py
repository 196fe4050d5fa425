"""SQL for the staff's queues: a unit's tickets by deadline band, and the tickets waiting for
review (returned, or dispatched with a doubt).
"""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.rows import fetch
from doorstep.store.tickets.reading import _TICKET
from doorstep.store.tickets.rows import TicketRow


async def unit_queue(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int, after_id: int | None
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.lead_unit_id = any($1::bigint[]) and t.status = any($2::text[])
              and ($4::bigint is null or t.id > $4)
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
