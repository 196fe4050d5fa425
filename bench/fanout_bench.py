"""Subscription fan-out: N WebSocket subscribers on one application, one change, how fast all
of them have it, and the API process's memory.

    uv run python bench/fanout_bench.py --subscribers 1000 10000

Runs a real `doorstep serve` (uvicorn) on a fresh database `doorstep_bench_fanout` of the
PostgreSQL in $DATABASE_URL (default the local one) and Redis in $REDIS_URL. The client is one
asyncio process holding every connection (graphql-transport-ws over a minimal raw WebSocket
client: one asyncio.Protocol per connection, no task), on the same machine: its time to read
N messages is part of what is measured. Latency per subscriber = arrival of the change minus
the moment the clerk's mutation was sent (on an HTTP connection already open).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import hashlib
import json
import os
import platform
import secrets
import socket
import statistics
import sys
import threading
import time
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psutil

from doorstep.store.db import connect
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data

DATA_KEY = bytes(range(32))
INDEX_KEY = bytes(range(32, 64))
DB_NAME = "doorstep_bench_fanout"
# what each subscriber asks for: the change alone, or the change and the application's state
# (a field read from the database, once per change for all subscribers)
DOCUMENTS = {
    "event": """subscription($n: String!) { applicationProgress(number: $n) {
  seq event { kind } } }""",
    "state": """subscription($n: String!) { applicationProgress(number: $n) {
  seq event { kind } application { status } } }""",
}


def _with_db(url: str, name: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, f"/{name}", p.query, p.fragment))


async def _prepare(server_url: str) -> tuple[str, str, str]:
    """Fresh database, demo data, a citizen and a clerk session, one application."""
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'drop database if exists "{DB_NAME}" with (force)')
    await admin.execute(f'create database "{DB_NAME}"')
    await admin.close()
    url = _with_db(server_url, DB_NAME)
    conn = await connect(url)
    await migrate(conn)
    async with conn.transaction():
        await load_demo_data(conn, data_key=DATA_KEY, index_key=INDEX_KEY)
    tokens = {}
    for role, sql in (
        ("citizen", "select id from citizens where phone = '+8613800138001'"),
        (
            "staff",
            "select s.id from staff_members s join units u on u.id = s.unit_id "
            "where u.code = 'cy-psb' and s.role = 'staff'",
        ),
    ):
        ident = await conn.fetchval(sql)
        token = secrets.token_urlsafe(32)
        await conn.execute(
            "insert into sessions (token_hash, role, citizen_id, staff_id, expires_at) "
            "values ($1, $2, $3, $4, now() + interval '1 day')",
            hashlib.sha256(token.encode()).digest(),
            role,
            ident if role == "citizen" else None,
            ident if role == "staff" else None,
        )
        tokens[role] = token
    await conn.close()
    return url, tokens["citizen"], tokens["staff"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                rss = self.process.memory_info().rss
                rss += sum(c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            time.sleep(0.05)

    def now(self) -> int:
        return int(self.process.memory_info().rss)


async def _graphql(
    base: str,
    query: str,
    variables: dict[str, Any],
    token: str,
    client: httpx.AsyncClient | None = None,
) -> Any:
    if client is None:
        async with httpx.AsyncClient(timeout=30) as own:
            return await _graphql(base, query, variables, token, own)
    response = await client.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


class _Run:
    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.failures: list[str] = []
        self.opened: list[int] = []
        self.closing = False


class _RawWS(asyncio.Protocol):
    """A minimal WebSocket client speaking graphql-transport-ws: HTTP upgrade, masked text
    frames out, unmasked frames in. One small object per connection and no task, so that
    the client sharing the machine costs as little of it as possible."""

    def __init__(
        self, host: str, token: str, number: str, sub: _Run, document: str = DOCUMENTS["event"]
    ) -> None:
        self.host, self.token, self.number, self.run = host, token, number, sub
        self.document = document
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.state = 0  # 0 upgrading, 1 wait ack, 2 wait first next, 3 held, 4 received

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET /graphql HTTP/1.1\r\nHost: {self.host}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )

    def send(self, message: dict[str, Any]) -> None:
        self.frame(0x1, json.dumps(message).encode())

    def frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x80 | opcode]) + (
            bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
        )
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(header + mask + masked)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                return self.fail("upgrade refused: " + head[:40].decode(errors="replace"))
            self.upgraded, self.buffer, self.state = True, rest, 1
            self.send({"type": "connection_init", "payload": {"token": self.token}})
        while len(self.buffer) >= 2:
            opcode, n = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            start = 2
            if n == 126:
                n, start = int.from_bytes(self.buffer[2:4], "big"), 4
            elif n == 127:
                n, start = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < start + n:
                return
            payload, self.buffer = self.buffer[start : start + n], self.buffer[start + n :]
            if opcode == 0x8:
                return self.fail("closed by the server")
            if opcode == 0x9:  # the server's keepalive: answer it, or it closes the socket
                self.frame(0xA, payload)
            elif opcode == 0x1:
                self.message(payload)

    def message(self, payload: bytes) -> None:
        if self.state == 4:  # what else the change brought (the status it moved): not timed
            return
        if self.state == 3:  # the change: time it first, check it after
            self.run.arrivals.append(time.perf_counter())
            self.state = 4
            message = json.loads(payload)
            progress = message["payload"]["data"]["applicationProgress"]
            if progress["event"] is None:
                self.run.failures.append("the change came without its event")
            if "application" in progress and not (progress["application"] or {}).get("status"):
                self.run.failures.append("the change came without the application's state")
            return
        message = json.loads(payload)
        if self.state == 1 and message["type"] == "connection_ack":
            self.state = 2
            self.send(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": self.document, "variables": {"n": self.number}},
                }
            )
        elif self.state == 2 and message["type"] == "next":
            self.state = 3
            self.run.opened.append(1)
        else:
            self.fail(f"unexpected message in state {self.state}: {str(message)[:80]}")

    def fail(self, why: str) -> None:
        if self.state < 4:
            self.run.failures.append(why)
            self.state = 5
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.state < 3 or (self.state == 3 and not self.run.closing):
            self.fail(f"connection lost: {exc}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(n: int, server_url: str, redis_url: str, document: str = "event") -> dict[str, Any]:
    url, citizen, staff = await _prepare(server_url)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DOORSTEP_DATA_KEY": base64.b64encode(DATA_KEY).decode(),
        "DOORSTEP_INDEX_KEY": base64.b64encode(INDEX_KEY).decode(),
        "DOORSTEP_QUEUE": "doorstep:bench:fanout",
        "DOORSTEP_WS_INIT_TIMEOUT": "120",
        # production settings (the process refuses to start without them)
        "SMS_CALLBACK_TOKEN": "bench-callback-token-0123456789abcdef",
        "DOORSTEP_SMS_CHANNEL": "console",
        "DOORSTEP_FILE_STORAGE": "none",
        "DOORSTEP_IDENTITY_PROVIDER": "counter",
        "DOORSTEP_METRICS_TOKEN": "bench-metrics-token-0123456789abcdef",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "doorstep",
        "serve",
        "--port",
        str(port),
        env=env,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(f"{base}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        sampler = RssSampler(server.pid)
        sampler.start()
        idle_rss = sampler.now()
        app = (
            await _graphql(
                base,
                "mutation { submitApplication(input: {bundleCode: "
                '"newborn"}) { number tasks { id unitCode } } }',
                {},
                citizen,
            )
        )["submitApplication"]
        task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")

        sub = _Run()
        arrivals, failures, opened = sub.arrivals, sub.failures, sub.opened
        loop = asyncio.get_running_loop()
        transports: list[asyncio.BaseTransport] = []
        started = time.perf_counter()
        for i in range(n):
            try:
                transport, _ = await loop.create_connection(
                    lambda: _RawWS(
                        f"127.0.0.1:{port}", citizen, app["number"], sub, DOCUMENTS[document]
                    ),
                    "127.0.0.1",
                    port,
                )
                transports.append(transport)
            except OSError as exc:
                failures.append(f"connect: {exc}")
            if i % 200 == 199:  # connect in waves: the accept backlog is finite
                while len(opened) + len(failures) < i - 100:
                    await asyncio.sleep(0.01)
        while len(opened) + len(failures) < n:
            await asyncio.sleep(0.05)
        connect_seconds = time.perf_counter() - started
        gc.collect()
        gc.freeze()  # the client's own held connections are not re-scanned while it reads
        await asyncio.sleep(1)
        held_rss = sampler.now()

        # the clerk's client is open and connected before the clock starts: making an
        # httpx client (20 ms of TLS context) and a connection is not part of the change
        async with httpx.AsyncClient(timeout=30) as clerk:
            await clerk.get(f"{base}/readyz")
            sent = time.perf_counter()
            await _graphql(
                base,
                "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
                {"t": task_id},
                staff,
                clerk,
            )
            mutation_ms = (time.perf_counter() - sent) * 1000
        deadline = time.monotonic() + 60
        while len(arrivals) + len(failures) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        latencies = [(a - sent) * 1000 for a in arrivals]
        sub.closing = True
        for held in transports:
            held.close()
        sampler.stop.set()
        return {
            "subscribers": n,
            "held": len(opened),
            "received": len(arrivals),
            "failures": len(failures),
            "failure_sample": failures[:3],
            "connect_s": connect_seconds,
            "mutation_ms": mutation_ms,
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p99_ms": _pct(latencies, 0.99) if latencies else None,
            "max_ms": max(latencies) if latencies else None,
            "rss_idle_mb": idle_rss / 2**20,
            "rss_held_mb": held_rss / 2**20,
            "rss_peak_mb": sampler.peak / 2**20,
        }
    finally:
        server.terminate()
        await server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--document",
        choices=sorted(DOCUMENTS),
        default="event",
        help="event: seq and the event; state: also the application's status",
    )
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(
        f"# fan-out bench {date.today()} · {psutil.cpu_count()} cores · "
        f"Python {platform.python_version()} · uvicorn with doorstep's WebSocket transport · "
        "client: raw asyncio WebSocket, one process · "
        f"load average before {os.getloadavg()[0]:.2f}"
    )
    print(
        "# one application, N subscribers (applicationProgress), one acceptTask; latency "
        "from sending the mutation to each subscriber reading the change; document: "
        + " ".join(DOCUMENTS[args.document].split())
    )
    for n in args.subscribers:
        result = asyncio.run(run(n, server_url, redis_url, args.document))
        print(json.dumps(result, ensure_ascii=False))
        print(
            f"N={n}: held {result['held']}, received {result['received']}, failures "
            f"{result['failures']}; p50 {result['p50_ms']:.0f} ms, p99 "
            f"{result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms; API RSS idle "
            f"{result['rss_idle_mb']:.0f} MB, holding {result['rss_held_mb']:.0f} MB, peak "
            f"{result['rss_peak_mb']:.0f} MB; connecting took {result['connect_s']:.1f} s; "
            f"the mutation's own round trip {result['mutation_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
