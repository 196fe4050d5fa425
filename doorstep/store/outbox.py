"""SQL for the notification outbox: rows, attempts, receipts and channel pauses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow, fetchrow_one


class OutboxRow(Row):
    """A row locked for delivery, with the database's clock and what is due."""

    id: int
    citizen_id: int | None
    phone: str
    kind: str
    template: str
    params: dict[str, Json]
    language: str
    urgent: bool
    status: str
    attempts: int
    retries: int
    reconcile_first: bool
    last_attempt_at: datetime | None
    provider_id: str | None
    sending_since: datetime | None
    created_at: datetime
    hold_reason: str | None
    merged_into: int | None
    channel: str | None
    via: str | None
    extend_code: str | None
    batch_out_id: str | None
    db_now: datetime
    due: bool
    stale: bool


class ClaimRow(Row):
    attempts: int
    sending_since: datetime


class NewsRow(Row):
    id: int
    status: str
    phone: str
    provider_id: str | None


class PollRow(Row):
    id: int
    phone: str
    provider_id: str | None
    last_attempt_at: datetime | None
    sent_at: datetime  # the query takes sent rows only
    batch_out_id: str | None


class ReceiptTargetRow(Row):
    id: int
    phone: str
    provider_id: str | None


class DecisionRow(Row):
    channel: str | None
    reason: str


class SiblingRow(Row):
    """A waiting update that can ride in another's SMS (a digest)."""

    id: int
    citizen_id: int | None
    kind: str
    template: str
    params: dict[str, Json]
    created_at: datetime


class PauseRow(Row):
    channel: str
    code: str
    reason: str
    paused_at: datetime
    paused_until: datetime


class ConsoleMessageRow(Row):
    id: int
    phone: str
    body: str | None
    params: dict[str, Json]
    status: str
    created_at: datetime
    sent_at: datetime | None


class CitizenNotificationRow(Row):
    id: int
    kind: str
    channel: str | None
    status: str
    body: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    merged_into: int | None
    fallback_of: int | None


class DecisionHistoryRow(Row):
    outbox_id: int
    decision: str
    channel: str | None
    reason: str
    until: datetime | None
    created_at: datetime


async def insert(
    conn: Connection,
    *,
    citizen_id: int | None,
    phone: str,
    kind: str,
    template: str,
    params: Mapping[str, object],
    language: str,
    urgent: bool,
    extend_code: str | None = None,
) -> int:
    outbox_id: int = await conn.fetchval(
        """insert into outbox (citizen_id, phone, kind, template, params, language, urgent,
                               extend_code)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id""",
        citizen_id,
        phone,
        kind,
        template,
        params,
        language,
        urgent,
        extend_code,
    )
    return outbox_id


async def lock_row(conn: Connection, outbox_id: int, lease_seconds: int) -> OutboxRow | None:
    """The row, locked; SKIP LOCKED so two workers never handle the same row at once.

    `due`: a waiting row whose time has come; `stale`: a 'sending' claim older than the lease
    (the attempt crashed between the provider call and its record).
    """
    return await fetchrow(
        conn,
        OutboxRow,
        """select id, citizen_id, phone, kind, template, params, language, urgent, status,
                  attempts, retries, reconcile_first, last_attempt_at, provider_id,
                  sending_since, created_at, hold_reason, merged_into, channel, via,
                  extend_code, batch_out_id, now() as db_now,
                  (next_attempt_at is null or next_attempt_at <= now()) as due,
                  (sending_since is not null
                   and sending_since < now() - make_interval(secs => $2)) as stale
           from outbox where id = $1
           for update skip locked""",
        outbox_id,
        lease_seconds,
    )


async def claim_send(
    conn: Connection, outbox_id: int, *, channel: str, body: str, parts: int
) -> ClaimRow:
    """Mark the row 'sending' and record the attempt; committed before the provider is called."""
    row = await fetchrow_one(
        conn,
        ClaimRow,
        """update outbox set status = 'sending', attempts = attempts + 1,
                  sending_since = clock_timestamp(), last_attempt_at = clock_timestamp(),
                  channel = $2, body = $3, sms_parts = $4, hold_reason = null,
                  next_attempt_at = null, updated_at = now()
           where id = $1
           returning attempts, sending_since""",
        outbox_id,
        channel,
        body,
        parts,
    )
    await conn.execute(
        """insert into outbox_attempts (outbox_id, attempt, channel, started_at)
           values ($1, $2, $3, $4)""",
        outbox_id,
        row.attempts,
        channel,
        row.sending_since,
    )
    return row


