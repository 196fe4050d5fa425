"""HTTP benchmark of `myApplications` and `submitApplication` against a running server.

    uv run python bench/api_bench.py [--server uvicorn|granian|both] [--duration 20]
                                     [--concurrency 50] [--skip-load] [--profile] [--cleanup]

1. Loads `doorstep_bench` (100,000 citizens, ~207,000 applications, 1,000,000 tasks; see
   load_data.py) unless --skip-load finds a complete earlier load.
2. Starts the server as a subprocess (`doorstep serve`: uvicorn with uvloop and httptools, and/or
   granian on the ASGI app `doorstep.api.asgi:app`) and waits for /readyz.
3. Per workload: a warm-up, then a run of fixed duration with N concurrent keep-alive clients
   (a minimal asyncio HTTP/1.1 client, see rawhttp.py), each as a different citizen.
   Records every request's latency; a request counts as an error unless it is a 200 without an
   "errors" key. Samples the server's RSS (process and children, psutil) every 100 ms.
4. Prints requests/s, p50/p99/max, errors, peak RSS, CPU per request of server, PostgreSQL and
   client, and the targets met or missed. --profile adds a py-spy run per workload.

All traffic goes to 127.0.0.1; every loop is bounded in time and in count and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import load_data
import psutil
import rawhttp
from profile_summary import summarize

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
ROOT = BENCH_DIR.parent
BENCH_QUEUE = "doorstep-bench:queue"
MAX_REQUESTS_PER_PHASE = 2_000_000  # a bound besides the duration
WARMUP_SECONDS = 3.0

MY_APPLICATIONS = """query MyApplications {
  myApplications(first: 20) {
    number status statusLabel progress { done total percent } nextStep
    tasks { itemName unitName status dueOn }
  }
}"""

# The same fields through a named fragment, as Apollo and Relay clients write them: the response
# cache leaves it alone (it keeps to documents without fragments) and the precompiled path
# serves it (graphql/precompiled.py collects fragments and `@include`/`@skip`), so this is the
# list built the fast way on every request.
MY_APPLICATIONS_FRAGMENTS = """query MyApplications { myApplications(first: 20) { ...A } }
fragment A on Application {
  number status statusLabel progress { done total percent } nextStep
  tasks { itemName unitName status dueOn }
}"""

# The same again with a condition on the root field (always true), which the precompiled path
# leaves to strawberry on purpose: strawberry executes the document on every request, its
# executor filling the list from the compiled fields (graphql/executor.py).
# (An `operationName` does not keep a document out of the cache: it treats a named and an
# unnamed request for the same operation as one; the fragment does.)
MY_APPLICATIONS_EXECUTED = """query MyApplications {
  myApplications(first: 20) @include(if: true) { ...A }
}
fragment A on Application {
  number status statusLabel progress { done total percent } nextStep
  tasks { itemName unitName status dueOn }
}"""

SUBMIT_APPLICATION = """mutation Submit($input: SubmitApplicationInput!) {
  submitApplication(input: $input) {
    number status statusLabel progress { done total percent } nextStep
    tasks { itemName unitName status dueOn }
  }
}"""
SUBMIT_INPUT = {
    "bundleCode": "newborn",
    "materials": ["parent-id-cards", "delivery-record", "birth-certificate"],
    "form": {"babyName": "小明", "birthDate": "2026-03-01"},
}

TARGETS = {
    "myApplications": {"rps": 500.0, "p99_ms": 50.0},
    "submitApplication": {"rps": 300.0},
}
MEMORY_TARGET_MB = 250.0


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((rawhttp.LOCALHOST, 0))
        port: int = s.getsockname()[1]
        return port


GRANIAN = "granian==2.8.7"  # not a project dependency: run in uv's overlay (`uv run --with`)
PY_SPY = "py-spy==0.4.3"


def uv_binary() -> str | None:
    return os.environ.get("UV") or shutil.which("uv")


def server_command(kind: str, port: int, workers: int, whatif: str = "") -> list[str]:
    """`doorstep serve` / granian on the project's ASGI app; with `whatif`, bench/whatif.py."""
    target = "whatif:app" if whatif else "doorstep.api.asgi:app"
    if kind == "uvicorn" and whatif:  # what `doorstep serve` runs, on the what-if app
        return [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            rawhttp.LOCALHOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    if kind == "uvicorn":
        return [
            sys.executable,
            "-m",
            "doorstep",
            "serve",
            "--host",
            rawhttp.LOCALHOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    if kind == "granian":
        uv = uv_binary()
        if uv is None:
            raise SystemExit("granian runs through `uv run --with`: uv not found")
        return [
            uv,
            "run",
            "--no-sync",
            "--with",
            GRANIAN,
            "python",
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            rawhttp.LOCALHOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
            target,
        ]
    raise ValueError(kind)


def server_version(kind: str) -> str:
    if kind == "uvicorn":
        import uvicorn

        return f"uvicorn {uvicorn.__version__} (uvloop, httptools)"
    return f"{GRANIAN.replace('==', ' ')} (asgi, uvloop, 1 runtime thread)"


_STARTED: list[Server] = []


@atexit.register
def _stop_started() -> None:
    """However this script ends (an error, Ctrl-C, SIGTERM), no server it started lives on."""
    for server in _STARTED:
        with contextlib.suppress(Exception):
            server.stop()


class Server:
    def __init__(
        self,
        kind: str,
        port: int,
        pg: str,
        redis_url: str,
        workers: int,
        pool_max: int,
        whatif: str = "",
    ) -> None:
        self.kind = kind
        self.port = port
        self.workers = workers
        OUT_DIR.mkdir(exist_ok=True)
        self.log_path = OUT_DIR / f"server-{kind}.log"
        env = {k: v for k, v in os.environ.items() if k != "DOORSTEP_DEV"}
        env.update(
            {
                "DATABASE_URL": load_data.bench_url(pg),
                "REDIS_URL": redis_url,
                "DOORSTEP_DATA_KEY": load_data.key_b64(load_data.DATA_KEY),
                "DOORSTEP_INDEX_KEY": load_data.key_b64(load_data.INDEX_KEY),
                # production settings (the process refuses to start without them)
                "SMS_CALLBACK_TOKEN": "bench-callback-token-0123456789abcdef",
                "DOORSTEP_METRICS_TOKEN": "bench-metrics-token-0123456789abcdef",
                "DOORSTEP_IDENTITY_PROVIDER": "counter",
                "DOORSTEP_SMS_CHANNEL": "console",
                "DOORSTEP_FILE_STORAGE": "none",
                # 50 clients submit for 5,000 citizens, a dozen each in a run
                "DOORSTEP_APPLICATIONS_PER_CITIZEN_HOUR": "0",
                "DOORSTEP_APPLICATIONS_PER_CITIZEN_DAY": "0",
                "DB_POOL_MIN": str(min(4, pool_max)),
                "DB_POOL_MAX": str(pool_max),
                "DOORSTEP_QUEUE": BENCH_QUEUE,
                "PYTHONUNBUFFERED": "1",
            }
        )
        if whatif:
            env["BENCH_WHATIF"] = whatif
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, (str(BENCH_DIR), env.get("PYTHONPATH")))
            )
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            server_command(kind, self.port, workers, whatif),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ps = psutil.Process(self.proc.pid)
        _STARTED.append(self)

    async def wait_ready(self, limit_s: float = 60.0) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"{self.kind} exited with {self.proc.returncode}; "
                    f"see {self.log_path}:\n{self.log_path.read_text()[-2000:]}"
                )
            with contextlib.suppress(
                OSError, asyncio.TimeoutError, ValueError, rawhttp.ConnectionClosed
            ):
                status, _ = await rawhttp.get(self.port, "/readyz", limit_s=2)
                if status == 200:
                    return
            await asyncio.sleep(0.2)
        raise SystemExit(f"{self.kind} not ready after {limit_s} s; see {self.log_path}")

    def processes(self) -> list[psutil.Process]:
        """The server's Python processes (the `uv run` launcher of granian left out)."""
        try:
            procs = [self.ps, *self.ps.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        found = []
        for p in procs:
            with contextlib.suppress(psutil.Error):
                if p.name() != "uv":
                    found.append(p)
        return found

    def main_python_pid(self) -> int:
        """The process to profile: the first Python process (granian's is under `uv run`)."""
        procs = self.processes()
        return procs[0].pid if procs else self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            # the server's own process group (start_new_session): its workers go with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


class MemorySampler(threading.Thread):
    """RSS of the server process and its children every 100 ms (children re-listed each 1 s)."""

    def __init__(self, server: Server, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        procs: list[psutil.Process] = []
        listed = 0.0
        while not self._halt.is_set():
            now = time.monotonic()
            if now - listed > 1.0:
                procs = self.server.processes()
                listed = now
            total = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            if total:
                self.samples.append((now, total))
            self._halt.wait(self.interval)

    def peak(self, since: float = 0.0, until: float = float("inf")) -> int:
        return max((rss for t, rss in self.samples if since <= t <= until), default=0)

    def stop(self) -> None:
        self._halt.set()
        self.join(2)


def cpu_by_pid(procs: list[psutil.Process]) -> dict[int, float]:
    found = {}
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            found[p.pid] = t.user + t.system
    return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores)."""
    t = psutil.cpu_times()
    return (
        t.user
        + t.system
        + getattr(t, "nice", 0.0)
        + getattr(t, "irq", 0.0)
        + getattr(t, "softirq", 0.0)
    )


def postgres_processes() -> list[psutil.Process]:
    """The PostgreSQL processes that work for a benchmark: the server's own (postmaster, WAL
    writer, checkpointer, ...) and the backends of the benchmarks' databases (`doorstep_bench`
    and its `doorstep_bench_*` siblings), not other databases' backends (a test suite run
    beside the benchmark has dozens)."""
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        if not (p.info.get("name") or "").startswith("postgres"):
            continue
        title = " ".join(p.info.get("cmdline") or [])
        # a client backend's title: "postgres: 15/main: <user> <database> <host>(<port>) ..."
        is_client = "(" in title or "[local]" in title
        if not is_client or f" {load_data.BENCH_DB}" in title:
            found.append(p)
    return found


# --- the load ---------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    server: str
    concurrency: int
    duration_s: float
    offered_rps: float | None = None  # None: closed loop (as fast as the server answers)
    ok: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    peak_rss_mb: float = 0.0
    server_cpu_ms_per_req: float = 0.0
    postgres_cpu_ms_per_req: float = 0.0
    client_cpu_ms_per_req: float = 0.0
    server_cpu_util: float = 0.0
    client_cpu_util: float = 0.0
    other_cpu_util: float = 0.0  # CPU of everything else on the machine, in cores


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(q * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_load(
    port: int,
    requests: list[list[bytes]],
    duration: float,
    latencies: list[float] | None,
    errors: list[str],
    rate: float | None = None,
) -> tuple[int, float]:
    """Each client loops over its own request list until the time or count bound; returns
    (completed requests that were OK, elapsed seconds).

    Without `rate` every client sends its next request as soon as the last one is answered
    (closed loop: the most the server can do). With `rate` (requests/s over all clients) each
    client sends on a fixed schedule and a request's latency counts from when it was due, not
    from when it could be sent, so a slow server is not flattered by the clients waiting for it
    (no coordinated omission).
    """
    loop = asyncio.get_running_loop()
    begin = loop.time()
    deadline = begin + duration
    budget = [MAX_REQUESTS_PER_PHASE]
    ok = [0]
    perf = time.perf_counter
    interval = len(requests) / rate if rate else 0.0

    async def client(index: int, mine: list[bytes]) -> None:
        conn = rawhttp.HttpConnection(port)
        i = 0
        # spread the clients' schedules evenly over one interval
        due = begin + interval * index / len(requests)
        try:
            while loop.time() < deadline and budget[0] > 0:
                budget[0] -= 1
                data = mine[i % len(mine)]
                i += 1
                if interval:
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    start = perf() - max(0.0, loop.time() - due)
                    due += interval
                else:
                    start = perf()
                try:
                    status, body = await conn.request(data)
                except (rawhttp.ConnectionClosed, OSError) as exc:
                    errors.append(f"connection: {exc}")
                    await asyncio.sleep(0.01)
                    continue
                elapsed = perf() - start
                if status != 200 or b'"errors"' in body:
                    if len(errors) < 1000:
                        errors.append(f"{status} {body[:300].decode(errors='replace')}")
                    else:
                        errors.append("")
                    continue
                ok[0] += 1
                if latencies is not None:
                    latencies.append(elapsed)
        finally:
            conn.close()

    started = perf()
    tasks = [asyncio.ensure_future(client(i, r)) for i, r in enumerate(requests)]
    done, pending = await asyncio.wait(tasks, timeout=duration + 30)
    for t in pending:  # a request hung for 30 s past the end: give up on it
        t.cancel()
        errors.append("timeout: a request still open 30 s after the end")
    for t in done:
        if t.exception() is not None:
            errors.append(f"client crashed: {t.exception()!r}")
    return ok[0], perf() - started


async def run_phase(
    name: str,
    server: Server,
    sampler: MemorySampler,
    requests: list[list[bytes]],
    duration: float,
    rate: float | None = None,
) -> PhaseResult:
    warm_errors: list[str] = []
    await run_load(server.port, requests, min(WARMUP_SECONDS, duration), None, warm_errors, rate)
    if warm_errors:
        print(f"  warm-up of {name}: {len(warm_errors)} errors, first: {warm_errors[0]}")
    latencies: list[float] = []
    errors: list[str] = []
    pg_procs = postgres_processes()
    me = psutil.Process()
    server_procs = server.processes()
    cpu0 = (cpu_by_pid(server_procs), cpu_by_pid(pg_procs), me.cpu_times(), machine_busy())
    t0 = time.monotonic()
    ok, elapsed = await run_load(server.port, requests, duration, latencies, errors, rate)
    t1 = time.monotonic()
    cpu1 = (cpu_by_pid(server_procs), cpu_by_pid(pg_procs), me.cpu_times(), machine_busy())
    server_cpu = cpu_delta(cpu0[0], cpu1[0])
    pg_cpu = cpu_delta(cpu0[1], cpu1[1])
    latencies.sort()
    result = PhaseResult(
        name=name,
        server=server.kind,
        concurrency=len(requests),
        duration_s=round(elapsed, 2),
        ok=ok,
        errors=len(errors),
        error_samples=[e for e in errors if e][:5],
        offered_rps=rate,
    )
    if ok:
        ms = 1000.0
        client_cpu = (cpu1[2].user + cpu1[2].system) - (cpu0[2].user + cpu0[2].system)
        result.rps = round(ok / elapsed, 1)
        result.p50_ms = round(percentile(latencies, 0.50) * ms, 2)
        result.p90_ms = round(percentile(latencies, 0.90) * ms, 2)
        result.p99_ms = round(percentile(latencies, 0.99) * ms, 2)
        result.max_ms = round(latencies[-1] * ms, 2)
        result.mean_ms = round(sum(latencies) / len(latencies) * ms, 2)
        result.server_cpu_ms_per_req = round(server_cpu / ok * ms, 3)
        result.postgres_cpu_ms_per_req = round(pg_cpu / ok * ms, 3)
        result.client_cpu_ms_per_req = round(client_cpu / ok * ms, 3)
        result.server_cpu_util = round(server_cpu / elapsed, 2)
        result.client_cpu_util = round(client_cpu / elapsed, 2)
        ours = server_cpu + pg_cpu + client_cpu
        result.other_cpu_util = round(max(0.0, (cpu1[3] - cpu0[3]) - ours) / elapsed, 2)
    result.peak_rss_mb = round(sampler.peak(t0, t1) / 2**20, 1)
    return result


async def check_responses(port: int, list_tokens: list[str]) -> str:
    """One full parse of a myApplications answer: 20 applications with their tasks."""
    conn = rawhttp.HttpConnection(port)
    try:
        status, body = await conn.request(
            rawhttp.graphql_request(port, MY_APPLICATIONS, token=list_tokens[0])
        )
    finally:
        conn.close()
    data = json.loads(body)
    if status != 200 or "errors" in data:
        raise SystemExit(f"myApplications failed: {status} {body[:500]!r}")
    apps = data["data"]["myApplications"]
    tasks = sum(len(a["tasks"]) for a in apps)
    if len(apps) != load_data.APPS_PER_BENCH_CITIZEN:
        raise SystemExit(
            f"expected {load_data.APPS_PER_BENCH_CITIZEN} applications, got {len(apps)}"
        )
    return f"{len(apps)} applications, {tasks} tasks, {len(body):,} bytes per answer"


def distribute(requests: list[bytes], clients: int) -> list[list[bytes]]:
    """Client i gets requests i, i+clients, ...: no two clients act as the same citizen."""
    return [requests[i::clients] for i in range(clients)]


# --- profiling --------------------------------------------------------------------------------


def py_spy() -> list[str] | None:
    """py-spy from the venv or PATH, else through uv (a tool env; the project venv untouched)."""
    local = Path(sys.executable).with_name("py-spy")
    if local.exists():
        return [str(local)]
    found = shutil.which("py-spy")
    if found:
        return [found]
    uv = uv_binary()
    return [uv, "tool", "run", "--from", PY_SPY, "py-spy"] if uv else None


async def profiled_phase(
    name: str, server: Server, requests: list[list[bytes]], duration: float, native: bool
) -> str:
    tool = py_spy()
    if tool is None:
        return "py-spy not found (nor uv to fetch it)"
    out = OUT_DIR / f"profile-{server.kind}-{name}.txt"
    command = [
        *tool,
        "record",
        "--pid",
        str(server.main_python_pid()),
        "--rate",
        "250",
        "--duration",
        str(int(duration)),
        "--format",
        "raw",
        "--output",
        str(out),
        "--subprocesses",
    ]
    # native frames need the process paused while sampled (py-spy refuses --nonblocking)
    command.append("--native" if native else "--nonblocking")
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    await asyncio.sleep(1.0)  # let it attach
    errors: list[str] = []
    ok, elapsed = await run_load(server.port, requests, duration, None, errors)
    try:
        _, stderr = await asyncio.wait_for(spy.communicate(), duration + 60)
    except TimeoutError:
        spy.kill()
        return "py-spy did not finish"
    if spy.returncode != 0 or not out.exists():
        return f"py-spy failed ({spy.returncode}): {stderr.decode(errors='replace')[-500:]}"
    return f"(under py-spy: {ok / elapsed:.0f} req/s, {len(errors)} errors)\n" + summarize(
        out, top=15
    )


# --- reporting --------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def mode(r: PhaseResult) -> str:
    return f"at {r.offered_rps:.0f}/s" if r.offered_rps else "max"


def print_phase(r: PhaseResult) -> None:
    print(
        f"  {r.name:<18} {mode(r):>9} {r.rps:>8.1f} req/s   p50 {r.p50_ms:>8.2f} ms   "
        f"p99 {r.p99_ms:>8.2f} ms   max {r.max_ms:>8.2f} ms   ok {r.ok:>7,}   "
        f"errors {r.errors}"
    )
    print(
        f"  {'':<28} CPU per request: server {r.server_cpu_ms_per_req:.2f} ms, "
        f"postgres {r.postgres_cpu_ms_per_req:.2f} ms, client {r.client_cpu_ms_per_req:.2f} ms"
        f" (server {r.server_cpu_util:.0%} of a core, client {r.client_cpu_util:.0%});"
        f" peak RSS {r.peak_rss_mb:.0f} MB"
    )
    if r.other_cpu_util > 0.1:
        print(
            f"  {'':<28} WARNING: other processes used {r.other_cpu_util:.0%} of a core "
            f"during this run: the figures are low"
        )
    for sample in r.error_samples[:3]:
        print(f"  {'':<28} error: {sample}")


def verdicts(results: list[PhaseResult], peak_mb: float) -> list[str]:
    """Throughput targets against the closed-loop runs; the p99 target against the run paced at
    the target rate (with 50 clients in a closed loop, Little's law makes p99 >= 50 / rate: a
    p99 under 50 ms there would need more than 1,000 req/s)."""
    lines = []
    for name, target in TARGETS.items():
        for r in results:
            if r.name != name:
                continue
            checks: list[tuple[bool, str]] = []
            if r.offered_rps is None and "rps" in target:
                ok = r.rps >= target["rps"] and r.errors == 0
                checks.append(
                    (
                        ok,
                        f"{r.rps:.0f} req/s {'>=' if ok else '<'} "
                        f"{target['rps']:.0f} (closed loop)",
                    )
                )
            if r.offered_rps is not None and "p99_ms" in target:
                ok = r.p99_ms < target["p99_ms"] and r.rps >= 0.97 * r.offered_rps and r.errors == 0
                checks.append(
                    (
                        ok,
                        f"p99 {r.p99_ms:.1f} ms {'<' if ok else '>='} "
                        f"{target['p99_ms']:.0f} ms at {r.offered_rps:.0f}/s offered "
                        f"({r.rps:.0f}/s served)",
                    )
                )
            for ok, text in checks:
                err = f", {r.errors} errors" if r.errors else ""
                lines.append(
                    f"  {'MET   ' if ok else 'MISSED'}  {r.server:<8} {name:<18} {text}{err}"
                )
    mem_met = peak_mb < MEMORY_TARGET_MB
    server = results[0].server if results else ""
    lines.append(
        f"  {'MET   ' if mem_met else 'MISSED'}  {server:<8} peak RSS "
        f"{peak_mb:.0f} MB {'<' if mem_met else '>='} {MEMORY_TARGET_MB:.0f} MB"
    )
    return lines


# --- main -------------------------------------------------------------------------------------


async def prepare_data(args: argparse.Namespace) -> dict[str, Any]:
    info = await load_data.loaded_info(args.pg) if args.skip_load else None
    if info is None:
        if args.skip_load:
            print("--skip-load: no complete earlier load found, loading")
        info = await load_data.load(args.pg)
    else:
        print(
            f"--skip-load: reusing {load_data.BENCH_DB} loaded {info['loaded_at']} "
            f"({info['citizens']:,} citizens, {info['applications']:,} applications, "
            f"{info['tasks']:,} tasks; loading took {info['load_seconds']} s)"
        )
    from doorstep.store.migrate import MigrationMismatch, migrate

    conn = await asyncpg.connect(load_data.bench_url(args.pg))
    try:
        try:
            await migrate(conn)  # migrations added since the load
        except MigrationMismatch as exc:  # a migration was edited since: the schema is stale
            print(f"{exc}: loading afresh")
            await conn.close()
            info = await load_data.load(args.pg)
            conn = await asyncpg.connect(load_data.bench_url(args.pg))
        await load_data.ensure_sessions(conn, info["bench_citizens"])
        info["applications_now"] = await conn.fetchval("select count(*) from applications")
        info["pg_version"] = await conn.fetchval("show server_version")
    finally:
        await conn.close()
    return info


async def clear_queue(redis_url: str) -> int:
    """Drop the jobs this run put on Redis (the bench queue only); the outbox rows stay in PG."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)
    removed = 0
    try:
        removed += int(await client.delete(BENCH_QUEUE))
        keys = [k async for k in client.scan_iter(match=f"arq:*{BENCH_QUEUE}:*", count=1000)]
        for i in range(0, len(keys), 500):
            removed += int(await client.delete(*keys[i : i + 500]))
    finally:
        await client.aclose()
    return removed


