"""SQL for a ticket's events: append one (the citizen's stream, NOTIFY at commit), read them."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, fetch
from doorstep.store.tickets.rows import TicketEventRow
from doorstep.store.typed import fetch_int


async def append_event(
    conn: Connection,
    *,
    ticket_id: int,
    citizen_id: int | None,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    data: dict[str, Json] | None = None,
) -> int:
    # append_ticket_event (migration 0006): the citizen's stream lock, insert, NOTIFY at commit
    return await fetch_int(
        conn,
        "select append_ticket_event($1, $2, $3, $4, $5, $6)",
        ticket_id,
        citizen_id,
        kind,
        actor_kind,
        actor_id,
        data or {},
    )


async def events_of(db: Queryable, ticket_ids: list[int]) -> list[TicketEventRow]:
    return await fetch(
        db,
        TicketEventRow,
        """select seq, ticket_id, kind, actor_kind, data, created_at from events
           where ticket_id = any($1::bigint[]) order by ticket_id, seq""",
        ticket_ids,
    )