async def claim_lookup(conn: Connection, outbox_id: int) -> datetime:
    """Claim a row for a look-up at the provider (no attempt: nothing is sent)."""
    since: datetime = await conn.fetchval(
        """update outbox set status = 'sending', sending_since = clock_timestamp(),
                  updated_at = now()
           where id = $1 returning sending_since""",
        outbox_id,
    )
    return since


async def finish(
    conn: Connection,
    outbox_id: int,
    since: datetime,
    *,
    status: str,
    provider_id: str | None = None,
    error: str | None = None,
    next_at: datetime | None = None,
    next_in_seconds: float | None = None,
    hold_reason: str | None = None,
    reconcile_first: bool = False,
    add_retry: bool = False,
    receipt_code: str | None = None,
) -> bool:
    """Record what became of the claim `since`; False if the row moved on meanwhile."""
    done = await conn.fetchval(
        """update outbox set status = $3, provider_id = coalesce($4, provider_id),
                  last_error = $5,
                  next_attempt_at = case when $6::timestamptz is not null then $6::timestamptz
                                         when $7::float8 is not null
                                           then now() + make_interval(secs => $7::float8)
                                    end,
                  hold_reason = $8, reconcile_first = $9,
                  retries = retries + case when $10 then 1 else 0 end,
                  receipt_code = coalesce($11, receipt_code),
                  sending_since = null, updated_at = now(),
                  sent_at = case when $3 in ('sent', 'delivered')
                                 then coalesce(sent_at, now()) else sent_at end,
                  delivered_at = case when $3 = 'delivered' then now() else delivered_at end
           where id = $1 and status = 'sending' and sending_since = $2
           returning true""",
        outbox_id,
        since,
        status,
        provider_id,
        error,
        next_at,
        next_in_seconds,
        hold_reason,
        reconcile_first,
        add_retry,
        receipt_code,
    )
    return bool(done)


async def finish_attempt(
    conn: Connection,
    outbox_id: int,
    attempt: int,
    *,
    outcome: str,
    provider_code: str | None = None,
    provider_id: str | None = None,
    error: str | None = None,
) -> None:
    await conn.execute(
        """update outbox_attempts set finished_at = clock_timestamp(), outcome = $3,
                  provider_code = $4, provider_id = $5, error = $6
           where outbox_id = $1 and attempt = $2""",
        outbox_id,
        attempt,
        outcome,
        provider_code,
        provider_id,
        error,
    )


async def set_provider_id_if_missing(conn: Connection, outbox_id: int, provider_id: str) -> None:
    await conn.execute(
        "update outbox set provider_id = $2 where id = $1 and provider_id is null",
        outbox_id,
        provider_id,
    )


async def fail(
    conn: Connection, outbox_id: int, *, status: str, error: str, body: str | None = None
) -> None:
    """A final failure decided before any send (e.g. a template that cannot be rendered)."""
    await conn.execute(
        """update outbox set status = $2, last_error = $3, body = coalesce($4, body),
                  sending_since = null, next_attempt_at = null, hold_reason = null,
                  updated_at = now()
           where id = $1""",
        outbox_id,
        status,
        error,
        body,
    )


async def hold(conn: Connection, outbox_id: int, *, until: datetime, reason: str) -> None:
    """Keep a waiting row waiting until `until` (no attempt is made or counted)."""
    await conn.execute(
        """update outbox set next_attempt_at = $2, hold_reason = $3, updated_at = now()
           where id = $1""",
        outbox_id,
        until,
        reason,
    )


async def lock_for_news(conn: Connection, outbox_id: int) -> NewsRow | None:
    """Lock a row to apply news from the provider (waits for a delivery's short transaction)."""
    return await fetchrow(
        conn,
        NewsRow,
        "select id, status, phone, provider_id from outbox where id = $1 for update",
        outbox_id,
    )


async def apply_news(
    conn: Connection,
    outbox_id: int,
    *,
    status: str,
    provider_id: str | None,
    receipt_code: str | None,
) -> None:
    """Move a row to a status the provider reported (the caller checked it may move)."""
    await conn.execute(
        """update outbox set status = $2, provider_id = coalesce(provider_id, $3),
                  receipt_code = coalesce($4, receipt_code), sending_since = null,
                  reconcile_first = false, next_attempt_at = null, hold_reason = null,
                  updated_at = now(),
                  sent_at = coalesce(sent_at, now()),
                  delivered_at = case when $2 = 'delivered' then coalesce(delivered_at, now())
                                      else delivered_at end
           where id = $1""",
        outbox_id,
        status,
        provider_id,
        receipt_code,
    )


