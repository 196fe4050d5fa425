"""Broadcast throughput: N notifications through outbox → arq → the fake Aliyun server.

    uv run python bench/notify_bench.py                 # 100,000 citizens, one worker process
    uv run python bench/notify_bench.py -n 20000        # shorter, while developing
    uv run python bench/notify_bench.py --kill-at 0.3   # kill -9 the worker at 30 % (faults)
    uv run python bench/notify_bench.py --flush-at 0.3  # FLUSHDB the bench's Redis db at 30 %
    uv run python bench/notify_bench.py --flush-queued  # FLUSHDB before the worker started
    uv run python bench/notify_bench.py --chaos 0.2     # 20 % of sends throttled or 5xx

How it is taken: a database of its own (doorstep_bench_notify, dropped and made again) with N
citizens in one region (90 % zh_Hans, 7 % zh_Hant, 3 % en); the fake Dysmsapi (real HTTP,
HMAC-SHA1 signatures checked, every message rendered and logged) on a thread of this process;
one `python -m doorstep worker` process (the real WorkerSettings: SMS_THREADS=8, crons on) on
Redis db 12 (FLUSHDB'd at the start; db 0 is never touched). The clock starts when the
broadcast is started (`services.broadcasts.start`: rows written set-based, 50,000 per
transaction, lanes enqueued after each commit) and stops when no row of it is created,
temporary-failure or sending. messages/s = N / that time. At the end the fake's log is counted:
every number exactly once (none twice, none missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from arq import create_pool as create_redis  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402

from doorstep.config import Settings, SmsSettings  # noqa: E402
from doorstep.services import broadcasts  # noqa: E402
from doorstep.services.deps import Deps  # noqa: E402
from doorstep.store.db import connect, create_pool  # noqa: E402
from doorstep.store.migrate import migrate  # noqa: E402
from doorstep.workers.queue import enqueue_lanes  # noqa: E402
from tests.fakes.aliyun_sms import FAKE_KEY_ID, FAKE_KEY_SECRET, fake_for_catalogs  # noqa: E402

DB_NAME = "doorstep_bench_notify"
REGION = "990101"
SIGN = "掌上办"
PARAMS = {"subject": "停水通知", "detail": "12月3日9时至17时永安里停水检修，请提前储水。"}


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def prepare(server_url: str, n: int) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"drop database if exists {DB_NAME} with (force)")
        await admin.execute(f"create database {DB_NAME}")
    finally:
        await admin.close()
    url = with_database(server_url, DB_NAME)
    conn = await connect(url)
    try:
        await migrate(conn)
        await conn.execute(
            """insert into citizens (phone, region_code, language)
               select '+86136' || lpad(g::text, 8, '0'), $1,
                      case when g % 100 < 90 then 'zh_Hans' when g % 100 < 97 then 'zh_Hant'
                           else 'en' end
               from generate_series(1, $2) g""",
            REGION,
            n,
        )
        await conn.execute("analyze")
    finally:
        await conn.close()
    return url


def worker_env(
    db_url: str,
    redis_url: str,
    queue: str,
    endpoint: str,
    codes: tuple[tuple[str, str], ...],
    lease: int,
) -> dict[str, str]:
    templates: dict[str, dict[str, str]] = {}
    for key, code in codes:
        template, _, language = key.partition(":")
        templates.setdefault(template, {})[language] = code
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "DOORSTEP_QUEUE": queue,
            "DOORSTEP_DEV": "1",  # dev data keys: the bench holds no personal data
            "ALIYUN_ACCESS_KEY_ID": FAKE_KEY_ID,
            "ALIYUN_ACCESS_KEY_SECRET": FAKE_KEY_SECRET,
            "ALIYUN_SMS_ENDPOINT": endpoint,
            "ALIYUN_SMS_PROTOCOL": "http",
            "ALIYUN_SMS_TEMPLATES": json.dumps(templates, ensure_ascii=False),
            "SMS_SIGN_NAME": SIGN,
            "SMS_QUIET_HOURS": "",
            "SMS_THREADS": "8",
            "SMS_SENDING_LEASE_SECONDS": str(lease),
        }
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "doorstep", "worker"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = args.redis
    if redis_url.rstrip("/").endswith("/0"):
        raise SystemExit("use a Redis db of the bench's own (it is flushed), not db 0")
    print(f"preparing {args.n} citizens ...", flush=True)
    db_url = await prepare(server_url, args.n)
    fake, codes = fake_for_catalogs(SIGN)
    fake.chaos_rate = args.chaos
    fake.start()
    queue = "bench:notify"
    redis = await create_redis(RedisSettings.from_dsn(redis_url))
    await redis.flushdb()
    log = Path(args.log)
    env = worker_env(db_url, redis_url, queue, fake.endpoint, codes, args.lease)
    kills = flushes = 0
    pool = await create_pool(db_url, min_size=1, max_size=4)
    sms = SmsSettings(
        access_key_id=FAKE_KEY_ID, access_key_secret=FAKE_KEY_SECRET, quiet_start="", quiet_end=""
    )
    settings = Settings(
        database_url=db_url,
        redis_url=redis_url,
        queue_name=queue,
        sms=sms,
        sms_sign_name=SIGN,
        dev_mode=True,
        data_key=bytes(32),
        index_key=bytes(32),
    )

    async def lanes(items: list[tuple[int, str, int]]) -> None:
        await enqueue_lanes(redis, items, queue)

    deps = Deps(pool=pool, settings=settings, enqueue_lanes_now=lanes)
    worker = None if args.flush_queued else start_worker(env, log)
    try:
        await asyncio.sleep(3)  # the worker connects
        t0 = time.perf_counter()
        started = await broadcasts.start(
            deps, None, template="sms.public_notice", params=PARAMS, region=REGION
        )
        t_written = time.perf_counter()
        print(
            f"broadcast {started.id}: {started.total} rows written in {t_written - t0:.1f} s",
            flush=True,
        )
        if worker is None:
            # every lane job is lost before any worker saw it: only the sweeper can find them
            await redis.flushdb()
            flushes += 1
            print(
                f"  FLUSHDB {redis_url} with every lane job still queued; starting the worker",
                flush=True,
            )
            worker = start_worker(env, log)
        last_print = last_count = 0.0
        pending = started.total
        while True:
            # Progress comes from the fake's own log (free: same process). Counting the
            # outbox is not free at a million rows (an index scan of every pending row, on
            # the same 2 cores as the worker): it runs only once the fake has every number,
            # and every 10 s to print.
            now = time.perf_counter()
            sent = len(fake.messages)
            if sent >= started.total or now - last_count > 10:
                pending = await pool.fetchval(
                    """select (select count(*) from outbox where broadcast_id = $1
                               and status in ('created', 'temporary-failure'))
                            + (select count(*) from outbox where broadcast_id = $1
                               and status = 'sending')""",
                    started.id,
                )
                last_count = now
            if now - last_print > 5:
                print(
                    f"  {now - t0:6.1f} s: {sent} at the fake, {pending} pending in the "
                    "outbox at the last count",
                    flush=True,
                )
                last_print = now
            if args.kill_at and not kills and sent >= args.kill_at * args.n:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                print(f"  kill -9 the worker at {sent} sent; starting another", flush=True)
                worker = start_worker(env, log)
            if args.flush_at and not flushes and sent >= args.flush_at * args.n:
                await redis.flushdb()
                flushes += 1
                print(f"  FLUSHDB {redis_url} at {sent} sent", flush=True)
            if args.skip_backoff:
                # the waits themselves are tested in tests/; here they would only stretch the
                # run: rows in backoff are due at once
                await pool.execute(
                    """update outbox set next_attempt_at = now()
                       where broadcast_id = $1 and hold_reason = 'backoff'
                         and status = 'temporary-failure' and next_attempt_at > now()""",
                    started.id,
                )
            if pending == 0:
                break
            if now - t0 > args.timeout:
                print("  timed out", flush=True)
                break
            await asyncio.sleep(0.5)
        t_done = time.perf_counter()
        statuses = await broadcasts.counts(deps, started.id)
        phones = [
            r["phone"].removeprefix("+86")
            for r in await pool.fetch(
                "select phone from outbox where broadcast_id = $1", started.id
            )
        ]
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        await pool.close()
        await redis.flushdb()
        await redis.aclose()
        fake.stop()
    delivered = Counter(m.phone for m in fake.messages)
    expected = Counter(phones)
    twice = sum(c - 1 for c in delivered.values() if c > 1)
    missing = sum((expected - delivered).values())
    unexpected = sum((delivered - expected).values())
    calls = Counter((c.action, c.code) for c in fake.calls)
    drain = t_done - t0
    return {
        "n": args.n,
        "rows": started.total,
        "write_s": round(t_written - t0, 2),
        "drain_s": round(drain, 2),
        "messages_per_s": round(started.total / drain),
        "statuses": statuses,
        "fake_messages": len(fake.messages),
        "numbers_delivered": len(delivered),
        "twice": twice,
        "missing": missing,
        "unexpected": unexpected,
        "kills": kills,
        "flushes": flushes,
        "calls": {f"{a} {c}": k for (a, c), k in sorted(calls.items())},
    }


def with_defaults(argv: list[str], defaults: dict[str, str]) -> list[str]:
    """The fault scripts' arguments: theirs, plus each default they did not give."""
    args = list(argv)
    for flag, value in defaults.items():
        if flag not in args:
            args += [flag, value]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--kill-at", type=float, default=0.0)
    parser.add_argument("--flush-at", type=float, default=0.0)
    parser.add_argument(
        "--flush-queued",
        action="store_true",
        help="FLUSHDB after the rows are written, before the worker starts",
    )
    parser.add_argument("--chaos", type=float, default=0.0)
    parser.add_argument(
        "--skip-backoff",
        action="store_true",
        help="make rows in backoff due at once (short fault runs)",
    )
    parser.add_argument(
        "--lease", type=int, default=60, help="SMS_SENDING_LEASE_SECONDS for the worker"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--log", default=".doorstep/notify_bench_worker.log")
    args = parser.parse_args(argv)
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    Path(args.log).write_bytes(b"")
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"\n{result['rows']} messages drained in {result['drain_s']} s "
        f"({result['messages_per_s']} messages/s, one worker process); rows written in "
        f"{result['write_s']} s"
    )
    print(
        f"fake Aliyun log: {result['fake_messages']} messages to "
        f"{result['numbers_delivered']} numbers; twice: {result['twice']}, "
        f"missing: {result['missing']}, unexpected: {result['unexpected']}"
    )
    ok = result["twice"] == 0 and result["missing"] == 0 and result["unexpected"] == 0
    print("every number exactly once" if ok else "NOT exactly once")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
