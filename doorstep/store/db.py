"""The asyncpg pool, with JSON codecs so jsonb columns come back as Python values."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeAlias, cast

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    from doorstep.store.rows import Json

    # a plain connection or one borrowed from the pool: the same to every query
    Connection = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    # quoted: the class object itself has Any in its signature (disallow_any_expr)
    Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"
    # what a read needs: a connection, or the pool for a one-off query
    Queryable = Connection | Pool
else:
    Connection = asyncpg.Connection
    Pool = asyncpg.Pool
    Queryable = asyncpg.Connection | asyncpg.Pool


def _encode_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _decode_json(text: str) -> Json:
    return cast("Json", json.loads(text))


async def _init_connection(conn: Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=_encode_json, decoder=_decode_json, schema="pg_catalog"
        )


async def _no_reset(_conn: Connection) -> None:
    return None


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # asyncpg's default reset costs a round trip on every release; pooled connections hold
        # no session state (advisory locks here are transaction-scoped, no LISTEN, no SET)
        reset=_no_reset,
        # statements are prepared per connection and reused: the hot queries are few
        statement_cache_size=256,
        command_timeout=30,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection[asyncpg.Record]:
    conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


@asynccontextmanager
async def transaction(pool: Pool) -> AsyncIterator[Connection]:
    """One connection, one transaction: commit on success, roll back on any error."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
