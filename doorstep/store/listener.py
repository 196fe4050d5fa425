"""One LISTEN connection per API process, open while someone there follows changes, that
reconnects by itself."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

# how long the connection stays open after the last follower left: followers come and go
# (a page reloaded, a phone that reconnects), and each opening costs a backend
LINGER_SECONDS = 60.0


class Listener:
    """Calls `on_hint` for every NOTIFY on `channel`, and `on_reconnect` after each (re)connect.

    A dropped connection (network, restart, pg_terminate_backend) is noticed at once through
    asyncpg's termination callback and re-opened with backoff; hints sent meanwhile are lost,
    which is why readers never rely on them alone.

    The connection is open only while `want(True)` holds (and `linger_seconds` after): every
    NOTIFY is handed to every listening backend and its client, and the client's share is the
    larger (an API process's CPU a submission 1.20 → 1.14 ms without it; PostgreSQL's
    1-2% more a transaction with a listener), so a process nobody follows through does not
    listen.
    `on_reconnect` after each opening reads what was committed while it was closed.
    """

    def __init__(
        self,
        dsn: str,
        channel: str,
        on_hint: Callable[[], None],
        on_reconnect: Callable[[], None],
        *,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_hint = on_hint
        self._on_reconnect = on_reconnect
        self._linger_seconds = linger_seconds
        self._stopping = asyncio.Event()
        self._wanted = asyncio.Event()
        self._unwanted = asyncio.Event()
        self._unwanted.set()
        self.connected = asyncio.Event()
        self.connections_made = 0

    def want(self, wanted: bool) -> None:
        """Whether someone here follows changes now."""
        (self._wanted if wanted else self._unwanted).set()
        (self._unwanted if wanted else self._wanted).clear()

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            if not self._wanted.is_set():
                await _first_of(self._stopping.wait(), self._wanted.wait())
                continue
            lost = asyncio.Event()
            conn: asyncpg.Connection[asyncpg.Record] | None = None
            try:
                conn = await asyncpg.connect(
                    self._dsn,
                    timeout=5,
                    # named per process, so operators (and tests) can find this connection
                    server_settings={"application_name": f"doorstep-listener-{os.getpid()}"},
                )
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(self._channel, self._notified)
                self.connections_made += 1
                self.connected.set()
                backoff = 0.1
                self._on_reconnect()  # anything committed while we were away is read now
                await _first_of(self._stopping.wait(), lost.wait(), self._unfollowed())
                if lost.is_set():
                    log.warning("LISTEN connection lost; reconnecting")
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                log.warning("LISTEN connection failed (%s); retrying in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.connected.clear()
                if conn is not None and not conn.is_closed():
                    await conn.close(timeout=2)

    async def _unfollowed(self) -> None:
        """Until nobody has followed changes for `linger_seconds`."""
        while True:
            await self._unwanted.wait()
            try:
                async with asyncio.timeout(self._linger_seconds):
                    await self._wanted.wait()
            except TimeoutError:
                return

    def stop(self) -> None:
        self._stopping.set()

    def _notified(self, _conn: object, _pid: int, _channel: str, _payload: object) -> None:
        self._on_hint()


async def _first_of(*waits: Awaitable[object]) -> None:
    """Until the first of `waits` ends; the others are cancelled."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _conn: event.set()
