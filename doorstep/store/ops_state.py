"""What the engineer on call needs to know about the work in the database, read at a metrics
scrape: unfinished outbox rows, paused channels, overdue work.

Each query reads a partial index of the rows that are not finished yet, under a short
statement timeout: a slow scrape is dropped, never a pile-up of slow scrapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from doorstep.store.db import Pool
from doorstep.store.rows import Row, fetch
from doorstep.store.typed import fetch_int, fetch_value

STATEMENT_TIMEOUT = "2s"
# outbox statuses that are not final
OPEN_STATUSES = ("created", "sending", "sent", "temporary-failure")

_OUTBOX = """
select status, count(*) as n,
       extract(epoch from now() - min(created_at))::float8 as oldest
  from outbox where status in ('created', 'temporary-failure') group by status
union all
select 'sending', count(*), extract(epoch from now() - min(sending_since))::float8
  from outbox where status = 'sending'
union all
select 'sent', count(*), extract(epoch from now() - min(sent_at))::float8
  from outbox where status = 'sent'
"""
# how long the longest-waiting row has been due and not taken (held rows are not due)
_OUTBOX_DUE = """
select coalesce(extract(epoch from now() - min(coalesce(next_attempt_at, updated_at))), 0)::float8
  from outbox
 where status in ('created', 'temporary-failure')
   and coalesce(next_attempt_at, updated_at) <= now()
"""
_PAUSES = """
select channel, code, paused_until > now() as active,
       greatest(extract(epoch from paused_until - now()), 0)::float8 as left_seconds
  from channel_pauses
"""
_OVERDUE_TASKS = """
select count(*) from tasks where status in ('submitted', 'accepted') and due_on < $1
"""
_OVERDUE_TICKETS = """
select count(*) from tickets
 where status not in ('closed', 'closed_unconfirmed', 'resolved') and handle_due_at < now()
"""


class _OutboxStatusRow(Row):
    status: str
    n: int
    oldest: float | None


class _PauseRow(Row):
    channel: str
    code: str | None
    active: bool
    left_seconds: float


@dataclass(frozen=True)
class Pause:
    channel: str
    code: str
    active: bool
    seconds_left: float


@dataclass
class OpsState:
    # status -> (rows, age in seconds of the oldest: created; sending since its claim; sent
    # since it was sent, waiting for a receipt)
    outbox: dict[str, tuple[int, float]] = field(default_factory=dict)
    outbox_due_seconds: float = 0.0
    pauses: list[Pause] = field(default_factory=list)
    overdue_tasks: int = 0
    overdue_tickets: int = 0


async def read(pool: Pool, today: date) -> OpsState:
    state = OpsState(outbox={status: (0, 0.0) for status in OPEN_STATUSES})
    async with pool.acquire(timeout=2) as conn, conn.transaction(readonly=True):
        await conn.execute(f"set local statement_timeout = '{STATEMENT_TIMEOUT}'")
        for row in await fetch(conn, _OutboxStatusRow, _OUTBOX):
            state.outbox[row.status] = (row.n, row.oldest or 0.0)
        state.outbox_due_seconds = await fetch_value(conn, float, _OUTBOX_DUE)
        state.pauses = [
            Pause(r.channel, r.code or "", r.active, r.left_seconds)
            for r in await fetch(conn, _PauseRow, _PAUSES)
        ]
        state.overdue_tasks = await fetch_int(conn, _OVERDUE_TASKS, today)
        state.overdue_tickets = await fetch_int(conn, _OVERDUE_TICKETS)
    return state
