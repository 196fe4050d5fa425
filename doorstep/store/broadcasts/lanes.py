"""SQL for recording a batch's answer and keeping lanes going: open lanes, beats, restarts."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.broadcasts.rows import FinishedRow
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch


async def finish_batch(
    conn: Connection,
    ids: list[int],
    since: datetime,
    *,
    statuses: list[str],
    delays: list[float | None],
    next_at: datetime | None,
    provider_id: str | None,
    error: str | None,
    hold_reason: str | None,
    reconcile_first: bool,
    add_retry: bool,
    outcome: str,
    code: str | None,
) -> list[FinishedRow]:
    """Record one batch's answer on each of its rows still under this claim (set-based)."""
    return await fetch(
        conn,
        FinishedRow,
        """with v as (select * from unnest($1::bigint[], $3::text[], $4::float8[])
                      as v(id, status, delay)),
           done as (
               update outbox o set status = v.status,
                      provider_id = coalesce($6, o.provider_id), last_error = $7,
                      next_attempt_at = case when v.status <> 'temporary-failure' then null
                                             when $5::timestamptz is not null then $5
                                             when v.delay is not null
                                               then now() + make_interval(secs => v.delay)
                                        end,
                      hold_reason = case when v.status = 'temporary-failure' then $8 end,
                      reconcile_first = v.status = 'temporary-failure' and $9,
                      retries = o.retries + case when $10 then 1 else 0 end,
                      sending_since = null, updated_at = now(),
                      sent_at = case when v.status in ('sent', 'delivered')
                                     then coalesce(o.sent_at, now()) else o.sent_at end,
                      delivered_at = case when v.status = 'delivered'
                                          then coalesce(o.delivered_at, now())
                                          else o.delivered_at end
               from v where o.id = v.id and o.status = 'sending' and o.sending_since = $2
               returning o.id, o.citizen_id, o.attempts, o.status, o.next_attempt_at),
           attempts as (
               update outbox_attempts a set finished_at = clock_timestamp(), outcome = $11,
                      provider_code = coalesce($12, a.provider_code), provider_id = $6,
                      error = $7
               from done where a.outbox_id = done.id and a.attempt = done.attempts)
           select * from done""",
        ids,
        since,
        statuses,
        delays,
        next_at,
        provider_id,
        error,
        hold_reason,
        reconcile_first,
        add_retry,
        outcome,
        code,
    )


async def record_held(
    conn: Connection, rows: list[FinishedRow], reason: str, code: str | None
) -> None:
    held = [r for r in rows if r.status == "temporary-failure"]
    if not held:
        return
    await conn.execute(
        """insert into notification_decisions (outbox_id, citizen_id, decision, reason, until,
                                               detail)
           select id, citizen_id, 'held', $4, until,
                  case when $5::text is null then '{}'::jsonb
                       else jsonb_build_object('code', $5::text) end
           from unnest($1::bigint[], $2::bigint[], $3::timestamptz[])
                as v(id, citizen_id, until)""",
        [r.id for r in held],
        [r.citizen_id for r in held],
        [r.next_attempt_at for r in held],
        reason,
        code,
    )


class _LaneRow(Row):
    broadcast_id: int
    language: str
    generation: int


async def open_lanes(
    conn: Connection, broadcast_id: int, languages: list[str]
) -> list[tuple[int, str, int]]:
    rows = await fetch(
        conn,
        _LaneRow,
        """insert into broadcast_lanes (broadcast_id, language)
           select $1, unnest($2::text[])
           on conflict (broadcast_id, language) do update set heartbeat_at = now()
           returning broadcast_id, language, generation""",
        broadcast_id,
        languages,
    )
    return [(r.broadcast_id, r.language, r.generation) for r in rows]


async def beat(conn: Queryable, broadcast_id: int, language: str) -> None:
    await conn.execute(
        """update broadcast_lanes set heartbeat_at = now()
           where broadcast_id = $1 and language = $2""",
        broadcast_id,
        language,
    )


async def restart_lanes(
    conn: Queryable, quiet_seconds: int, lease_seconds: int
) -> list[tuple[int, str, int]]:
    """Lanes whose jobs stopped beating while rows are due (or claims outlived their lease):
    a new generation of job ids for each."""
    rows = await fetch(
        conn,
        _LaneRow,
        """update broadcast_lanes l set generation = generation + 1, heartbeat_at = now()
           where l.heartbeat_at < now() - make_interval(secs => $1)
             and (exists (select 1 from outbox o
                          where o.broadcast_id = l.broadcast_id and o.language = l.language
                            and o.status in ('created', 'temporary-failure')
                            and (o.next_attempt_at is null or o.next_attempt_at <= now()))
                  or exists (select 1 from outbox o
                             where o.broadcast_id = l.broadcast_id
                               and o.language = l.language and o.status = 'sending'
                               and o.sending_since < now() - make_interval(secs => $2)))
           returning broadcast_id, language, generation""",
        quiet_seconds,
        lease_seconds,
    )
    return [(r.broadcast_id, r.language, r.generation) for r in rows]


class _StatusCountRow(Row):
    status: str
    n: int


async def counts(conn: Queryable, broadcast_id: int) -> dict[str, int]:
    rows = await fetch(
        conn,
        _StatusCountRow,
        "select status, count(*) as n from outbox where broadcast_id = $1 group by status",
        broadcast_id,
    )
    return {r.status: r.n for r in rows}
