"""SQL for agents' money-moving actions waiting for the principal's own confirmation."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_by
from doorstep.store.typed import fetch_bool, fetch_optional


class ConfirmationRow(Row):
    """A confirmation with its delegation's state, both people and what it is about."""

    id: int
    delegation_id: int
    agent_id: int
    principal_id: int
    operation: str
    bundle_code: str
    offer_id: int | None
    payload_enc: bytes
    status: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    application_id: int | None
    delegation_status: str
    delegation_requested_at: datetime
    delegation_valid_from: datetime
    delegation_valid_until: datetime
    delegation_themes: list[str]
    agent_name: str | None
    agent_phone: str
    agent_language: str
    principal_name: str | None
    principal_phone: str
    principal_language: str
    principal_elder_mode: bool
    bundle_name: str
    application_number: str | None


_COLUMNS = """c.id, c.delegation_id, c.agent_id, c.principal_id, c.operation, c.bundle_code,
    c.offer_id, c.payload_enc, c.status, c.created_at, c.expires_at, c.decided_at,
    c.decided_by, c.application_id,
    d.status as delegation_status, d.requested_at as delegation_requested_at,
    d.valid_from as delegation_valid_from, d.valid_until as delegation_valid_until,
    d.themes as delegation_themes,
    a.name as agent_name, a.phone as agent_phone, a.language as agent_language,
    p.name as principal_name, p.phone as principal_phone, p.language as principal_language,
    p.elder_mode as principal_elder_mode,
    coalesce(b.name, c.bundle_code) as bundle_name, app.number as application_number"""
_FROM = """from delegation_confirmations c
    join delegations d on d.id = c.delegation_id
    join citizens a on a.id = c.agent_id
    join citizens p on p.id = c.principal_id
    left join bundles b on b.code = c.bundle_code
    left join applications app on app.id = c.application_id"""
_SELECT = f"select {_COLUMNS} {_FROM}"


async def _where(db: Queryable, condition: str, *args: object) -> list[ConfirmationRow]:
    """The confirmations `condition` (over `c` and its delegation `d`, then any order and lock)
    finds."""
    return await fetch(db, ConfirmationRow, f"{_SELECT} where {condition}", *args)


async def insert(
    conn: Connection,
    *,
    delegation_id: int,
    agent_id: int,
    principal_id: int,
    operation: str,
    bundle_code: str,
    offer_id: int | None,
    payload_enc: bytes,
    hours: int,
) -> int | None:
    """The new confirmation's id; None when the bundle (or the offer) already waits for one
    under this delegation."""
    return await fetch_optional(
        conn,
        int,
        """insert into delegation_confirmations (delegation_id, agent_id, principal_id,
                                                 operation, bundle_code, offer_id,
                                                 payload_enc, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(hours => $8))
           on conflict do nothing
           returning id""",
        delegation_id,
        agent_id,
        principal_id,
        operation,
        bundle_code,
        offer_id,
        payload_enc,
        hours,
    )


async def get(db: Queryable, confirmation_id: int, *, lock: bool = False) -> ConfirmationRow | None:
    return await fetchrow_by(
        db, ConfirmationRow, _SELECT, "c.id", confirmation_id, lock=lock, lock_of="c"
    )


async def of_citizen(
    db: Queryable, citizen_id: int, statuses: list[str] | None, limit: int
) -> list[ConfirmationRow]:
    """Confirmations the citizen is asked for (as principal) or asked for (as agent), newest
    first; `statuses` filters by the stored status."""
    return await _where(
        db,
        """(c.principal_id = $1 or c.agent_id = $1)
             and ($2::text[] is null or c.status = any($2::text[]))
           order by c.created_at desc, c.id desc limit $3""",
        citizen_id,
        statuses,
        limit,
    )