async def wait_for_quiet(limit_s: float) -> None:
    """Other work on this 2-core machine (a test run) skews every figure: wait for a quiet
    moment (machine under 15% busy for 2 s running), at most `limit_s` seconds."""
    deadline = time.monotonic() + limit_s
    quiet = 0
    while time.monotonic() < deadline:
        busy = await asyncio.to_thread(psutil.cpu_percent, 1.0)
        quiet = quiet + 1 if busy < 15 else 0
        if quiet >= 2:
            return
    print(f"  (the machine was still busy after {limit_s:.0f} s of waiting; measuring anyway)")


async def bench_server(
    kind: str, args: argparse.Namespace, list_tokens: list[str], submit_tokens: list[str]
) -> tuple[list[PhaseResult], float, list[str]]:
    whatif = f"; WHAT-IF {args.whatif} (bench/whatif.py)" if args.whatif else ""
    print(
        f"\n== {server_version(kind)}, {args.workers} worker(s), DB pool max "
        f"{args.pool_max}{whatif} =="
    )
    port = free_port()
    # requests are built once, ahead of the run (the Host header names the port)
    list_requests = distribute(
        [rawhttp.graphql_request(port, MY_APPLICATIONS, token=t) for t in list_tokens],
        args.concurrency,
    )
    submit_requests = distribute(
        [
            rawhttp.graphql_request(port, SUBMIT_APPLICATION, {"input": SUBMIT_INPUT}, token=t)
            for t in submit_tokens
        ],
        args.concurrency,
    )
    await wait_for_quiet(args.quiet_wait)
    server = Server(kind, port, args.pg, args.redis, args.workers, args.pool_max, args.whatif)
    sampler = MemorySampler(server)
    profiles: list[str] = []
    results: list[PhaseResult] = []
    try:
        started = time.monotonic()
        await server.wait_ready()
        sampler.start()
        print(
            f"  ready in {time.monotonic() - started:.1f} s on 127.0.0.1:{server.port}; "
            f"check: {await check_responses(server.port, list_tokens)}"
        )
        workloads = (("myApplications", list_requests), ("submitApplication", submit_requests))
        for name, requests in workloads:
            await wait_for_quiet(args.quiet_wait)
            result = await run_phase(name, server, sampler, requests, args.duration)
            print_phase(result)
            results.append(result)
        if args.floor:  # the fixed cost of a request on this stack, for comparison
            typename = distribute(
                [
                    rawhttp.graphql_request(port, "query { __typename }", token=t)
                    for t in list_tokens
                ],
                args.concurrency,
            )
            health = [[rawhttp.build_request(port, "/healthz")]] * args.concurrency
            for name, requests in (("floor: /healthz", health), ("floor: __typename", typename)):
                await wait_for_quiet(args.quiet_wait)
                result = await run_phase(name, server, sampler, requests, args.duration)
                print_phase(result)
                results.append(result)
        if not args.no_paced:
            for name, requests in workloads:
                rate = TARGETS[name]["rps"]
                await wait_for_quiet(args.quiet_wait)
                result = await run_phase(name, server, sampler, requests, args.duration, rate)
                print_phase(result)
                results.append(result)
        if args.profile:
            for name, requests in (
                ("myApplications", list_requests),
                ("submitApplication", submit_requests),
            ):
                print(f"\n  profiling {name} with py-spy for {args.profile_duration:.0f} s…")
                text = await profiled_phase(
                    name, server, requests, args.profile_duration, args.native
                )
                profiles.append(f"--- {kind} {name} {text}")
                print("\n".join("  " + line for line in text.splitlines()))
    finally:
        peak = sampler.peak() / 2**20
        try:
            sampler.stop()
        finally:
            server.stop()
    print(f"  peak server RSS (process + children, sampled every 100 ms): {peak:.0f} MB")
    return results, peak, profiles


