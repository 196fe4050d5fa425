"""SQL for reading sent notifications: the dev console, a citizen's list and its decisions."""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.outbox.rows import CitizenNotificationRow, ConsoleMessageRow, DecisionHistoryRow
from doorstep.store.rows import fetch


async def console_messages(
    conn: Queryable, limit: int, phone: str | None = None
) -> list[ConsoleMessageRow]:
    return await fetch(
        conn,
        ConsoleMessageRow,
        """select id, phone, body, params, status, created_at, sent_at from outbox
           where channel = 'console' and ($2::text is null or phone = $2)
           order by id desc limit $1""",
        limit,
        phone,
    )


async def of_citizen(conn: Queryable, citizen_id: int, limit: int) -> list[CitizenNotificationRow]:
    return await fetch(
        conn,
        CitizenNotificationRow,
        """select id, kind, channel, status, body, template, params, language, created_at,
                  sent_at, delivered_at, opened_at, merged_into, fallback_of
           from outbox where citizen_id = $1 order by id desc limit $2""",
        citizen_id,
        limit,
    )


async def decisions_of(conn: Queryable, outbox_ids: list[int]) -> list[DecisionHistoryRow]:
    return await fetch(
        conn,
        DecisionHistoryRow,
        """select outbox_id, decision, channel, reason, until, created_at
           from notification_decisions where outbox_id = any($1::bigint[])
           order by outbox_id, id""",
        outbox_ids,
    )
