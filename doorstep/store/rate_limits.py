"""SQL for the sliding-window limits: the recent rows of one person (or client address) in one
table, counted per window, under a lock held to the end of the transaction so that two requests
at once cannot both pass a limit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from doorstep.store.db import Connection
from doorstep.store.rows import Row, fetch


class Counted(StrEnum):
    """What a limit counts: one table's rows by one column, dated by another."""

    LOGIN_CODES_OF_PHONE = "login_codes.phone"
    LOGIN_CODES_OF_CLIENT = "login_codes.client"
    TICKETS_OF_CITIZEN = "tickets.citizen"
    TICKETS_OF_CLIENT = "tickets.client"
    DELEGATIONS_ASKED_BY_AGENT = "delegations.agent"
    CONFIRMATIONS_ASKED_BY_AGENT = "confirmations.agent"
    IDENTITY_CHECKS_OF_CITIZEN = "identity_verifications.citizen"


# table, key column, time column: constants, never input (each has an index on key and time)
_SOURCES: dict[Counted, tuple[str, str, str]] = {
    Counted.LOGIN_CODES_OF_PHONE: ("login_codes", "phone", "created_at"),
    Counted.LOGIN_CODES_OF_CLIENT: ("login_codes", "client_addr", "created_at"),
    Counted.TICKETS_OF_CITIZEN: ("tickets", "citizen_id", "created_at"),
    Counted.TICKETS_OF_CLIENT: ("tickets", "client_addr", "created_at"),
    Counted.DELEGATIONS_ASKED_BY_AGENT: ("delegations", "agent_id", "requested_at"),
    Counted.CONFIRMATIONS_ASKED_BY_AGENT: ("delegation_confirmations", "agent_id", "created_at"),
    Counted.IDENTITY_CHECKS_OF_CITIZEN: ("identity_verifications", "citizen_id", "created_at"),
}


class _WindowRow(Row):
    i: int
    db_now: datetime
    n: int
    oldest: datetime | None


async def recent(
    conn: Connection, counted: Counted, key: int | str, windows: Sequence[int]
) -> tuple[datetime, list[tuple[int, datetime | None]]]:
    """The database's now and, per window (in seconds, in the order given), how many rows of
    `key` fall in it and the oldest of them. Locks `key` for `counted` until the transaction
    ends."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('rate:' || $1 || ':' || $2, 0))",
        counted.value,
        str(key),
    )
    table, column, at = _SOURCES[counted]
    rows = await fetch(
        conn,
        _WindowRow,
        f"""select w.i, now() as db_now, count(x.{at}) as n, min(x.{at}) as oldest
            from unnest($2::int[]) with ordinality as w(seconds, i)
            left join {table} x
              on x.{column} = $1 and x.{at} > now() - make_interval(secs => w.seconds)
            group by w.i order by w.i""",
        key,
        list(windows),
    )
    return rows[0].db_now, [(r.n, r.oldest) for r in rows]
