"""SQL for broadcasts: rows written set-based in chunks, lanes claimed and recorded per batch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NotRequired, TypedDict

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow, fetchrow_one


class AudienceJson(TypedDict):
    """broadcasts.audience: a region prefix, or how many phones a list named."""

    region: NotRequired[str]
    phones: NotRequired[int]
    fingerprint: str


class BroadcastRow(Row):
    id: int
    template: str
    params: dict[str, Json]
    kind: str
    urgent: bool
    audience: AudienceJson
    staff_id: int | None
    state: str
    cursor: int
    total: int
    created_at: datetime
    queued_at: datetime | None


_BROADCAST_COLUMNS = """id, template, params, kind, urgent, audience, staff_id, state, cursor,
    total, created_at, queued_at"""


class ChunkRow(Row):
    """What writing one chunk of the audience did."""

    seen: int
    written: int
    languages: list[str]


class QueuedRow(Row):
    total: int
    queued_at: datetime


class LostRow(Row):
    id: int
    phone: str
    attempts: int
    batch_out_id: str
    last_attempt_at: datetime | None
    sending_since: datetime | None


class DueRow(Row):
    id: int
    citizen_id: int | None
    phone: str
    template: str
    params: dict[str, Json]
    retries: int
    created_at: datetime
    opted_out: bool


class RecentSendRow(Row):
    phone: str
    last_attempt_at: datetime


class LaneClockRow(Row):
    now: datetime
    paused_until: datetime | None


class FinishedRow(Row):
    """A batch row as its answer left it."""

    id: int
    citizen_id: int | None
    attempts: int
    status: str
    next_attempt_at: datetime | None


# the lane of a row: one broadcast in one language (one template, one sign name)
_DUE = """broadcast_id = $1 and language = $2 and status in ('created', 'temporary-failure')
          and (next_attempt_at is null or next_attempt_at <= now())"""


async def create(
    conn: Connection,
    *,
    template: str,
    params: Mapping[str, object],
    kind: str,
    urgent: bool,
    audience: AudienceJson,
    staff_id: int | None,
) -> int:
    broadcast_id: int = await conn.fetchval(
        """insert into broadcasts (template, params, kind, urgent, audience, staff_id)
           values ($1, $2, $3, $4, $5, $6) returning id""",
        template,
        params,
        kind,
        urgent,
        audience,
        staff_id,
    )
    return broadcast_id


async def started_recently(conn: Connection, fingerprint: str, window_seconds: int) -> bool:
    """Whether a broadcast of this fingerprint (template, values, audience) started within the
    window. Holds a lock on the fingerprint until the transaction ends, so two starts at once
    cannot both pass."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('broadcast:' || $1, 0))", fingerprint
    )
    found: bool = await conn.fetchval(
        """select exists (select 1 from broadcasts where audience->>'fingerprint' = $1
                          and created_at > now() - make_interval(secs => $2))""",
        fingerprint,
        window_seconds,
    )
    return found


async def region_has_citizens(conn: Queryable, region: str) -> bool:
    found: bool = await conn.fetchval(
        "select exists (select 1 from citizens where region_code like $1 || '%')", region
    )
    return found


async def get(conn: Queryable, broadcast_id: int) -> BroadcastRow | None:
    return await fetchrow(
        conn,
        BroadcastRow,
        f"select {_BROADCAST_COLUMNS} from broadcasts where id = $1",
        broadcast_id,
    )


# One chunk of the audience: citizens after the cursor, in id order. Opted-out citizens ("TD")
# get no non-urgent broadcast. Each row's channel decision is written with it.
_WRITE_CHUNK = """
with b as (select * from broadcasts where id = $1 for update),
chunk as (
    select c.id, c.phone, c.language from citizens c
    where c.id > (select cursor from b) {where}
      and ((select urgent from b) or c.sms_opt_out_at is null)
    order by c.id limit $2),
ins as (
    insert into outbox (citizen_id, phone, kind, template, params, language, urgent,
                        broadcast_id, via)
    select chunk.id, chunk.phone, b.kind, b.template, b.params, chunk.language, b.urgent,
           b.id, 'sms'
    from chunk cross join b
    on conflict (broadcast_id, citizen_id) where broadcast_id is not null do nothing
    returning id, citizen_id, language),
decided as (
    insert into notification_decisions (outbox_id, citizen_id, decision, channel, reason,
                                        detail)
    select ins.id, ins.citizen_id, 'channel', 'sms', 'broadcast',
           jsonb_build_object('broadcast', $1::bigint)
    from ins),
moved as (
    update broadcasts set cursor = coalesce((select max(id) from chunk), cursor),
                          total = total + (select count(*) from ins)
    where id = $1 returning cursor)
select (select count(*) from chunk) as seen, (select count(*) from ins) as written,
       coalesce((select array_agg(distinct language) from ins), '{{}}'::text[]) as languages
"""


