"""SQL for login codes, sessions and looking up who a phone number belongs to."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_by, fetchrow_one
from doorstep.store.typed import fetch_int, fetch_value


class NewCodeRow(Row):
    id: int
    expires_at: datetime


class OpenCodeRow(Row):
    id: int
    code_hash: bytes
    attempts: int
    expires_at: datetime
    expired: bool


class CitizenLoginRow(Row):
    id: int
    phone: str
    language: str
    elder_mode: bool
    birth_date: date | None
    elder_mode_chosen_at: datetime | None


class StaffLoginRow(Row):
    id: int
    phone: str
    role: str
    unit_id: int | None
    region_code: str | None
    active: bool


class TotpRow(Row):
    secret_enc: bytes
    last_step: int


class StaffLoginRecordRow(Row):
    id: int
    staff_id: int | None
    staff_name: str | None
    phone_masked: str
    client_addr: str | None
    success: bool
    reason: str | None
    created_at: datetime


class SessionRow(Row):
    """A live session with what every request needs of its holder (the citizen columns are
    None for staff)."""

    id: int
    role: str
    citizen_id: int | None
    staff_id: int | None
    expires_at: datetime
    unit_id: int | None
    region_code: str | None
    language: str | None
    elder_mode: bool | None
    language_chosen: bool | None


async def lock_phone(conn: Connection, phone: str) -> None:
    """Serialise code requests and checks for one phone within the transaction."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))", phone)


async def insert_code(
    conn: Connection, phone: str, code_hash: bytes, client_addr: str | None, ttl_seconds: int
) -> NewCodeRow:
    return await fetchrow_one(
        conn,
        NewCodeRow,
        """insert into login_codes (phone, code_hash, client_addr, expires_at)
           values ($1, $2, $3, now() + make_interval(secs => $4))
           returning id, expires_at""",
        phone,
        code_hash,
        client_addr,
        ttl_seconds,
    )


async def latest_open_code(conn: Connection, phone: str) -> OpenCodeRow | None:
    """The newest code sent, locked; older ones stop counting once a new one is sent, even
    after the new one is used (a used code counts as expired)."""
    return await fetchrow(
        conn,
        OpenCodeRow,
        """select id, code_hash, attempts, expires_at,
                  consumed_at is not null or expires_at <= now() as expired
           from login_codes
           where phone = $1
           order by created_at desc, id desc limit 1
           for update""",
        phone,
    )


async def count_attempt(conn: Connection, code_id: int) -> int:
    return await fetch_int(
        conn,
        "update login_codes set attempts = attempts + 1 where id = $1 returning attempts",
        code_id,
    )


async def consume_code(conn: Connection, code_id: int) -> None:
    await conn.execute(
        "update login_codes set consumed_at = now(), attempts = attempts + 1 where id = $1",
        code_id,
    )


async def citizen_by_phone(conn: Connection, phone: str) -> CitizenLoginRow | None:
    return await fetchrow(
        conn,
        CitizenLoginRow,
        """select id, phone, language, elder_mode, birth_date, elder_mode_chosen_at
           from citizens where phone = $1""",
        phone,
    )


async def create_citizen(conn: Connection, phone: str, language: str) -> CitizenLoginRow | None:
    """Returns the new row, or None when another request created it first."""
    return await fetchrow(
        conn,
        CitizenLoginRow,
        """insert into citizens (phone, language, language_chosen) values ($1, $2, false)
           on conflict (phone) do nothing
           returning id, phone, language, elder_mode, birth_date, elder_mode_chosen_at""",
        phone,
        language,
    )


_STAFF_LOGIN = "select id, phone, role, unit_id, region_code, active from staff_members"


async def staff_by_phone(conn: Connection, phone: str) -> StaffLoginRow | None:
    return await fetchrow(conn, StaffLoginRow, f"{_STAFF_LOGIN} where phone = $1", phone)


async def staff_by_id(conn: Connection, staff_id: int) -> StaffLoginRow | None:
    return await fetchrow(conn, StaffLoginRow, f"{_STAFF_LOGIN} where id = $1", staff_id)