async def between(
    db: Queryable, agent_id: int, principal_id: int, statuses: list[str] | None, limit: int
) -> list[ConfirmationRow]:
    return await _where(
        db,
        """c.agent_id = $1 and c.principal_id = $2
             and ($3::text[] is null or c.status = any($3::text[]))
           order by c.created_at desc, c.id desc limit $4""",
        agent_id,
        principal_id,
        statuses,
        limit,
    )


async def pending_for_principal(db: Queryable, principal_id: int) -> list[ConfirmationRow]:
    """Stored as pending (some may have run out of time), newest first; not locked (lock the
    delegation first, then the one to change: the order a revocation takes them in)."""
    return await _where(
        db,
        """c.principal_id = $1 and c.status = 'pending'
           order by c.created_at desc, c.id desc""",
        principal_id,
    )


async def pending_asked_by(db: Queryable, agent_id: int) -> list[ConfirmationRow]:
    """What this citizen asked others to confirm and still waits, newest first."""
    return await _where(
        db,
        """c.agent_id = $1 and c.status = 'pending' and c.expires_at > now()
           order by c.created_at desc, c.id desc""",
        agent_id,
    )


async def confirmed_since(
    db: Queryable, principal_id: int, seconds: float
) -> ConfirmationRow | None:
    """The latest confirmation this principal confirmed (app or SMS) in the last `seconds`."""
    return await fetchrow(
        db,
        ConfirmationRow,
        f"""{_SELECT}
            where c.principal_id = $1 and c.status = 'confirmed'
              and c.decided_at > now() - make_interval(secs => $2)
            order by c.decided_at desc limit 1""",
        principal_id,
        seconds,
    )


async def pending_of_delegation(conn: Connection, delegation_id: int) -> list[ConfirmationRow]:
    return await _where(
        conn,
        """c.delegation_id = $1 and c.status = 'pending'
           order by c.id
           for update of c""",
        delegation_id,
    )


async def due(conn: Connection, limit: int) -> list[ConfirmationRow]:
    """Pending confirmations past their time, or whose delegation no longer holds; locked,
    skipping rows another sweep (or an answer) holds."""
    return await _where(
        conn,
        """c.status = 'pending'
             and (c.expires_at <= now() or d.status <> 'active' or d.valid_until <= now())
           order by c.id limit $1
           for update of c skip locked""",
        limit,
    )


async def decide(
    conn: Connection,
    confirmation_id: int,
    *,
    status: str,
    by: str,
    application_id: int | None = None,
) -> None:
    await conn.execute(
        """update delegation_confirmations
           set status = $2, decided_by = $3, decided_at = now(), application_id = $4
           where id = $1""",
        confirmation_id,
        status,
        by,
        application_id,
    )


async def pending_same(
    conn: Connection, delegation_id: int, bundle_code: str, offer_id: int | None
) -> list[ConfirmationRow]:
    """Pending confirmations that would stand in the way of a new one, locked."""
    return await _where(
        conn,
        """c.status = 'pending'
             and ((c.delegation_id = $1 and c.bundle_code = $2) or c.offer_id = $3)
           for update of c""",
        delegation_id,
        bundle_code,
        offer_id,
    )


async def newest_live_request_at(
    db: Queryable, principal_id: int, request_ttl_seconds: float
) -> datetime | None:
    """When the newest delegation request still waiting for this principal was made."""
    return await fetch_optional(
        db,
        datetime,
        """select max(requested_at) from delegations
           where principal_id = $1 and status = 'requested' and valid_until > now()
             and requested_at > now() - make_interval(secs => $2)""",
        principal_id,
        request_ttl_seconds,
    )


async def request_named(db: Queryable, principal_id: int, residue: int, modulus: int) -> bool:
    """Whether a delegation request to this principal, still unanswered, has an id of this
    residue (the subject part of an SMS extend code)."""
    return await fetch_bool(
        db,
        """select exists (select 1 from delegations
                          where principal_id = $1 and status = 'requested' and id % $3 = $2)""",
        principal_id,
        residue,
        modulus,
    )
