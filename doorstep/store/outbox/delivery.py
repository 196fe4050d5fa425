"""SQL for delivering an outbox row: insert, lock, claim, finish, fail, hold; what is pending."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.events import APPEND_SQL, NewEvent
from doorstep.store.outbox.rows import ClaimRow, OutboxRow
from doorstep.store.rows import Row, fetchrow, fetchrow_one
from doorstep.store.typed import fetch_column, fetch_int, fetch_value, gives_row


@dataclass(frozen=True)
class NewMessage:
    """An outbox row to write: alone (`insert`) or after an event (`insert_after_event`)."""

    citizen_id: int | None
    phone: str
    kind: str
    template: str
    params: Mapping[str, object]
    language: str
    urgent: bool
    extend_code: str | None = None

    def arguments(self) -> tuple[object, ...]:
        """The values of `_COLUMNS`, in order."""
        return (
            self.citizen_id,
            self.phone,
            self.kind,
            self.template,
            self.params,
            self.language,
            self.urgent,
            self.extend_code,
        )


_COLUMNS = "citizen_id, phone, kind, template, params, language, urgent, extend_code"


async def insert(conn: Connection, message: NewMessage) -> int:
    return await fetch_int(
        conn,
        f"""insert into outbox ({_COLUMNS})
            values ($1, $2, $3, $4, $5, $6, $7, $8) returning id""",
        *message.arguments(),
    )


class _SeqIdRow(Row):
    seq: int
    id: int


async def insert_after_event(
    conn: Connection, event: NewEvent, message: NewMessage
) -> tuple[int, int]:
    """The event (as `events.append` writes it) and then an outbox row, in one statement:
    (event seq, outbox id)."""
    row = await fetchrow_one(
        conn,
        _SeqIdRow,
        f"""with e as ({APPEND_SQL} as seq),
            o as (insert into outbox ({_COLUMNS})
                  select $8, $9, $10, $11, $12, $13, $14, $15 from e
                  returning id)
            select e.seq, o.id from e, o""",
        *event.arguments(),
        *message.arguments(),
    )
    return row.seq, row.id


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
    return await fetch_value(
        conn,
        datetime,
        """update outbox set status = 'sending', sending_since = clock_timestamp(),
                  updated_at = now()
           where id = $1 returning sending_since""",
        outbox_id,
    )


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
    return await gives_row(
        conn,
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


async def pending_ids(
    conn: Queryable, older_than_seconds: int, limit: int, *, lease_seconds: int = 60
) -> list[int]:
    """Rows to (re-)enqueue: waiting rows now due, and 'sending' claims past their lease.

    A fresh row without next_attempt_at gets `older_than_seconds` of grace: the fast path
    enqueued it at commit.
    """
    ids = await fetch_column(
        conn,
        int,
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
    return ids[:limit]
