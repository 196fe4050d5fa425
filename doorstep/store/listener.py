"""One LISTEN connection per API process that reconnects by itself."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)


class Listener:
    """Calls `on_hint` for every NOTIFY on `channel`, and `on_reconnect` after each (re)connect.

    A dropped connection (network, restart, pg_terminate_backend) is noticed at once through
    asyncpg's termination callback and re-opened with backoff; hints sent meanwhile are lost,
    which is why readers never rely on them alone.
    """

    def __init__(
        self, dsn: str, channel: str, on_hint: Callable[[], None], on_reconnect: Callable[[], None]
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_hint = on_hint
        self._on_reconnect = on_reconnect
        self._stopping = asyncio.Event()
        self.connected = asyncio.Event()
        self.connections_made = 0

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
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
                stop = asyncio.ensure_future(self._stopping.wait())
                gone = asyncio.ensure_future(lost.wait())
                await asyncio.wait({stop, gone}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                gone.cancel()
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

    def stop(self) -> None:
        self._stopping.set()

    def _notified(self, _conn: object, _pid: int, _channel: str, _payload: object) -> None:
        self._on_hint()


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _conn: event.set()