async def main_async(args: argparse.Namespace) -> None:
    kinds = ["uvicorn", "granian"] if args.server == "both" else [args.server]
    if "granian" in kinds and uv_binary() is None:
        print("granian runs through `uv run --with`, and uv is not found: skipping it")
        kinds.remove("granian")
        if not kinds:
            raise SystemExit("nothing to run")
    t = time.perf_counter()
    info = await prepare_data(args)
    print(f"data ready in {time.perf_counter() - t:.1f} s")

    list_tokens, submit_tokens = load_data.tokens(info["bench_citizens"])
    machine = machine_info()
    print("\nHow the figures are taken:")
    print(
        f"  machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
        f"Python {machine['python']}; PostgreSQL {info['pg_version']} on the same machine"
    )
    print(
        f"  data: {info['citizens']:,} citizens, {info['applications_now']:,} applications, "
        f"{info['tasks']:,}+ tasks; myApplications citizens have exactly 20 applications "
        f"of 5 tasks"
    )
    print(
        f"  client: {args.concurrency} concurrent keep-alive connections from one asyncio "
        f"process (uvloop, raw HTTP/1.1, pre-built requests) on the same 2 cores; "
        f"{WARMUP_SECONDS:.0f} s warm-up, then {args.duration:.0f} s measured per workload"
    )
    print(
        "  latency: from writing the request to the last byte of the answer; percentiles "
        "nearest-rank over successful requests; memory: RSS of the server process and its "
        "children every 100 ms"
    )

    all_results: list[PhaseResult] = []
    peaks: dict[str, float] = {}
    profiles: list[str] = []
    try:
        for kind in kinds:
            results, peak, texts = await bench_server(kind, args, list_tokens, submit_tokens)
            all_results.extend(results)
            peaks[kind] = peak
            profiles.extend(texts)
    finally:
        removed = await clear_queue(args.redis)
        if removed:
            print(f"\n(removed {removed} bench jobs from Redis)")

    print(
        f"\nSummary ({args.concurrency} clients, {args.duration:.0f} s each; 'max' = closed "
        f"loop, 'at N/s' = paced, latency from the scheduled send)"
    )
    for r in all_results:
        print(
            f"  {r.server:<8} {r.name:<18} {mode(r):>9} {r.rps:>8.1f} req/s  "
            f"p50 {r.p50_ms:8.2f} ms  p99 {r.p99_ms:8.2f} ms  max {r.max_ms:8.2f} ms  "
            f"errors {r.errors}  server CPU {r.server_cpu_ms_per_req:.2f} ms/req  "
            f"peak RSS {peaks[r.server]:.0f} MB"
        )
    print("\nTargets (50 clients; client on the same 2 cores):")
    for kind in peaks:
        for line in verdicts([r for r in all_results if r.server == kind], peaks[kind]):
            print(line)

    OUT_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "machine": machine,
        "data": info,
        "args": vars(args),
        "results": [asdict(r) for r in all_results],
        "peak_rss_mb": peaks,
        "profiles": profiles,
    }
    path = OUT_DIR / f"results-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"\nresults written to {path.relative_to(ROOT)}")

    if args.cleanup:
        admin = await asyncpg.connect(load_data.admin_url(args.pg))
        try:
            await admin.execute(f'drop database if exists "{load_data.BENCH_DB}" with (force)')
        finally:
            await admin.close()
        print(f"dropped {load_data.BENCH_DB}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("uvicorn", "granian", "both"), default="both")
    parser.add_argument(
        "--duration", type=float, default=20.0, help="measured seconds per workload (default 20)"
    )
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--pool-max", type=int, default=10, help="DB_POOL_MAX (default 10)")
    parser.add_argument(
        "--whatif", default="", help="serve bench/whatif.py with these changes (cache,noreset)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="wait up to this many seconds for other CPU load to end first",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure /healthz and `{ __typename }` (with the auth "
        "lookup): the fixed cost of a request on this stack",
    )
    parser.add_argument(
        "--no-paced",
        action="store_true",
        help="skip the runs paced at the target rates (500/s and 300/s)",
    )
    parser.add_argument(
        "--skip-load", action="store_true", help="reuse the database of an earlier complete load"
    )
    parser.add_argument("--cleanup", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--profile", action="store_true", help="after measuring, profile each workload under py-spy"
    )
    parser.add_argument("--profile-duration", type=float, default=15.0)
    parser.add_argument(
        "--native",
        action="store_true",
        help="with --profile: include native (C/Cython/Rust) frames",
    )
    parser.add_argument(
        "--pg", default=load_data.DEFAULT_PG, help="PostgreSQL server URL without a database name"
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 1000:
        parser.error("--concurrency must be 1..1000")
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be 1..600 seconds")
    return args


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
