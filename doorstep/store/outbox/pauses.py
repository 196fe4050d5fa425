"""SQL for channel pauses: a provider's refusal holds every row of the channel."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.outbox.rows import PauseRow
from doorstep.store.rows import Row, fetchrow, fetchrow_one


async def active_pause(conn: Queryable, channel: str) -> PauseRow | None:
    return await fetchrow(
        conn,
        PauseRow,
        """select channel, code, reason, paused_at, paused_until from channel_pauses
           where channel = $1 and paused_until > now()""",
        channel,
    )


class _PausedRow(Row):
    paused_until: datetime
    new: bool


async def pause(
    conn: Connection, channel: str, *, code: str, reason: str, seconds: int
) -> tuple[datetime, bool]:
    """Pause (or extend a pause of) a channel. Returns (until, new): new if it was not paused."""
    row = await fetchrow_one(
        conn,
        _PausedRow,
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
    return row.paused_until, row.new


async def resume(conn: Connection, channel: str) -> int:
    """End a pause; rows held by it are due again at once. Returns how many."""
    await conn.execute("delete from channel_pauses where channel = $1", channel)
    status: str = await conn.execute(
        """update outbox set next_attempt_at = now(), hold_reason = null, updated_at = now()
           where hold_reason = 'paused' and status in ('created', 'temporary-failure')""",
    )
    return int(status.split()[-1])
