"""SQL for asking a citizen whether their ticket was solved, and recording their answer."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetch
from doorstep.store.tickets.rows import TicketRefRow


async def insert_follow_up(
    conn: Connection, ticket_id: int, round_no: int, ask_no: int, at: datetime
) -> None:
    await conn.execute(
        """insert into ticket_follow_ups (ticket_id, round, ask_no, asked_at)
           values ($1, $2, $3, $4) on conflict do nothing""",
        ticket_id,
        round_no,
        ask_no,
        at,
    )


async def answer_follow_up(
    conn: Connection, ticket_id: int, round_no: int, solved: bool, channel: str, at: datetime
) -> None:
    await conn.execute(
        """update ticket_follow_ups set answered_at = $4, solved = $3, answer_channel = $5
           where id = (select max(id) from ticket_follow_ups
                       where ticket_id = $1 and round = $2)""",
        ticket_id,
        round_no,
        solved,
        at,
        channel,
    )


async def awaiting_answer(db: Queryable, citizen_id: int) -> list[TicketRefRow]:
    """The citizen's tickets asked about and not answered yet, the one asked last first."""
    return await fetch(
        db,
        TicketRefRow,
        """select id, number from tickets where citizen_id = $1 and status = 'resolved'
           order by follow_up_asked_at desc nulls last, id desc limit 50""",
        citizen_id,
    )
