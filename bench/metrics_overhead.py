"""What the request metrics cost per request, and what one /metrics state read costs.

    uv run python bench/metrics_overhead.py                 # in-memory values
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) uv run python bench/metrics_overhead.py   # files
    uv run python bench/metrics_overhead.py --pg postgresql://postgres@127.0.0.1:5432/doorstep_bench

Prints the time of one ASGI call through `RequestObserver` (request id, counter, histogram)
minus the same call straight to the app, and the median of 20 state reads (`observability.
state.read`) against the given database. Figures, not a test: run on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _per_call(app: Any, calls: int) -> float:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "path_template": "/graphql",
        "headers": [(b"host", b"x"), (b"x-request-id", b"bench-0123456789")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(calls):
        await app(scope, receive, send)
    return (time.perf_counter() - started) / calls


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL"))
    args = parser.parse_args()

    from doorstep.observability.requests import RequestObserver

    mode = "files" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "in-memory"
    observed = RequestObserver(_app)
    for _ in range(3):  # warm up, then take the best of 3
        bare = min([await _per_call(_app, args.calls) for _ in range(3)])
        through = min([await _per_call(observed, args.calls) for _ in range(3)])
    print(f"request metrics ({mode}): {(through - bare) * 1e6:.2f} µs per request")

    if args.pg:
        import dataclasses

        from arq import create_pool
        from arq.connections import RedisSettings

        from doorstep.config import Settings
        from doorstep.observability import state
        from doorstep.store.db import create_pool as create_db_pool

        pool = await create_db_pool(args.pg, min_size=1, max_size=2)
        redis_url = args.redis or "redis://127.0.0.1:6379/0"
        redis = await create_pool(RedisSettings.from_dsn(redis_url))
        settings = dataclasses.replace(
            Settings(
                database_url=args.pg,
                redis_url=redis_url,
                dev_mode=True,
                data_key=bytes(32),
                index_key=bytes(32),
            )
        )
        times = []
        for _ in range(20):
            started = time.perf_counter()
            await state.read(pool, redis, settings)
            times.append(time.perf_counter() - started)
        outbox = await pool.fetchval("select count(*) from outbox")
        print(
            f"state read at scrape: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms ({outbox} outbox rows)"
        )
        await redis.aclose()
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
