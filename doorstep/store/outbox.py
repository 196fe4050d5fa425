"""SQL for the notification outbox."""

from __future__ import annotations

from typing import Any

import asyncpg

from doorstep.store.db import Connection, Queryable


async def insert(conn: Connection, *, citizen_id: int | None, phone: str, kind: str,
                 template: str, params: dict[str, Any], language: str, urgent: bool) -> int:
    outbox_id: int = await conn.fetchval(
        """insert into outbox (citizen_id, phone, kind, template, params, language, urgent)
           values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        citizen_id, phone, kind, template, params, language, urgent,
    )
    return outbox_id


async def lock_for_delivery(conn: Connection, outbox_id: int) -> asyncpg.Record | None:
    """The row if it is still due; SKIP LOCKED so two workers never send the same row."""
    return await conn.fetchrow(
        """select id, citizen_id, phone, kind, template, params, language, urgent, status,
                  attempts
           from outbox
           where id = $1 and status in ('created', 'temporary-failure')
           for update skip locked""",
        outbox_id,
    )


async def mark(conn: Connection, outbox_id: int, *, status: str, channel: str | None,
               body: str | None, provider_id: str | None = None,
               error: str | None = None) -> None:
    await conn.execute(
        """update outbox set status = $2, channel = $3, body = $4, provider_id = $5,
                  last_error = $6, attempts = attempts + 1, updated_at = now(),
                  sent_at = case when $2 in ('sent', 'delivered') then now() else sent_at end
           where id = $1""",
        outbox_id, status, channel, body, provider_id, error,
    )


async def pending_ids(conn: Queryable, older_than_seconds: int,
                      limit: int) -> list[int]:
    rows = await conn.fetch(
        """select id from outbox
           where status in ('created', 'temporary-failure')
             and updated_at < now() - make_interval(secs => $1)
           order by id limit $2""",
        older_than_seconds, limit,
    )
    return [r["id"] for r in rows]


async def console_messages(conn: Queryable, limit: int,
                           phone: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select id, phone, body, status, created_at, sent_at from outbox
           where channel = 'console' and ($2::text is null or phone = $2)
           order by id desc limit $1""",
        limit, phone,
    )
