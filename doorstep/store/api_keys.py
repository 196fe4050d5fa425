"""API keys of third-party apps: rows by hash (the key itself is never stored)."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_one


class IssuedKeyRow(Row):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ListedKeyRow(IssuedKeyRow):
    last_used_at: datetime | None


class ActiveKeyRow(Row):
    id: int
    name: str
    scopes: list[str]


async def insert(
    db: Queryable, *, name: str, key_hash: bytes, prefix: str, scopes: list[str]
) -> IssuedKeyRow:
    return await fetchrow_one(
        db,
        IssuedKeyRow,
        """insert into api_keys (name, key_hash, prefix, scopes) values ($1, $2, $3, $4)
           returning id, name, prefix, scopes, created_at, revoked_at""",
        name,
        key_hash,
        prefix,
        scopes,
    )


async def active_by_hash(db: Queryable, key_hash: bytes) -> ActiveKeyRow | None:
    """The key's row if it exists and is not revoked; its use is noted (at most once a minute)."""
    return await fetchrow(
        db,
        ActiveKeyRow,
        """update api_keys set last_used_at = now()
           where key_hash = $1 and revoked_at is null
             and (last_used_at is null or last_used_at < now() - interval '1 minute')
           returning id, name, scopes""",
        key_hash,
    ) or await fetchrow(
        db,
        ActiveKeyRow,
        "select id, name, scopes from api_keys where key_hash = $1 and revoked_at is null",
        key_hash,
    )


async def revoke(db: Queryable, key_id: int) -> bool:
    status: str = await db.execute(
        "update api_keys set revoked_at = now() where id = $1 and revoked_at is null", key_id
    )
    return status.endswith(" 1")


async def all_keys(db: Queryable) -> list[ListedKeyRow]:
    return await fetch(
        db,
        ListedKeyRow,
        "select id, name, prefix, scopes, created_at, revoked_at, last_used_at "
        "from api_keys order by id",
    )
