"""SQL for login codes, sessions and looking up who a phone number belongs to."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from doorstep.store.db import Connection


async def lock_phone(conn: Connection, phone: str) -> None:
    """Serialise code requests and checks for one phone within the transaction."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))", phone)


async def insert_code(
    conn: Connection, phone: str, code_hash: bytes, client_addr: str | None, ttl_seconds: int
) -> asyncpg.Record:
    row = await conn.fetchrow(
        """insert into login_codes (phone, code_hash, client_addr, expires_at)
           values ($1, $2, $3, now() + make_interval(secs => $4))
           returning id, expires_at""",
        phone,
        code_hash,
        client_addr,
        ttl_seconds,
    )
    assert row is not None
    return row


async def latest_open_code(conn: Connection, phone: str) -> asyncpg.Record | None:
    """The newest code sent, locked; older ones stop counting once a new one is sent, even
    after the new one is used (a used code counts as expired)."""
    return await conn.fetchrow(
        """select id, code_hash, attempts, expires_at,
                  consumed_at is not null or expires_at <= now() as expired
           from login_codes
           where phone = $1
           order by created_at desc, id desc limit 1
           for update""",
        phone,
    )


async def count_attempt(conn: Connection, code_id: int) -> int:
    value: int = await conn.fetchval(
        "update login_codes set attempts = attempts + 1 where id = $1 returning attempts", code_id
    )
    return value


async def consume_code(conn: Connection, code_id: int) -> None:
    await conn.execute(
        "update login_codes set consumed_at = now(), attempts = attempts + 1 where id = $1",
        code_id,
    )


async def citizen_by_phone(conn: Connection, phone: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select id, phone, language, elder_mode, birth_date, elder_mode_chosen_at
           from citizens where phone = $1""",
        phone,
    )


async def create_citizen(conn: Connection, phone: str, language: str) -> asyncpg.Record | None:
    """Returns the new row, or None when another request created it first."""
    return await conn.fetchrow(
        """insert into citizens (phone, language, language_chosen) values ($1, $2, false)
           on conflict (phone) do nothing
           returning id, phone, language, elder_mode, birth_date, elder_mode_chosen_at""",
        phone,
        language,
    )


async def staff_by_phone(conn: Connection, phone: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select id, role, unit_id, region_code, active from staff_members where phone = $1", phone
    )


async def insert_session(
    conn: Connection,
    token_hash: bytes,
    role: str,
    citizen_id: int | None,
    staff_id: int | None,
    days: int,
) -> datetime:
    expires: datetime = await conn.fetchval(
        """insert into sessions (token_hash, role, citizen_id, staff_id, expires_at)
           values ($1, $2, $3, $4, now() + make_interval(days => $5))
           returning expires_at""",
        token_hash,
        role,
        citizen_id,
        staff_id,
        days,
    )
    return expires


async def session_by_token_hash(conn: Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select s.id, s.role, s.citizen_id, s.staff_id, s.expires_at,
                  st.unit_id, coalesce(st.region_code, u.region_code) as region_code,
                  c.language, c.elder_mode, c.language_chosen
           from sessions s
           left join staff_members st on st.id = s.staff_id
           left join units u on u.id = st.unit_id
           left join citizens c on c.id = s.citizen_id
           where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()
             and (s.staff_id is null or st.active)""",
        token_hash,
    )


async def revoke_session(conn: Connection, session_id: int) -> None:
    await conn.execute(
        "update sessions set revoked_at = now() where id = $1 and revoked_at is null", session_id
    )


async def codes_last_hour(conn: Connection) -> int:
    """Log-in codes sent in the last hour, to every number (the global budget)."""
    count: int = await conn.fetchval(
        "select count(*) from login_codes where created_at > now() - interval '1 hour'"
    )
    return count
