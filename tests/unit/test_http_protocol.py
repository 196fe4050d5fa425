"""`doorstep serve`'s HTTP protocol: an answer's head and body leave in one write, and nothing
is held back that uvicorn would have sent (a streamed answer's head, an interim 100)."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from doorstep.api.http_protocol import OneWriteHttpProtocol


class Transport(asyncio.Transport):
    """What the protocol writes, one entry per write call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def plain(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"x-a", b"1"), (b"content-length", b"5")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


def connect(app: Any) -> tuple[OneWriteHttpProtocol, Transport]:
    config = Config(app=app, lifespan="off", log_config=None, proxy_headers=False)
    protocol = OneWriteHttpProtocol(
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = Transport()
    protocol.connection_made(transport)
    return protocol, transport


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_an_answer_leaves_in_one_write() -> None:
    protocol, transport = connect(plain)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    await settle()
    assert len(transport.writes) == 1
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nhello")
    assert b"x-a: 1\r\n" in answer
    # the next request on the same connection: again one write
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    await settle()
    assert len(transport.writes) == 2 and transport.writes[1].endswith(b"hello")
    protocol.connection_lost(None)


async def test_a_closing_answer_is_written_whole_before_the_close() -> None:
    protocol, transport = connect(plain)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    await settle()
    assert len(transport.writes) == 1 and transport.writes[0].endswith(b"hello")
    assert transport.closed


async def test_a_streamed_answers_head_is_not_held_for_its_body() -> None:
    first_part = asyncio.Event()

    async def streamed(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await first_part.wait()
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    protocol, transport = connect(streamed)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    await settle()
    # the head went out at the end of its turn, alone, while the body waits
    assert len(transport.writes) == 1 and transport.writes[0].startswith(b"HTTP/1.1 200 OK")
    assert transport.writes[0].endswith(b"\r\n\r\n")
    first_part.set()
    await settle()
    assert b"".join(transport.writes[1:]) == b"4\r\npart\r\n0\r\n\r\n"
    protocol.connection_lost(None)


async def test_an_interim_100_is_sent_before_the_body_is_awaited() -> None:
    async def reads_body(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": message["body"]})

    protocol, transport = connect(reads_body)
    protocol.data_received(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    )
    await settle()
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    protocol.data_received(b"ok")
    await settle()
    assert len(transport.writes) == 2 and transport.writes[1].endswith(b"\r\n\r\nok")
    protocol.connection_lost(None)
