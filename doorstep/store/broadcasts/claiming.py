"""SQL for claiming a lane's batch: lost batches, due rows, holds, caps, the claim itself."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.broadcasts.rows import DueRow, LaneClockRow, LostRow, RecentSendRow
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow_one
from doorstep.store.typed import fetch_value

# the lane of a row: one broadcast in one language (one template, one sign name)
_DUE = """broadcast_id = $1 and language = $2 and status in ('created', 'temporary-failure')
          and (next_attempt_at is null or next_attempt_at <= now())"""


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
    since = await fetch_value(conn, datetime, "select clock_timestamp()")
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


class _ClaimRow(Row):
    out_id: str
    since: datetime


async def claim_batch(
    conn: Connection, ids: list[int], *, channel: str, body: str, parts: int
) -> tuple[str, datetime]:
    """Mark the batch's rows 'sending' under one OutId and one claim time, with attempts."""
    claim = await fetchrow_one(
        conn,
        _ClaimRow,
        "select 'b' || nextval('outbox_batch_seq') as out_id, clock_timestamp() as since",
    )
    out_id, since = claim.out_id, claim.since
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