async def pending_ids(
    conn: Queryable, older_than_seconds: int, limit: int, *, lease_seconds: int = 60
) -> list[int]:
    """Rows to (re-)enqueue: waiting rows now due, and 'sending' claims past their lease.

    A fresh row without next_attempt_at gets `older_than_seconds` of grace: the fast path
    enqueued it at commit.
    """
    rows = await conn.fetch(
        """(select id from outbox
            where status in ('created', 'temporary-failure') and merged_into is null
              and broadcast_id is null
              and coalesce(next_attempt_at, updated_at + make_interval(secs => $1)) <= now()
            order by coalesce(next_attempt_at, updated_at) limit $2)
           union all
           (select id from outbox
            where status = 'sending' and sending_since < now() - make_interval(secs => $3)
              and broadcast_id is null
            order by sending_since limit $2)""",
        older_than_seconds,
        limit,
        lease_seconds,
    )
    return [r["id"] for r in rows][:limit]


async def claim_for_poll(
    conn: Queryable, channel: str, *, after_seconds: int, give_up_hours: int, limit: int
) -> list[PollRow]:
    """Sent rows with no receipt after a while, marked as polled now (one poller each)."""
    return await fetch(
        conn,
        PollRow,
        """update outbox o set receipt_polled_at = now()
           from (select id from outbox
                 where status = 'sent' and channel = $1
                   and sent_at < now() - make_interval(secs => $2)
                   and sent_at > now() - make_interval(hours => $3)
                   and (receipt_polled_at is null
                        or receipt_polled_at < now() - make_interval(secs => $2))
                 order by sent_at limit $4
                 for update skip locked) due
           where o.id = due.id
           returning o.id, o.phone, o.provider_id, o.last_attempt_at, o.sent_at,
                     o.batch_out_id""",
        channel,
        after_seconds,
        give_up_hours,
        limit,
    )


async def find_for_receipt(
    conn: Queryable,
    *,
    out_id: int | None,
    biz_id: str | None,
    phones: list[str],
    batch_out_id: str | None = None,
) -> ReceiptTargetRow | None:
    """The row a report is about: by our id, else by the provider's id (shared by a batch)
    and the number, else by the batch's OutId and the number; the number must be the row's."""
    if out_id is not None:
        row = await fetchrow(
            conn,
            ReceiptTargetRow,
            "select id, phone, provider_id from outbox where id = $1 and phone = any($2)",
            out_id,
            phones,
        )
        if row is not None:
            return row
    if biz_id:
        row = await fetchrow(
            conn,
            ReceiptTargetRow,
            """select id, phone, provider_id from outbox
               where provider_id = $1 and phone = any($2) order by id desc limit 1""",
            biz_id,
            phones,
        )
        if row is not None:
            return row
    if batch_out_id:
        return await fetchrow(
            conn,
            ReceiptTargetRow,
            """select id, phone, provider_id from outbox
               where batch_out_id = $1 and phone = any($2) order by id desc limit 1""",
            batch_out_id,
            phones,
        )
    return None


async def insert_receipt(
    conn: Connection,
    *,
    outbox_id: int,
    source: str,
    dedupe_key: str,
    biz_id: str | None,
    out_id: str | None,
    phone: str,
    success: bool | None,
    err_code: str | None,
    err_msg: str | None,
    send_time: str | None,
    report_time: str | None,
    applied: bool,
) -> bool:
    """False when this very report was recorded before (a repeated push)."""
    inserted = await conn.fetchval(
        """insert into sms_receipts (outbox_id, source, dedupe_key, biz_id, out_id, phone,
                                     success, err_code, err_msg, send_time, report_time, applied)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           on conflict (dedupe_key) do nothing
           returning true""",
        outbox_id,
        source,
        dedupe_key,
        biz_id,
        out_id,
        phone,
        success,
        err_code,
        err_msg,
        send_time,
        report_time,
        applied,
    )
    return bool(inserted)


async def receipt_seen(conn: Queryable, dedupe_key: str) -> bool:
    return bool(
        await conn.fetchval("select true from sms_receipts where dedupe_key = $1", dedupe_key)
    )


# -- policy: caps, digests, decisions -------------------------------------------------------


