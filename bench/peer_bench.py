"""This service next to its peers, in one run: PostGraphile v4 on the same data, and pgbench
inserting the rows a submit writes.

    uv run python bench/peer_bench.py [--skip-load] [--rounds 6] [--duration 10]
                                      [--only read|submit|paced] [--no-paced] [--rate 500]

1. Loads `doorstep_bench` (see load_data.py) unless --skip-load finds a complete earlier load.
2. Starts `doorstep serve` (uvicorn, 1 process) and PostGraphile 4 (Node, 1 process, from
   bench/postgraphile/: `npm ci` there first) on that database, both for the whole run.
3. Reads, in rounds that alternate between the systems (the same client, 50 keep-alive
   connections, closed loop, a warm-up then `--duration` seconds each):
   - `doorstep executed`: `myApplications(first: 20)` with the benchmark's fields through a
     fragment and an `@include(if: true)` on the root field: the cache leaves it alone (the
     fragment) and so does the precompiled path (a condition on its root field, on purpose),
     so strawberry parses, validates and executes it, its executor filling the list from the
     compiled fields (`graphql/executor.py`);
   - `doorstep fragments`: the same fields through the fragment alone, as Apollo and Relay
     clients send them: not cached, served by the precompiled path on every request;
   - `doorstep precompiled`: the same fields with the root field aliased: not cached, served
     by the precompiled path (`graphql/precompiled.py`) on every request;
   - `doorstep cached`: the same document as a client sends it (`operationName` set): served
     from the response cache while nothing of the citizen's changed;
   - `doorstep persisted`: the same document as a persisted query (Apollo's
     `extensions.persistedQuery.sha256Hash`, no text; each document sent in full once first):
     the response cache too;
   - `postgraphile`: the closest equivalent query (below).
   Then each once paced at 500 req/s (open loop on a fixed schedule, wrk2-like: each
   connection sends at rate/connections per second, and a request's latency counts from when
   it was due, so a server that falls behind is not flattered). `--only paced` runs just that
   (the cached, persisted, precompiled and fragments reads) and prints p50/p99 with the load
   average.
4. Writes: `submitApplication` (newborn, 5 tasks) against pgbench running a script that
   inserts the same rows in one transaction (8 clients), alternating too.
5. Prints per workload the median over the rounds of req/s, p50, p99, server CPU per request
   and peak RSS, the ratios, and the load average; writes bench/out/peer-<time>.json.

What differs between the shapes (printed too): PostGraphile gets the citizen as a variable and
does no session look-up; it has no computed fields (status label, next step, progress percent,
the due date as a working-day deadline), so it answers with the raw columns
(`tasksTotal`, `tasksFinal`, the status enum) and the names of the item and unit through
foreign keys; it builds the whole answer as JSON in one SQL statement. This service looks the
session up, reads the applications and their tasks in two statements, and computes the labels
and the next step in Python. pgbench sends SQL text with no HTTP, no validation, no session,
no catalog, vault or contact look-ups and no answer to build.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import api_bench
import asyncpg
import load_data
import psutil
import rawhttp

BENCH_DIR = Path(__file__).resolve().parent
PEER_DIR = BENCH_DIR / "postgraphile"
POSTGRAPHILE_BIN = PEER_DIR / "node_modules" / "postgraphile" / "cli.js"
PAGE = 20

# The closest equivalent in PostGraphile's default (v4) schema: the citizen's 20 newest
# applications with their tasks in order, the item's and unit's names through foreign keys.
# The benchmark's document with the root field aliased: the response cache leaves it alone
# (its answers are keyed by plain documents), the precompiled path serves it
# (`graphql/precompiled.py`), so this is the list executed on every request, the fast way.
PRECOMPILED = api_bench.MY_APPLICATIONS.replace("myApplications(", "mine: myApplications(")

PEER_QUERY = """query MyApplications($c: BigInt!) {
  allApplications(condition: {citizenId: $c}, first: 20, orderBy: ID_DESC) {
    nodes {
      number status tasksTotal tasksFinal
      tasksByApplicationId(orderBy: POSITION_ASC) {
        nodes { status dueOn serviceItemByItemId { name } unitByUnitId { name } }
      }
    }
  }
}"""

SHAPES = """What differs between the shapes:
  - PostGraphile: no session look-up (the citizen id is a variable), no computed fields (status
    label, next step, progress percent): it returns raw columns (status enum, tasksTotal,
    tasksFinal, dueOn) and the item's and unit's names through foreign keys, the whole answer
    built as JSON by PostgreSQL in one statement.
  - this service: the session is looked up (one query), the citizen's applications and their
    tasks read (two queries), status labels and the next step translated, the progress counted.
    `cached`: a version check (one index-only query) and the stored bytes.
  - pgbench: SQL only (no HTTP, validation, session, catalog, vault or contact look-ups, and
    no answer built); the same rows written in one transaction."""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


class PeerServer:
    """PostGraphile 4 as a Node process, with the interface run_phase expects of a Server."""

    kind = "postgraphile"

    def __init__(self, port: int, pg: str) -> None:
        node = shutil.which("node")
        if node is None or not POSTGRAPHILE_BIN.exists():
            raise SystemExit(f"PostGraphile is not installed: run `npm ci` in {PEER_DIR} (Node 20)")
        api_bench.OUT_DIR.mkdir(exist_ok=True)
        self.port = port
        self.log_path = api_bench.OUT_DIR / "server-postgraphile.log"
        self.log = self.log_path.open("w")
        env = {**os.environ, "NODE_ENV": "production"}
        self.proc = subprocess.Popen(
            [
                node,
                str(POSTGRAPHILE_BIN),
                "--connection",
                load_data.bench_url(pg),
                "--schema",
                "public",
                "--host",
                rawhttp.LOCALHOST,
                "--port",
                str(port),
                "--disable-query-log",
                "--disable-default-mutations",
                "--no-setof-functions-contain-nulls",
                "--max-pool-size",
                "10",
            ],
            cwd=PEER_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ps = psutil.Process(self.proc.pid)

    async def wait_ready(self, tokens: list[int], limit_s: float = 120.0) -> str:
        deadline = time.monotonic() + limit_s
        request = peer_request(self.port, tokens[0])
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"postgraphile exited with {self.proc.returncode}:\n"
                    f"{self.log_path.read_text()[-2000:]}"
                )
            conn = rawhttp.HttpConnection(self.port)
            try:
                status, body = await asyncio.wait_for(conn.request(request), 10)
            except (OSError, TimeoutError, rawhttp.ConnectionClosed):
                await asyncio.sleep(0.5)
                continue
            finally:
                conn.close()
            data = json.loads(body)
            if status != 200 or "errors" in data:
                raise SystemExit(f"postgraphile refused the query: {status} {body[:600]!r}")
            nodes = data["data"]["allApplications"]["nodes"]
            tasks = sum(len(n["tasksByApplicationId"]["nodes"]) for n in nodes)
            return f"{len(nodes)} applications, {tasks} tasks, {len(body):,} bytes per answer"
        raise SystemExit(f"postgraphile not ready after {limit_s} s; see {self.log_path}")

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.ps, *self.ps.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


def peer_request(port: int, citizen_id: int) -> bytes:
    body = json.dumps(
        {
            "query": PEER_QUERY,
            "variables": {"c": str(citizen_id)},
            "operationName": "MyApplications",
        },
        separators=(",", ":"),
    ).encode()
    return rawhttp.build_request(
        port,
        "/graphql",
        body,
        {"Content-Type": "application/json", "Accept": "application/json"},
    )


def persisted_request(port: int, query: str, token: str, *, with_text: bool = False) -> bytes:
    """As Apollo Client's persisted-queries link sends it: the hash; the text only on the
    retry after PERSISTED_QUERY_NOT_FOUND (`with_text`)."""
    sha = hashlib.sha256(query.encode()).hexdigest()
    payload: dict[str, Any] = {
        "operationName": "MyApplications",
        "variables": {},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
    }
    if with_text:
        payload["query"] = query
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return rawhttp.build_request(
        port,
        "/graphql",
        body,
        {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )


def named_request(port: int, query: str, token: str) -> bytes:
    """As a GraphQL client sends it: with the operation's name."""
    payload = {"query": query, "operationName": "MyApplications"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return rawhttp.build_request(
        port,
        "/graphql",
        body,
        {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )


async def prime(port: int, requests: list[list[bytes]]) -> None:
    """Each request once, so the cached workload measures hits (1,000 citizens' answers)."""

    async def one_client(mine: list[bytes]) -> None:
        conn = rawhttp.HttpConnection(port)
        try:
            for data in mine:
                await conn.request(data)
        finally:
            conn.close()

    await asyncio.gather(*(one_client(mine) for mine in requests))


async def list_citizen_ids(pg: str, count: int) -> list[int]:
    conn = await asyncpg.connect(load_data.bench_url(pg))
    try:
        phones = [load_data.phone(i) for i in range(count)]
        rows = await conn.fetch(
            "select id, phone from citizens where phone = any($1::text[])", phones
        )
    finally:
        await conn.close()
    by_phone = {r["phone"]: r["id"] for r in rows}
    return [by_phone[p] for p in phones]


# --- pgbench: the rows of one submit -----------------------------------------------------------


async def pgbench_script(pg: str) -> Path:
    """The rows `submitApplication` of the newborn bundle writes, as one pgbench transaction:
    the application (numbered from the same sequence), its five tasks in one statement, the
    event through append_event (advisory lock on the citizen, NOTIFY), one outbox row."""
    conn = await asyncpg.connect(load_data.bench_url(pg))
    try:
        bundle = await conn.fetchrow("select id from bundles where code = 'newborn'")
        assert bundle is not None
        items = await conn.fetch(
            """select bi.item_id, i.unit_id, i.promised_days from bundle_items bi
               join service_items i on i.id = bi.item_id
               where bi.bundle_id = $1 order by bi.position""",
            bundle["id"],
        )
        bounds = await conn.fetchrow(
            "select min(id), max(id) from citizens where phone = any($1::text[])",
            [
                load_data.phone(load_data.BENCH_CITIZENS + i)
                for i in range(load_data.SUBMIT_CITIZENS)
            ],
        )
        assert bounds is not None
        low, high = bounds
    finally:
        await conn.close()
    form = json.dumps(
        {
            "materials": sorted(api_bench.SUBMIT_INPUT["materials"]),
            "fields": api_bench.SUBMIT_INPUT["form"],
            "vault": [],
        },
        ensure_ascii=False,
    ).replace("'", "''")
    tasks = ",\n    ".join(
        f"(:app, {r['item_id']}, {r['unit_id']}, {n}, 'submitted', {r['promised_days']}, "
        f"current_date + {r['promised_days'] + 4}, current_date + {r['promised_days']})"
        for n, r in enumerate(items)
    )
    script = f"""\\set cid random({low}, {high})
BEGIN;
SELECT nextval('application_serial') AS serial \\gset
INSERT INTO applications (number, citizen_id, bundle_id, status, form, tasks_total)
  VALUES ('99' || :serial, :cid, {bundle["id"]}, 'submitted', '{form}', {len(items)})
  RETURNING id AS app \\gset
INSERT INTO tasks (application_id, item_id, unit_id, position, status, working_days, due_on,
                   remind_on) VALUES
    {tasks};
SELECT append_event(:app, NULL, :cid, 'application.submitted', 'citizen', :cid,
                    jsonb_build_object('number', '99' || :serial, 'bundle', 'newborn',
                                       'tasks', {len(items)}));
INSERT INTO outbox (citizen_id, phone, kind, template, params, language, urgent)
  VALUES (:cid, '+8613500000000', 'application.submitted', 'sms.application_submitted',
          jsonb_build_object('number', '99' || :serial, 'bundle', '新生儿出生一件事'),
          'zh_Hans', false);
COMMIT;
"""
    api_bench.OUT_DIR.mkdir(exist_ok=True)
    path = api_bench.OUT_DIR / "submit.pgbench"
    path.write_text(script)
    return path


class BackendCpu:
    """CPU of the PostgreSQL processes of the bench (`api_bench.postgres_processes`), read
    every 50 ms in a thread: pgbench's backends start and exit with it, so a reading before
    and one after (as `api_bench.run_phase` takes for the server's pooled connections) would
    miss them. A backend first seen during the run counts from zero; what one uses in its last
    50 ms is missed."""

    def __init__(self) -> None:
        self._first: dict[int, float] = api_bench.cpu_by_pid(api_bench.postgres_processes())
        self._last: dict[int, float] = dict(self._first)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._last.update(api_bench.cpu_by_pid(api_bench.postgres_processes()))

    def stop(self) -> float:
        """CPU seconds used since the start."""
        self._stop.set()
        self._thread.join()
        self._last.update(api_bench.cpu_by_pid(api_bench.postgres_processes()))
        return sum(cpu - self._first.get(pid, 0.0) for pid, cpu in self._last.items())


def run_pgbench(pg: str, script: Path, duration: float, clients: int) -> dict[str, Any]:
    """pgbench -T duration with the script; tx/s, mean and p50/p99 latency from its log."""
    log_dir = api_bench.OUT_DIR / "pgbench-log"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    backends = BackendCpu()
    started = time.monotonic()
    done = subprocess.run(
        [
            "pgbench",
            "--no-vacuum",
            "--protocol=prepared",
            f"--client={clients}",
            f"--jobs={min(clients, 2)}",
            f"--time={int(duration)}",
            "--log",
            f"--log-prefix={log_dir / 'tx'}",
            f"--file={script}",
            load_data.bench_url(pg),
        ],
        capture_output=True,
        text=True,
        timeout=duration + 120,
        check=False,
    )
    elapsed = time.monotonic() - started
    pg_cpu = backends.stop()
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    latencies: list[float] = []
    for log in log_dir.glob("tx*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1000.0)  # µs -> ms
    latencies.sort()
    tps = next(
        (
            float(line.split("=")[1].split()[0])
            for line in done.stdout.splitlines()
            if line.startswith("tps =")
        ),
        len(latencies) / elapsed,
    )
    return {
        "tps": round(tps, 1),
        "p50_ms": round(api_bench.percentile(latencies, 0.5), 2),
        "p99_ms": round(api_bench.percentile(latencies, 0.99), 2),
        "transactions": len(latencies),
        "postgres_cpu_ms_per_tx": round(pg_cpu / max(1, len(latencies)) * 1000, 3),
    }


# --- the run -----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def summarize(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_name.setdefault(r["name"], []).append(r)
    return {
        name: {
            "rounds": len(rs),
            "rps": median([r["rps"] for r in rs]),
            "p50_ms": median([r["p50_ms"] for r in rs]),
            "p99_ms": median([r["p99_ms"] for r in rs]),
            "server_cpu_ms_per_req": median([r["server_cpu_ms_per_req"] for r in rs]),
            "postgres_cpu_ms_per_req": median([r["postgres_cpu_ms_per_req"] for r in rs]),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
        }
        for name, rs in by_name.items()
    }


async def phase(
    label: str,
    server: Any,
    sampler: api_bench.MemorySampler,
    requests: list[list[bytes]],
    duration: float,
    rate: float | None = None,
) -> dict[str, Any]:
    load = load_average()
    result = await api_bench.run_phase(label, server, sampler, requests, duration, rate)
    api_bench.print_phase(result)
    row = asdict(result)
    row["load_before"] = load
    return row


async def main_async(args: argparse.Namespace) -> None:
    info = await api_bench.prepare_data(args)
    list_tokens, submit_tokens = load_data.tokens(info["bench_citizens"])
    citizen_ids = await list_citizen_ids(args.pg, info["bench_citizens"])
    print(f"load average before: {load_average()}")
    print(SHAPES)
    ours_port, peer_port = api_bench.free_port(), api_bench.free_port()
    ours = api_bench.Server("uvicorn", ours_port, args.pg, args.redis, 1, args.pool_max, whatif="")
    peer = PeerServer(peer_port, args.pg) if args.only not in ("submit", "paced") else None
    ours_mem = api_bench.MemorySampler(ours)
    peer_mem = api_bench.MemorySampler(peer) if peer else None  # type: ignore[arg-type]
    results: list[dict[str, Any]] = []
    pgbench: list[dict[str, Any]] = []
    try:
        await ours.wait_ready()
        ours_mem.start()
        print(f"doorstep ready: {await api_bench.check_responses(ours_port, list_tokens)}")
        if peer is not None and peer_mem is not None:
            print(f"postgraphile ready: {await peer.wait_ready(citizen_ids)}")
            peer_mem.start()
        c = args.concurrency
        executed = api_bench.distribute(
            [named_request(ours_port, api_bench.MY_APPLICATIONS_EXECUTED, t) for t in list_tokens],
            c,
        )
        compiled = api_bench.distribute(
            [named_request(ours_port, PRECOMPILED, t) for t in list_tokens], c
        )
        fragments = api_bench.distribute(
            [named_request(ours_port, api_bench.MY_APPLICATIONS_FRAGMENTS, t) for t in list_tokens],
            c,
        )
        cached = api_bench.distribute(
            [named_request(ours_port, api_bench.MY_APPLICATIONS, t) for t in list_tokens], c
        )
        persisted = api_bench.distribute(
            [persisted_request(ours_port, api_bench.MY_APPLICATIONS, t) for t in list_tokens], c
        )
        peer_reqs = api_bench.distribute([peer_request(peer_port, i) for i in citizen_ids], c)
        submit = api_bench.distribute(
            [
                rawhttp.graphql_request(
                    ours_port,
                    api_bench.SUBMIT_APPLICATION,
                    {"input": api_bench.SUBMIT_INPUT},
                    token=t,
                )
                for t in submit_tokens
            ],
            c,
        )
        script = await pgbench_script(args.pg)
        if args.only != "submit":
            await prime(ours_port, cached)
            # the document once in full (the link's retry), then its hash is known
            await prime(
                ours_port,
                [
                    [
                        persisted_request(
                            ours_port, api_bench.MY_APPLICATIONS, list_tokens[0], with_text=True
                        )
                    ]
                ],
            )
        rounds = 0 if args.only == "paced" else args.rounds
        for n in range(1, rounds + 1):
            print(f"\n-- round {n} of {args.rounds} (load average {load_average()})")
            if args.only != "submit":
                assert peer is not None and peer_mem is not None
                order = [
                    ("doorstep executed", ours, ours_mem, executed),
                    ("postgraphile", peer, peer_mem, peer_reqs),
                    ("doorstep precompiled", ours, ours_mem, compiled),
                    ("doorstep fragments", ours, ours_mem, fragments),
                    ("doorstep cached", ours, ours_mem, cached),
                    ("doorstep persisted", ours, ours_mem, persisted),
                ]
                if n % 2 == 0:
                    order.reverse()
                for label, server, mem, reqs in order:
                    results.append(await phase(label, server, mem, reqs, args.duration))
            if args.only != "read":
                runs = [("submit", None), ("pgbench", None)]
                if n % 2 == 0:
                    runs.reverse()
                for label, _ in runs:
                    if label == "submit":
                        results.append(
                            await phase(
                                "doorstep submitApplication", ours, ours_mem, submit, args.duration
                            )
                        )
                    else:
                        load = load_average()
                        row = await asyncio.to_thread(
                            run_pgbench, args.pg, script, args.duration, args.pgbench_clients
                        )
                        row["load_before"] = load
                        pgbench.append(row)
                        print(
                            f"  pgbench ({args.pgbench_clients} clients)  {row['tps']:>8.1f} tx/s"
                            f"    p50 {row['p50_ms']:>8.2f} ms   p99 {row['p99_ms']:>8.2f} ms"
                            f"   CPU per tx: postgres {row['postgres_cpu_ms_per_tx']:.2f} ms"
                        )
        if not args.no_paced and args.only != "submit":
            print(f"\n-- paced at {args.rate:.0f} req/s (load average {load_average()})")
            paced: list[tuple[str, Any, Any, list[list[bytes]]]] = [
                ("doorstep cached", ours, ours_mem, cached),
                ("doorstep persisted", ours, ours_mem, persisted),
                ("doorstep precompiled", ours, ours_mem, compiled),
                ("doorstep fragments", ours, ours_mem, fragments),
            ]
            if peer is not None:
                paced += [
                    ("doorstep executed", ours, ours_mem, executed),
                    ("postgraphile", peer, peer_mem, peer_reqs),
                ]
            for label, server, mem, reqs in paced:
                results.append(
                    await phase(
                        f"{label} at {args.rate:.0f}/s", server, mem, reqs, args.duration, args.rate
                    )
                )
    finally:
        for sampler in (ours_mem, peer_mem):
            if sampler is not None and sampler.is_alive():
                sampler.stop()
        ours.stop()
        if peer is not None:
            peer.stop()
        await api_bench.clear_queue(args.redis)

    summary = summarize(results)
    if pgbench:
        summary["pgbench"] = {
            "rounds": len(pgbench),
            "rps": median([r["tps"] for r in pgbench]),
            "p50_ms": median([r["p50_ms"] for r in pgbench]),
            "p99_ms": median([r["p99_ms"] for r in pgbench]),
            "server_cpu_ms_per_req": 0.0,
            "postgres_cpu_ms_per_req": median([r["postgres_cpu_ms_per_tx"] for r in pgbench]),
            "peak_rss_mb": 0.0,
            "errors": 0,
        }
    if rounds:
        print(f"\nMedians over {rounds} alternating rounds of {args.duration:.0f} s:")
    else:
        print(f"\nPaced runs of {args.duration:.0f} s:")
    print(
        f"  {'workload':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10} "
        f"{'PG ms/req':>9} {'peak RSS':>8}"
    )
    for name, s in summary.items():
        print(
            f"  {name:<34} {s['rps']:>8.1f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['server_cpu_ms_per_req']:>10.2f} {s['postgres_cpu_ms_per_req']:>9.2f} "
            f"{s['peak_rss_mb']:>7.0f}M"
        )
    ratios = []
    peer_rps = summary.get("postgraphile", {}).get("rps")
    if peer_rps:
        for name, target in (
            ("doorstep executed", 1.0),
            ("doorstep precompiled", 1.0),
            ("doorstep fragments", 1.0),
            ("doorstep cached", 3.0),
            ("doorstep persisted", 3.0),
        ):
            if name in summary:
                ratio = summary[name]["rps"] / peer_rps
                ratios.append((name, "postgraphile", ratio, target))
    if "pgbench" in summary and "doorstep submitApplication" in summary:
        ratio = summary["doorstep submitApplication"]["rps"] / summary["pgbench"]["rps"]
        ratios.append(("doorstep submitApplication", "pgbench", ratio, 0.5))
    print("\nRatios (targets):")
    for name, peer_name, ratio, target in ratios:
        verdict = "MET   " if ratio >= target else "MISSED"
        print(f"  {verdict} {name} / {peer_name}: {ratio:.2f}x (target {target:.1f}x)")
    for name, s in summary.items():
        if name.endswith(f"at {args.rate:.0f}/s"):
            ok = s["p99_ms"] < 50 and s["rps"] >= args.rate * 0.95
            print(
                f"  {'MET   ' if ok else 'MISSED'} {name}: {s['rps']:.0f} req/s held, p50 "
                f"{s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms (< 50 ms at {args.rate:.0f}/s)"
            )
    peak = max(
        (s["peak_rss_mb"] for n, s in summary.items() if n.startswith("doorstep")), default=0
    )
    print(f"  {'MET   ' if peak < 250 else 'MISSED'} doorstep peak RSS {peak:.0f} MB (< 250 MB)")
    print(f"load average after: {load_average()}")

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = api_bench.OUT_DIR / f"peer-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "machine": api_bench.machine_info(),
                "python": platform.python_version(),
                "args": vars(args),
                "results": results,
                "pgbench": pgbench,
                "summary": summary,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    print(f"results written to {path.relative_to(api_bench.ROOT)}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--pool-max", type=int, default=10)
    parser.add_argument("--pgbench-clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--only", choices=("read", "submit", "paced"), default=None)
    parser.add_argument("--no-paced", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--pg", default=load_data.DEFAULT_PG)
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20 or not 1 <= args.duration <= 120:
        parser.error("--rounds 1..20, --duration 1..120")
    return args


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, api_bench._exit_on_signal)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
