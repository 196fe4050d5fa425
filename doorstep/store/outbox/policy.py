"""SQL for the sending policy: caps, digests and the decisions made about each row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.outbox.rows import DecisionRow, SiblingRow
from doorstep.store.rows import fetch, fetchrow
from doorstep.store.typed import fetch_column, fetch_optional


async def lock_number(conn: Connection, phone: str) -> None:
    """Serialise the cap check of one number until commit: two workers claiming two messages
    to it at once would otherwise both count the same recent sends and both send."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended($1, 11))", phone)


async def recent_sends(
    conn: Queryable, phone: str, exclude_id: int, within_seconds: int
) -> list[datetime]:
    """When SMS to this number went out lately (each digest once)."""
    return await fetch_column(
        conn,
        datetime,
        """select last_attempt_at from outbox
           where phone = $1 and id <> $2 and merged_into is null
             and last_attempt_at > now() - make_interval(secs => $3)
             and status in ('sending', 'sent', 'delivered')""",
        phone,
        exclude_id,
        within_seconds,
    )


async def channel_preference(conn: Queryable, citizen_id: int) -> str | None:
    return await fetch_optional(
        conn, str, "select channel_preference from citizens where id = $1", citizen_id
    )


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


async def record_held(
    conn: Connection,
    outbox_id: int,
    citizen_id: int | None,
    reason: str,
    detail: Mapping[str, object] | None = None,
) -> None:
    """An attempt's outcome held the row for another: the decision, until the next attempt
    the row now names."""
    until = await fetch_optional(
        conn, datetime, "select next_attempt_at from outbox where id = $1", outbox_id
    )
    await record_decision(
        conn, outbox_id, citizen_id, decision="held", reason=reason, until=until, detail=detail
    )


async def channel_decision(conn: Queryable, outbox_id: int) -> DecisionRow | None:
    return await fetchrow(
        conn,
        DecisionRow,
        """select channel, reason from notification_decisions
           where outbox_id = $1 and decision = 'channel'""",
        outbox_id,
    )


# the rows a digest carries, or may: as SiblingRow reads them
_SIBLINGS = "select id, citizen_id, kind, template, params, created_at from outbox"


async def lock_siblings(
    conn: Connection, carrier_id: int, phone: str, number: str
) -> list[SiblingRow]:
    """Other waiting, non-urgent updates to the same application for the same number."""
    return await fetch(
        conn,
        SiblingRow,
        f"""{_SIBLINGS}
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
        f"{_SIBLINGS} where merged_into = $1 order by id",
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