async def lock_number(conn: Connection, phone: str) -> None:
    """Serialise the cap check of one number until commit: two workers claiming two messages
    to it at once would otherwise both count the same recent sends and both send."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended($1, 11))", phone)


async def recent_sends(
    conn: Queryable, phone: str, exclude_id: int, within_seconds: int
) -> list[datetime]:
    """When SMS to this number went out lately (each digest once)."""
    rows = await conn.fetch(
        """select last_attempt_at from outbox
           where phone = $1 and id <> $2 and merged_into is null
             and last_attempt_at > now() - make_interval(secs => $3)
             and status in ('sending', 'sent', 'delivered')""",
        phone,
        exclude_id,
        within_seconds,
    )
    return [r["last_attempt_at"] for r in rows]


async def channel_preference(conn: Queryable, citizen_id: int) -> str | None:
    value: str | None = await conn.fetchval(
        "select channel_preference from citizens where id = $1", citizen_id
    )
    return value


async def record_decision(
    conn: Connection,
    outbox_id: int,
    citizen_id: int | None,
    *,
    decision: str,
    reason: str,
    channel: str | None = None,
    until: datetime | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """A decision about a row; the channel decision is made once per row."""
    await conn.execute(
        """insert into notification_decisions (outbox_id, citizen_id, decision, channel, reason,
                                               until, detail)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (outbox_id) where decision = 'channel' do nothing""",
        outbox_id,
        citizen_id,
        decision,
        channel,
        reason,
        until,
        detail or {},
    )


async def channel_decision(conn: Queryable, outbox_id: int) -> DecisionRow | None:
    return await fetchrow(
        conn,
        DecisionRow,
        """select channel, reason from notification_decisions
           where outbox_id = $1 and decision = 'channel'""",
        outbox_id,
    )


async def lock_siblings(
    conn: Connection, carrier_id: int, phone: str, number: str
) -> list[SiblingRow]:
    """Other waiting, non-urgent updates to the same application for the same number."""
    return await fetch(
        conn,
        SiblingRow,
        """select id, citizen_id, kind, template, params, created_at from outbox
           where phone = $2 and params ->> 'number' = $3 and id <> $1
             and status in ('created', 'temporary-failure') and merged_into is null
             and not urgent and extend_code is null and created_at <= now()
           order by id
           for update skip locked""",
        carrier_id,
        phone,
        number,
    )


async def merged_rows(conn: Queryable, carrier_id: int) -> list[SiblingRow]:
    return await fetch(
        conn,
        SiblingRow,
        """select id, citizen_id, kind, template, params, created_at from outbox
           where merged_into = $1 order by id""",
        carrier_id,
    )


async def merge(conn: Connection, carrier_id: int, ids: list[int]) -> None:
    """Rows that go inside the carrier's SMS: in flight with it, never sent on their own."""
    await conn.execute(
        """update outbox set merged_into = $1, status = 'sending', sending_since = null,
                  next_attempt_at = null, hold_reason = 'digest', updated_at = now()
           where id = any($2::bigint[])""",
        carrier_id,
        ids,
    )


async def mirror_merged(conn: Connection, carrier_id: int, status: str) -> None:
    """Rows merged into a digest follow its status once it is sent or final."""
    await conn.execute(
        """update outbox set status = $2, updated_at = now(),
                  sent_at = case when $2 in ('sent', 'delivered') then coalesce(sent_at, now())
                                 else sent_at end,
                  delivered_at = case when $2 = 'delivered' then coalesce(delivered_at, now())
                                      else delivered_at end
           where merged_into = $1
             and status not in ('delivered', 'permanent-failure', 'technical-failure')""",
        carrier_id,
        status,
    )


# -- channel pauses -------------------------------------------------------------------------


async def active_pause(conn: Queryable, channel: str) -> PauseRow | None:
    return await fetchrow(
        conn,
        PauseRow,
        """select channel, code, reason, paused_at, paused_until from channel_pauses
           where channel = $1 and paused_until > now()""",
        channel,
    )


async def pause(
    conn: Connection, channel: str, *, code: str, reason: str, seconds: int
) -> tuple[datetime, bool]:
    """Pause (or extend a pause of) a channel. Returns (until, new): new if it was not paused."""
    row = await conn.fetchrow(
        """with before as (select paused_until > now() as active from channel_pauses
                           where channel = $1 for update)
           insert into channel_pauses (channel, code, reason, paused_until)
           values ($1, $2, $3, now() + make_interval(secs => $4))
           on conflict (channel) do update
             set code = excluded.code, reason = excluded.reason,
                 paused_at = case when channel_pauses.paused_until > now()
                                  then channel_pauses.paused_at else now() end,
                 paused_until = greatest(channel_pauses.paused_until, excluded.paused_until)
           returning paused_until, not coalesce((select active from before), false) as new""",
        channel,
        code,
        reason,
        seconds,
    )
    assert row is not None
    return row["paused_until"], bool(row["new"])


async def resume(conn: Connection, channel: str) -> int:
    """End a pause; rows held by it are due again at once. Returns how many."""
    await conn.execute("delete from channel_pauses where channel = $1", channel)
    status: str = await conn.execute(
        """update outbox set next_attempt_at = now(), hold_reason = null, updated_at = now()
           where hold_reason = 'paused' and status in ('created', 'temporary-failure')""",
    )
    return int(status.split()[-1])


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
        """select id, kind, channel, status, body, created_at, sent_at, delivered_at, opened_at,
                  merged_into, fallback_of
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
