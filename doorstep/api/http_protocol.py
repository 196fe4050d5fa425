"""The API process's HTTP/1.1 transport: uvicorn's httptools protocol, with an answer's head and
body leaving in one write.

uvicorn writes a response's head when the app sends `http.response.start` and its body when
the app sends `http.response.body`: two system calls for every answer, where the app sends the
two back to back. On this machine a write to a local socket costs about as much CPU as a
small GraphQL resolver (the kernel runs the receiving side's TCP work in the writer's call),
so what a request writes in one turn of the event loop (the head and the body that follows it)
goes in one write at the end of that turn. A head whose body does not follow in the same turn
(a streamed answer that waits for its first part, an interim 100 before the body is read) is
sent alone at the end of its turn, before anything waits on the peer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _WritesOfOneTurn:
    """One request's view of the connection: what is written during one turn of the event
    loop (the head of the answer and its body, one after the other) is held and written once,
    at the end of the turn or before a close; every other call goes straight to the
    connection."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held = b""

    def write(self, data: bytes) -> None:
        if self._held:
            self._held += data
        elif data:
            self._held = data
            self._loop.call_soon(self._send_held)

    def _send_held(self) -> None:
        held, self._held = self._held, b""
        # a connection lost meanwhile takes nothing more (uvicorn writes nothing to one either)
        if held and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._send_held()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    """uvicorn's `http` protocol class for `doorstep serve`."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        # a new request's cycle (an upgrade to a WebSocket makes none); its task has not
        # started yet, so nothing has been written through it
        if cycle is not None and cycle is not before:
            cycle.transport = _WritesOfOneTurn(self.transport, self.loop)  # type: ignore[assignment]