async def totp_of(conn: Connection, staff_id: int, *, lock: bool = False) -> TotpRow | None:
    select = "select secret_enc, last_step from staff_totp"
    return await fetchrow_by(conn, TotpRow, select, "staff_id", staff_id, lock=lock)


async def put_totp(conn: Connection, staff_id: int, secret_enc: bytes) -> None:
    """A new secret (enrolment or reset): codes of the old one stop working."""
    await conn.execute(
        """insert into staff_totp (staff_id, secret_enc) values ($1, $2)
           on conflict (staff_id) do update set secret_enc = excluded.secret_enc,
             enrolled_at = now(), last_step = 0""",
        staff_id,
        secret_enc,
    )


async def accept_totp_step(conn: Connection, staff_id: int, step: int) -> None:
    await conn.execute(
        "update staff_totp set last_step = $2 where staff_id = $1 and last_step < $2",
        staff_id,
        step,
    )


async def record_staff_login(
    conn: Connection,
    *,
    staff_id: int | None,
    phone_masked: str,
    client_addr: str | None,
    success: bool,
    reason: str | None,
) -> None:
    await conn.execute(
        """insert into staff_logins (staff_id, phone_masked, client_addr, success, reason)
           values ($1, $2, $3, $4, $5)""",
        staff_id,
        phone_masked,
        client_addr,
        success,
        reason,
    )


async def staff_logins(
    conn: Queryable, *, staff_id: int | None, limit: int, before_id: int | None
) -> list[StaffLoginRecordRow]:
    return await fetch(
        conn,
        StaffLoginRecordRow,
        """select l.id, l.staff_id, s.name as staff_name, l.phone_masked, l.client_addr,
                  l.success, l.reason, l.created_at
           from staff_logins l left join staff_members s on s.id = l.staff_id
           where ($1::bigint is null or l.staff_id = $1)
             and ($3::bigint is null or l.id < $3)
           order by l.id desc limit $2""",
        staff_id,
        limit,
        before_id,
    )


async def insert_session(
    conn: Connection,
    token_hash: bytes,
    role: str,
    citizen_id: int | None,
    staff_id: int | None,
    hours: int,
) -> datetime:
    return await fetch_value(
        conn,
        datetime,
        """insert into sessions (token_hash, role, citizen_id, staff_id, expires_at)
           values ($1, $2, $3, $4, now() + make_interval(hours => $5))
           returning expires_at""",
        token_hash,
        role,
        citizen_id,
        staff_id,
        hours,
    )


# a session `s` not revoked and not expired (a staff member's also needs the member active)
SESSION_UNENDED = "s.revoked_at is null and s.expires_at > now()"

# a session that is live: not revoked, not expired, and its staff member (if any) still active
_LIVE_SESSION = f"""select s.id, s.role, s.citizen_id, s.staff_id, s.expires_at,
                  st.unit_id, coalesce(st.region_code, u.region_code) as region_code,
                  c.language, c.elder_mode, c.language_chosen
           from sessions s
           left join staff_members st on st.id = s.staff_id
           left join units u on u.id = st.unit_id
           left join citizens c on c.id = s.citizen_id
           where {{key}} and {SESSION_UNENDED} and (s.staff_id is null or st.active)"""
_BY_TOKEN_HASH = _LIVE_SESSION.format(key="s.token_hash = $1")
_BY_ID = _LIVE_SESSION.format(key="s.id = $1")


async def session_by_token_hash(conn: Connection, token_hash: bytes) -> SessionRow | None:
    return await fetchrow(conn, SessionRow, _BY_TOKEN_HASH, token_hash)


async def live_session(conn: Connection, session_id: int) -> SessionRow | None:
    """The session as it is now (preferences included), or None once it has ended."""
    return await fetchrow(conn, SessionRow, _BY_ID, session_id)


async def revoke_session(conn: Connection, session_id: int) -> None:
    await conn.execute(
        "update sessions set revoked_at = now() where id = $1 and revoked_at is null", session_id
    )


async def codes_last_hour(conn: Connection) -> int:
    """Log-in codes sent in the last hour, to every number (the global budget)."""
    return await fetch_int(
        conn, "select count(*) from login_codes where created_at > now() - interval '1 hour'"
    )