async def write_region_chunk(
    conn: Connection, broadcast_id: int, region: str, size: int
) -> ChunkRow:
    sql = _WRITE_CHUNK.format(where="and c.region_code like $3 || '%'")
    return await fetchrow_one(conn, ChunkRow, sql, broadcast_id, size, region)


async def write_list_chunk(
    conn: Connection, broadcast_id: int, citizen_ids: list[int], size: int
) -> ChunkRow:
    sql = _WRITE_CHUNK.format(where="and c.id = any($3::bigint[])")
    return await fetchrow_one(conn, ChunkRow, sql, broadcast_id, size, citizen_ids)


async def citizens_by_phone(conn: Queryable, phones: list[str]) -> list[int]:
    rows = await conn.fetch(
        "select id from citizens where phone = any($1::text[]) order by id", phones
    )
    return [r["id"] for r in rows]


async def mark_queued(conn: Connection, broadcast_id: int) -> QueuedRow:
    return await fetchrow_one(
        conn,
        QueuedRow,
        """update broadcasts set state = 'queued', queued_at = coalesce(queued_at, now())
           where id = $1 returning total, queued_at""",
        broadcast_id,
    )


async def writing(conn: Queryable, older_than_seconds: int) -> list[BroadcastRow]:
    """Broadcasts whose rows were not all written (the writer stopped): to go on with."""
    return await fetch(
        conn,
        BroadcastRow,
        f"""select {_BROADCAST_COLUMNS} from broadcasts
           where state = 'writing' and created_at < now() - make_interval(secs => $1)
           order by id""",
        older_than_seconds,
    )


# -- delivery -------------------------------------------------------------------------------


async def lock_lost(
    conn: Connection, broadcast_id: int, language: str, lease_seconds: int, limit: int
) -> list[LostRow]:
    """Rows of the lane whose batch outcome was never recorded (a crash, or a timeout): they
    are looked up at the provider, by number and the batch's OutId, before any resend."""
    return await fetch(
        conn,
        LostRow,
        """select id, phone, attempts, batch_out_id, last_attempt_at, sending_since
           from outbox
           where broadcast_id = $1 and language = $2 and batch_out_id is not null
             and ((status = 'sending'
                   and sending_since < now() - make_interval(secs => $3))
                  or (status in ('created', 'temporary-failure') and reconcile_first
                      and (next_attempt_at is null or next_attempt_at <= now())))
           order by id limit $4
           for update skip locked""",
        broadcast_id,
        language,
        lease_seconds,
        limit,
    )


async def claim_lookups(conn: Connection, ids: list[int]) -> datetime:
    since: datetime = await conn.fetchval("select clock_timestamp()")
    await conn.execute(
        """update outbox set status = 'sending', sending_since = $2, updated_at = now()
           where id = any($1::bigint[])""",
        ids,
        since,
    )
    return since


async def lock_due(
    conn: Connection, broadcast_id: int, language: str, limit: int, *, after_id: int = 0
) -> list[DueRow]:
    """Due rows of the lane after `after_id` (the caller's frontier: the index scan starts
    there instead of walking every row claimed before, dead or alive)."""
    return await fetch(
        conn,
        DueRow,
        f"""select id, citizen_id, phone, template, params, retries, created_at,
                   exists (select 1 from citizens c where c.id = outbox.citizen_id
                           and c.sms_opt_out_at is not null) as opted_out
            from outbox where {_DUE} and not reconcile_first and id > $4
            order by id limit $3
            for update of outbox skip locked""",
        broadcast_id,
        language,
        limit,
        after_id,
    )


async def lane_clock(conn: Connection, channel: str) -> LaneClockRow:
    """The database's time and the end of the channel's pause, if it is paused."""
    return await fetchrow_one(
        conn,
        LaneClockRow,
        """select now() as now,
                  (select paused_until from channel_pauses
                   where channel = $1 and paused_until > now()) as paused_until""",
        channel,
    )


