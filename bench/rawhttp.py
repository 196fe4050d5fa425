"""A minimal HTTP/1.1 keep-alive client over asyncio streams, cheap enough to share 2 cores.

The benchmark client runs on the same machine as the server, so every microsecond it spends is
taken from the server. This client sends pre-built request bytes and reads the response by
Content-Length (or chunks): no header objects, no URL parsing, no JSON unless asked.
Only ever pointed at 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

LOCALHOST = "127.0.0.1"


def build_request(
    port: int,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> bytes:
    """The full request as bytes, ready to be written again and again."""
    verb = method or ("POST" if body is not None else "GET")
    lines = [f"{verb} {path} HTTP/1.1", f"Host: {LOCALHOST}:{port}", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def graphql_request(
    port: int, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> bytes:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return build_request(port, "/graphql", body, headers)


class ConnectionClosed(Exception):
    pass


class HttpConnection:
    __slots__ = ("closed", "port", "reader", "writer")

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.closed = True

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(LOCALHOST, self.port)
        self.closed = False

    async def request(self, data: bytes) -> tuple[int, bytes]:
        """Send one request, return (status, body). Reconnects if the last one closed."""
        if self.closed:
            await self.connect()
        reader, writer = self.reader, self.writer
        assert reader is not None and writer is not None
        try:
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.close()
            raise ConnectionClosed(str(exc)) from None
        status = int(head[9:12])
        lower = head.lower()
        start = lower.find(b"\r\ncontent-length:")
        try:
            if start >= 0:
                end = lower.index(b"\r\n", start + 2)
                length = int(lower[start + 17 : end])
                body = await reader.readexactly(length) if length else b""
            elif b"\r\ntransfer-encoding: chunked" in lower:
                body = await self._read_chunked(reader)
            else:  # no length: the body runs to the end of the connection
                body = await reader.read()
                self.close()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.close()
            raise ConnectionClosed(str(exc)) from None
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, body

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.closed = True


async def get(port: int, path: str, limit_s: float = 5.0) -> tuple[int, bytes]:
    """One request on a fresh connection (for /readyz and checks)."""
    conn = HttpConnection(port)
    try:
        return await asyncio.wait_for(conn.request(build_request(port, path)), limit_s)
    finally:
        conn.close()
