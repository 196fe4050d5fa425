"""Subscription fan-out: N WebSocket subscribers on one application, one change, how fast all
of them have it, and the API process's memory.

    uv run python bench/fanout_bench.py --subscribers 1000 10000

Runs a real `doorstep serve` (uvicorn) on a fresh database `doorstep_bench_fanout` of the
PostgreSQL in $DATABASE_URL (default the local one) and Redis in $REDIS_URL. The client is one
asyncio process holding every connection (graphql-transport-ws via `websockets`), on the same
machine: its time to read N messages is part of what is measured. Latency per subscriber =
arrival of the change minus the moment the mutation was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
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
import websockets

from doorstep.store.db import connect
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data

DATA_KEY = bytes(range(32))
INDEX_KEY = bytes(range(32, 64))
DB_NAME = "doorstep_bench_fanout"
SUBSCRIBE = """subscription($n: String!) { applicationProgress(number: $n) {
  seq event { kind } } }"""


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
        ("staff", "select s.id from staff_members s join units u on u.id = s.unit_id "
                  "where u.code = 'cy-psb' and s.role = 'staff'"),
    ):
        ident = await conn.fetchval(sql)
        token = secrets.token_urlsafe(32)
        await conn.execute(
            "insert into sessions (token_hash, role, citizen_id, staff_id, expires_at) "
            "values ($1, $2, $3, $4, now() + interval '1 day')",
            hashlib.sha256(token.encode()).digest(), role,
            ident if role == "citizen" else None, ident if role == "staff" else None)
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


async def _graphql(base: str, query: str, variables: dict[str, Any], token: str) -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(f"{base}/graphql", json={"query": query,
                                                               "variables": variables},
                                     headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _subscriber(ws_url: str, token: str, number: str, ready: asyncio.Event,
                      arrivals: list[float], failures: list[str],
                      opened: list[int], stop: asyncio.Event) -> None:
    try:
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                      open_timeout=60, ping_interval=None,
                                      max_queue=4) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": SUBSCRIBE,
                                                  "variables": {"n": number}}}))
            first = json.loads(await ws.recv())
            assert first["type"] == "next", first
            opened.append(1)
            await ready.wait()
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            arrivals.append(time.perf_counter())
            assert message["payload"]["data"]["applicationProgress"]["event"] is not None
            await stop.wait()
    except Exception as exc:  # every failure is counted and reported
        failures.append(type(exc).__name__ + ": " + str(exc)[:100])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(n: int, server_url: str, redis_url: str) -> dict[str, Any]:
    url, citizen, staff = await _prepare(server_url)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
           "DOORSTEP_DATA_KEY": base64.b64encode(DATA_KEY).decode(),
           "DOORSTEP_INDEX_KEY": base64.b64encode(INDEX_KEY).decode(),
           "DOORSTEP_QUEUE": "doorstep:bench:fanout",
           "DOORSTEP_WS_INIT_TIMEOUT": "120"}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "doorstep", "serve", "--port", str(port), env=env,
        stderr=asyncio.subprocess.DEVNULL)
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
        app = (await _graphql(base, 'mutation { submitApplication(input: {bundleCode: '
                              '"newborn"}) { number tasks { id unitCode } } }', {},
                              citizen))["submitApplication"]
        task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")

        ready, stop = asyncio.Event(), asyncio.Event()
        arrivals: list[float] = []
        failures: list[str] = []
        opened: list[int] = []
        started = time.perf_counter()
        tasks = []
        ws_url = f"ws://127.0.0.1:{port}/graphql"
        for i in range(n):
            tasks.append(asyncio.create_task(_subscriber(
                ws_url, citizen, app["number"], ready, arrivals, failures, opened, stop)))
            if i % 200 == 199:  # connect in waves: the accept backlog is finite
                while len(opened) + len(failures) < i - 100:
                    await asyncio.sleep(0.01)
        while len(opened) + len(failures) < n:
            await asyncio.sleep(0.05)
        connect_seconds = time.perf_counter() - started
        await asyncio.sleep(1)
        held_rss = sampler.now()

        ready.set()
        sent = time.perf_counter()
        await _graphql(base, "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
                       {"t": task_id}, staff)
        deadline = time.monotonic() + 60
        while len(arrivals) + len(failures) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        latencies = [(a - sent) * 1000 for a in arrivals]
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        sampler.stop.set()
        return {
            "subscribers": n, "held": len(opened), "received": len(arrivals),
            "failures": len(failures), "failure_sample": failures[:3],
            "connect_s": connect_seconds,
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p99_ms": _pct(latencies, 0.99) if latencies else None,
            "max_ms": max(latencies) if latencies else None,
            "rss_idle_mb": idle_rss / 2**20, "rss_held_mb": held_rss / 2**20,
            "rss_peak_mb": sampler.peak / 2**20,
        }
    finally:
        server.terminate()
        await server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"# fan-out bench {date.today()} · {psutil.cpu_count()} cores · "
          f"Python {platform.python_version()} · uvicorn (uvloop, websockets) · "
          f"load average before {os.getloadavg()[0]:.2f}")
    print("# one application, N subscribers (applicationProgress), one acceptTask; latency "
          "from sending the mutation to each subscriber reading the change")
    for n in args.subscribers:
        result = asyncio.run(run(n, server_url, redis_url))
        print(json.dumps(result, ensure_ascii=False))
        print(f"N={n}: held {result['held']}, received {result['received']}, failures "
              f"{result['failures']}; p50 {result['p50_ms']:.0f} ms, p99 "
              f"{result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms; API RSS idle "
              f"{result['rss_idle_mb']:.0f} MB, holding {result['rss_held_mb']:.0f} MB, peak "
              f"{result['rss_peak_mb']:.0f} MB; connecting took {result['connect_s']:.1f} s")


if __name__ == "__main__":
    main()
