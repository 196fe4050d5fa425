"""The append-only event log and the commit-time hint to subscribers."""

from __future__ import annotations

from typing import Any

import asyncpg

from doorstep.store.db import Connection, Queryable

EVENTS_CHANNEL = "doorstep_events"


async def append(conn: Connection, *, kind: str, actor_kind: str, actor_id: int | None,
                 application_id: int | None = None, task_id: int | None = None,
                 citizen_id: int | None = None, data: dict[str, Any] | None = None) -> int:
    seq: int = await conn.fetchval(
        """insert into events (application_id, task_id, citizen_id, kind, actor_kind, actor_id,
                               data)
           values ($1, $2, $3, $4, $5, $6, $7) returning seq""",
        application_id, task_id, citizen_id, kind, actor_kind, actor_id, data or {},
    )
    # NOTIFY is transactional: listeners hear it only if and when this transaction commits
    await conn.execute("select pg_notify($1, $2)", EVENTS_CHANNEL, str(application_id or ""))
    return seq


async def for_applications(conn: Queryable,
                           application_ids: list[int]) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select seq, application_id, task_id, kind, actor_kind, data, created_at
           from events where application_id = any($1::bigint[])
           order by application_id, seq""",
        application_ids,
    )
