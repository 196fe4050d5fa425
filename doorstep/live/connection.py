"""The API process's WebSocket transport: uvicorn hands every upgrade request here (its `ws`
protocol class), and a connection to /graphql becomes one graphql-transport-ws session.

Why not uvicorn's own WebSocket protocol with the ASGI app behind it: that costs, per open
connection, about 21 KB in uvicorn (handshake headers kept, two queues, locks, a task) and as
much again in Litestar's and strawberry's per-connection objects; 10,000 subscribers held then
need 550 MB. Here a connection is this object, the websockets library's sans-I/O protocol
(frames, handshake, limits) and a `live.session` session: no task, no queue, nothing
kept of the handshake. Frames are parsed and written by `websockets`; nothing of RFC 6455 is
written by hand here.

Keepalive: a ping every `ws_ping_interval` seconds; no pong within `ws_ping_timeout` closes
the connection with 1001 (going away), a code graphql-ws retries: 1011 would end the client
for good, and a tab that froze for a while should simply reconnect when it thaws. A peer
that stops reading pauses the operations sending to it (the transport's flow control)
instead of growing the write buffer; its subscriptions catch up from the database once it
reads again (see `live.event_hub`). At server shutdown, every
connection is closed with 1012 (service restart), so clients reconnect to another process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Protocol, Side, State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from doorstep.live import session as live
from doorstep.live.session import SUBPROTOCOL, TransportWSSession
from doorstep.observability.metrics import OPEN_SOCKETS

# what websockets says of each connection (opened, closed) is not news with 10,000 of them
frames_log = logging.getLogger(f"{__name__}.frames")
frames_log.setLevel(logging.WARNING)

PATH = "/graphql"
CLOSE_TIMEOUT = 5.0
# a peer that left our pings unanswered: going away, which clients retry
KEEPALIVE_TIMEOUT_CLOSE = 1001
# written but not yet taken by the peer, beyond which sending operations wait
WRITE_HIGH_WATER = 256 * 1024


class SharedFrames:
    """The WebSocket frames of recent texts sent to many sockets, by the text's identity: a
    change's message to 10,000 subscribers is framed (by websockets) once. An entry keeps its
    text alive, so an identity found here is the very same text."""

    def __init__(self, max_entries: int = 64) -> None:
        self._entries: OrderedDict[int, tuple[str, bytes]] = OrderedDict()
        self._max = max_entries

    def frame(self, text: str) -> bytes:
        entry = self._entries.get(id(text))
        if entry is not None and entry[0] is text:
            return entry[1]
        frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
        self._entries[id(text)] = (text, frame)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return frame


shared_frames = SharedFrames()


class LiveSocketProtocol(asyncio.Protocol):
    __slots__ = (
        "_awaiting_pong",
        "_connections",
        "_flush_soon",
        "_fragment_text",
        "_fragments",
        "_out",
        "_paused",
        "_ping_interval",
        "_ping_timeout",
        "_session",
        "_timer",
        "_transport",
        "_ws",
    )

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: Any = None,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._connections: set[Any] = server_state.connections
        self._ws: Protocol = ServerProtocol(
            subprotocols=[Subprotocol(SUBPROTOCOL)], max_size=config.ws_max_size, logger=frames_log
        )
        self._transport: asyncio.Transport | None = None
        self._session: TransportWSSession | None = None
        self._ping_interval: float | None = config.ws_ping_interval
        self._ping_timeout: float | None = config.ws_ping_timeout
        self._timer: asyncio.TimerHandle | None = None
        self._awaiting_pong = False
        self._paused: asyncio.Future[None] | None = None
        self._fragments: list[bytes] | None = None
        self._fragment_text = False
        self._flush_soon = False
        self._out: list[bytes] = []  # frames queued for the next write, in order

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike
        self._transport = cast(asyncio.Transport, transport)
        self._transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        self._connections.add(self)
        OPEN_SOCKETS.inc()

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._handle_events()

    def eof_received(self) -> bool | None:
        self._ws.receive_eof()
        self._handle_events()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        OPEN_SOCKETS.dec()
        self._cancel_timer()
        if self._paused is not None and not self._paused.done():
            self._paused.set_result(None)
        if self._session is not None:
            self._session.closed()
            self._session = None

    def pause_writing(self) -> None:
        if self._paused is None or self._paused.done():
            self._paused = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._paused is not None and not self._paused.done():
            self._paused.set_result(None)
        self._paused = None

    # -- uvicorn: the server is stopping

    def shutdown(self) -> None:
        self.close(1012, "Service restart")

    # -- the session's socket

    def send_text(self, text: str, shared: bool = False) -> None:
        """`shared`: the very same text goes to many sockets (one change's message): it is
        framed once for all of them."""
        if self._transport is None or self._transport.is_closing():
            return
        if shared:
            self._out.append(shared_frames.frame(text))
        else:
            self._ws.send_text(text.encode())
            self._out.extend(self._ws.data_to_send())
        # written once the current pass of the event loop is over: the messages one change
        # brings a subscriber (an event, the status it moved) leave in one system call
        if not self._flush_soon:
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self._flush)

    def close(self, code: int, reason: str) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        if self._ws.state is State.OPEN:
            self._ws.send_close(code, reason)
            self._flush()
            self._arm(CLOSE_TIMEOUT, self._abort)
        else:
            self._transport.close()

    @property
    def paused(self) -> bool:
        return self._paused is not None and not self._paused.done()

    async def writable(self) -> None:
        paused = self._paused
        if paused is not None and not paused.done():
            await paused

    # -- frames

    def _handle_events(self) -> None:
        events = self._ws.events_received()
        for event in events:
            if isinstance(event, Request):
                self._handshake(event, alone=len(events) == 1)
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()

    def _handshake(self, request: Request, alone: bool) -> None:
        handshake = self._ws
        assert isinstance(handshake, ServerProtocol)
        endpoint = live.current()
        path = request.path.partition("?")[0]
        response: Response
        if path != PATH:
            response = handshake.reject(404, "Not Found\n")
        elif endpoint is None:
            response = handshake.reject(503, "Service Unavailable\n")
        elif not origin_allowed(endpoint.deps.settings.cors_origins, _lower(request.headers)):
            response = handshake.reject(403, "Forbidden\n")
        else:
            response = handshake.accept(request)
        handshake.send_response(response)
        if response.status_code != 101 or endpoint is None or self._transport is None:
            self._flush()
            if self._transport is not None:
                self._transport.close()
            return
        headers = _lower(request.headers)
        self._session = endpoint.session(self, headers, self._transport.get_extra_info("peername"))
        self._session.opened()
        self._arm_ping()
        if alone and not handshake.reader.buffer:
            # The handshake's parser keeps the request (2 KB of headers) for the connection's
            # whole life; past the handshake only frames come, so a frames-only protocol
            # takes over. A client that sent frames before our 101 keeps the first one.
            self._flush()
            self._ws = Protocol(
                Side.SERVER,
                state=State.OPEN,
                max_size=handshake.max_message_size,
                logger=frames_log,
            )

    def _frame(self, frame: Frame) -> None:
        self._awaiting_pong = False  # whatever arrives shows the peer is there
        opcode, data = frame.opcode, bytes(frame.data)
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._message(data, opcode is Opcode.TEXT)
            else:
                self._fragments, self._fragment_text = [data], opcode is Opcode.TEXT
        elif opcode is Opcode.CONT and self._fragments is not None:
            self._fragments.append(data)
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), None
                self._message(data, self._fragment_text)
        elif opcode is Opcode.CLOSE:
            # websockets has queued the answering close frame; then the connection ends
            if self._session is not None:
                self._session.closed()
                self._session = None

    def _message(self, data: bytes, text: bool) -> None:
        session = self._session
        if session is None:
            return
        if not text:
            session.binary_received()
            return
        try:
            decoded = data.decode()
        except UnicodeDecodeError:
            self._ws.fail(1007, "invalid UTF-8")
            return
        session.received(decoded)

    def _flush(self) -> None:
        """Write what is queued, in the order it was queued: our frames and those websockets
        made (pongs, the close) alike; an empty chunk from websockets means: end it here."""
        self._flush_soon = False
        transport = self._transport
        if transport is None:
            return
        self._out.extend(self._ws.data_to_send())
        out = self._out
        self._out = []
        data: list[bytes] = []
        for chunk in out:
            if chunk:
                data.append(chunk)
                continue
            # the closing handshake is over: end the TCP connection
            if data and not transport.is_closing():
                transport.write(b"".join(data))
            transport.close()
            return
        if data and not transport.is_closing():
            transport.write(data[0] if len(data) == 1 else b"".join(data))
        if self._ws.close_expected() and not transport.is_closing():
            self._arm(CLOSE_TIMEOUT, self._abort)

    # -- timers: keepalive, and the peer's answer to our close

    def _arm(self, delay: float, callback: Any) -> None:
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm_ping(self) -> None:
        if self._ping_interval:
            self._arm(self._ping_interval, self._ping)

    def _ping(self) -> None:
        self._timer = None
        if self._transport is None or self._transport.is_closing():
            return
        if self._awaiting_pong:
            # 1001, not 1011: graphql-ws treats 1011 as fatal and never reconnects
            self._ws.fail(KEEPALIVE_TIMEOUT_CLOSE, "keepalive ping timeout")
            self._flush()
            self._transport.close()
            return
        self._awaiting_pong = True
        self._ws.send_ping(b"")
        self._flush()
        # the next round either pings again or, with no frame since, gives up
        self._arm(self._ping_timeout or self._ping_interval or 20.0, self._ping)

    def _abort(self) -> None:
        self._timer = None
        if self._transport is not None:
            self._transport.abort()


def _lower(headers: Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.raw_items()}


def origin_allowed(allowed: tuple[str, ...], headers: Mapping[str, str]) -> bool:
    """May a WebSocket upgrade with these (lower-cased) headers go on?

    Browsers always send Origin on an upgrade, and a page on another site is exactly what must
    be stopped (cross-site WebSocket hijacking): a browser's Origin must be our own host or one
    of `DOORSTEP_CORS_ORIGINS`. A client without Origin is not a browser (a native app, a
    server, a test client): no other site can make it connect, and its token says who it is.
    """
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.strip().lower().rstrip("/")
    if origin in allowed:
        return True
    host = headers.get("host", "").strip().lower()
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc == host
