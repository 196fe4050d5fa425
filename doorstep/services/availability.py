"""When the database is out of reach for a moment: a restart, a failover, a lost connection, a
server out of connections or too slow to answer. None of it is a fault of the request, and the
same request a little later will work, so callers answer `service.unavailable` (HTTP 503 with
Retry-After; WebSocket close 1013), which clients retry, never `internal`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")

# what clients are told to wait; a fast PostgreSQL restart is back within a second or two
RETRY_AFTER_SECONDS = 2
# a read that met a lost connection is run once more after this pause (the pool reconnects)
READ_RETRY_PAUSE_SECONDS = 0.25

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    # class 08: the connection failed or is gone
    asyncpg.PostgresConnectionError,
    # class 57: administrator shutdown (a restart, pg_terminate_backend), crash, starting up
    asyncpg.exceptions.OperatorInterventionError,
    # 53300: the server's connection slots are all taken
    asyncpg.exceptions.TooManyConnectionsError,
    # refused, reset or no route: the server is not listening (yet)
    ConnectionError,
    # no answer within the command timeout, or no pool connection within it
    TimeoutError,
)


def is_unavailable(exc: BaseException | None) -> bool:
    """Is this (or what it was raised from) the database being out of reach, not a bug?"""
    for _ in range(5):
        if exc is None:
            return False
        if isinstance(exc, _UNAVAILABLE):
            return True
        # asyncpg's own words for a connection closed under it, and for one that received the
        # server's farewell (57P01 "terminating connection") while idle in the pool: it waits
        # for an answer that never comes (state 2, consuming an error) until the socket closes
        if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
            return True
        if isinstance(exc, asyncpg.exceptions.InternalClientError) and (
            "(2) is in progress" in str(exc) or '"failed" state' in str(exc)
        ):
            return True
        exc = exc.__cause__
    return False


async def read_retrying_once(read: Callable[[], Awaitable[T]]) -> T:
    """A read that meets the database out of reach tries once more after a short pause: after
    a restart every pooled connection is dead and fails once, and in the pause the pool learns
    which (they are reconnected on the next use)."""
    try:
        return await read()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
    await asyncio.sleep(READ_RETRY_PAUSE_SECONDS)
    return await read()
