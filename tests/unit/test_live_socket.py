"""The WebSocket transport's flow control and refusals, on a fake transport (no server)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from doorstep.live import session as live
from doorstep.live.connection import LiveSocketProtocol


class FakeTransport:
    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def set_write_buffer_limits(self, high: int | None = None) -> None:
        pass

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else None


def _protocol() -> tuple[LiveSocketProtocol, FakeTransport, set[Any]]:
    connections: set[Any] = set()
    config = SimpleNamespace(ws_max_size=65536, ws_ping_interval=None, ws_ping_timeout=None)
    protocol = LiveSocketProtocol(config, SimpleNamespace(connections=connections))
    transport = FakeTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport, connections


UPGRADE = (
    b"GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
)


async def test_a_paused_peer_holds_senders_until_it_reads_again() -> None:
    protocol, _transport, _ = _protocol()
    protocol.pause_writing()
    waiting = asyncio.ensure_future(protocol.writable())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    protocol.resume_writing()
    await asyncio.wait_for(waiting, 1)
    await asyncio.wait_for(protocol.writable(), 1)  # not paused: returns at once


async def test_a_lost_connection_releases_its_waiting_senders() -> None:
    protocol, _transport, connections = _protocol()
    assert protocol in connections
    protocol.pause_writing()
    waiting = asyncio.ensure_future(protocol.writable())
    await asyncio.sleep(0)
    protocol.connection_lost(None)
    await asyncio.wait_for(waiting, 1)
    assert protocol not in connections


async def test_an_upgrade_before_the_app_is_running_is_refused() -> None:
    live.install(None)
    protocol, transport, _ = _protocol()
    protocol.data_received(UPGRADE)
    assert transport.written.startswith(b"HTTP/1.1 503")
    assert transport.closed


def _endpoint(*origins: str) -> Any:
    return SimpleNamespace(deps=SimpleNamespace(settings=SimpleNamespace(cors_origins=origins)))


async def test_an_upgrade_from_another_sites_page_is_refused() -> None:
    live.install(_endpoint("https://app.example.cn"))
    try:
        protocol, transport, _ = _protocol()
        evil = UPGRADE.replace(b"Host: x\r\n", b"Host: x\r\nOrigin: https://evil.example.com\r\n")
        protocol.data_received(evil)
        assert transport.written.startswith(b"HTTP/1.1 403")
        assert transport.closed
    finally:
        live.install(None)


class _QuietSession:
    def opened(self) -> None:
        pass

    def closed(self) -> None:
        pass


async def test_a_peer_that_leaves_pings_unanswered_is_closed_with_a_code_clients_retry() -> None:
    endpoint = SimpleNamespace(
        deps=SimpleNamespace(settings=SimpleNamespace(cors_origins=())),
        session=lambda *_: _QuietSession(),
    )
    live.install(endpoint)  # type: ignore[arg-type]
    try:
        config = SimpleNamespace(ws_max_size=65536, ws_ping_interval=0.01, ws_ping_timeout=0.01)
        protocol = LiveSocketProtocol(config, SimpleNamespace(connections=set()))
        transport = FakeTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(UPGRADE)
        assert transport.written.startswith(b"HTTP/1.1 101")
        for _ in range(100):  # a ping, then (no frame since) the close
            if transport.closed:
                break
            await asyncio.sleep(0.01)
        assert transport.closed
        close = transport.written.rfind(b"\x88")  # unmasked server frame: opcode, length, code
        assert close >= 0
        # 1001 (going away): graphql-ws reconnects; with 1011 it would give up for good
        assert int.from_bytes(transport.written[close + 2 : close + 4], "big") == 1001
    finally:
        live.install(None)