async def fail_opted_out(conn: Connection, ids: list[int]) -> None:
    """Rows of citizens who sent "TD" after the broadcast was queued: never sent, and their
    channel decision (one per row, written with the row) now says why, as for a single SMS."""
    await conn.execute(
        """with failed as (
               update outbox set status = 'permanent-failure',
                      last_error = 'the citizen stopped non-essential SMS (TD)',
                      next_attempt_at = null, hold_reason = null, updated_at = now()
               where id = any($1::bigint[]) returning id)
           update notification_decisions d set reason = 'opted_out', channel = null
           from failed where d.outbox_id = failed.id and d.decision = 'channel'""",
        ids,
    )


async def hold_lane(
    conn: Connection, broadcast_id: int, language: str, *, until: datetime, reason: str
) -> int:
    """Every due row of the lane waits (quiet hours, a paused channel), with its decision."""
    status: str = await conn.execute(
        f"""with held as (
                update outbox set next_attempt_at = $3, hold_reason = $4, updated_at = now()
                where id in (select id from outbox where {_DUE} and not reconcile_first
                             for update skip locked)
                returning id, citizen_id)
            insert into notification_decisions (outbox_id, citizen_id, decision, reason, until)
            select id, citizen_id, 'held', $4, $3 from held""",
        broadcast_id,
        language,
        until,
        reason,
    )
    return int(status.split()[-1])


async def hold_rows(
    conn: Connection,
    ids: list[int],
    citizen_ids: list[int | None],
    untils: list[datetime],
    reason: str,
) -> None:
    await conn.execute(
        """with v as (select * from unnest($1::bigint[], $2::bigint[], $3::timestamptz[])
                      as v(id, citizen_id, until)),
           held as (update outbox o set next_attempt_at = v.until, hold_reason = $4,
                           updated_at = now()
                    from v where o.id = v.id returning o.id)
           insert into notification_decisions (outbox_id, citizen_id, decision, reason, until)
           select id, citizen_id, 'held', $4, until from v""",
        ids,
        citizen_ids,
        untils,
        reason,
    )


async def recent_sends(
    conn: Queryable, phones: list[str], exclude: list[int], within_seconds: int
) -> list[RecentSendRow]:
    return await fetch(
        conn,
        RecentSendRow,
        """select phone, last_attempt_at from outbox
           where phone = any($1::text[]) and not (id = any($2::bigint[]))
             and merged_into is null
             and last_attempt_at > now() - make_interval(secs => $3)
             and status in ('sending', 'sent', 'delivered')""",
        phones,
        exclude,
        within_seconds,
    )


async def claim_batch(
    conn: Connection, ids: list[int], *, channel: str, body: str, parts: int
) -> tuple[str, datetime]:
    """Mark the batch's rows 'sending' under one OutId and one claim time, with attempts."""
    row = await conn.fetchrow(
        "select 'b' || nextval('outbox_batch_seq') as out_id, clock_timestamp() as since"
    )
    assert row is not None
    out_id, since = row["out_id"], row["since"]
    await conn.execute(
        """with claimed as (
               update outbox set status = 'sending', attempts = attempts + 1,
                      sending_since = $2, last_attempt_at = $2, channel = $3, body = $4,
                      sms_parts = $5, batch_out_id = $6, hold_reason = null,
                      next_attempt_at = null, updated_at = now()
               where id = any($1::bigint[])
               returning id, attempts)
           insert into outbox_attempts (outbox_id, attempt, channel, started_at, provider_code)
           select id, attempts, $3, $2, $6 from claimed""",
        ids,
        since,
        channel,
        body,
        parts,
        out_id,
    )
    return out_id, since


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


async def open_lanes(
    conn: Connection, broadcast_id: int, languages: list[str]
) -> list[tuple[int, str, int]]:
    rows = await conn.fetch(
        """insert into broadcast_lanes (broadcast_id, language)
           select $1, unnest($2::text[])
           on conflict (broadcast_id, language) do update set heartbeat_at = now()
           returning broadcast_id, language, generation""",
        broadcast_id,
        languages,
    )
    return [(r["broadcast_id"], r["language"], r["generation"]) for r in rows]


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
    rows = await conn.fetch(
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
    return [(r["broadcast_id"], r["language"], r["generation"]) for r in rows]


async def counts(conn: Queryable, broadcast_id: int) -> dict[str, int]:
    rows = await conn.fetch(
        "select status, count(*) as n from outbox where broadcast_id = $1 group by status",
        broadcast_id,
    )
    return {r["status"]: r["n"] for r in rows}
