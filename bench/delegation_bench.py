"""What acting for someone costs: the same calls as a citizen and as their agent (帮办代办).

An agent's request does more than the citizen's own: the `X-Acting-For` header is resolved to
the delegation (two look-ups), the delegation is re-read under a share lock inside the
transaction, the principal's applications are filtered to the delegation's themes, and every
read is recorded for the principal (`personal_data_reads`, `delegation_actions`, the once-a-day
notice). This prints throughput, latency percentiles, CPU per request and the server's peak
memory for:

- `citizen myApplications`: a principal lists their own 10 applications; the API serves a
  citizen's own list from its response cache (`graphql/response_cache.py`) while nothing of
  theirs changed, so this is the cached figure;
- `citizen myApplications, executed`: the same fields through a named fragment, a document
  the cache leaves alone: the list executed every time (the baseline for the agent's list,
  which is never cached because each read of it must be recorded);
- `agent myApplications`: their agent lists the same, acting for them;
- `agent application`: the agent reads one application of the principal;
- `staff application`: a clerk of the police unit reads the same applications (the existing
  path whose reads are recorded too: the fair comparison for the agent's reads).

Every recorded read is a committed write, so these calls wait for PostgreSQL's WAL flush; on a
disk shared with other work that, not Python, sets their pace.

Run (PostgreSQL and Redis up; defaults as in api_bench.py):

    uv run python bench/delegation_bench.py [--duration 10] [--concurrency 50] [--pairs 200]

It builds its own database `doorstep_bench_delegation` (migrations, demo seed, `--pairs`
principals with 10 applications each made through the service layer, one agent each with an
active delegation for every theme, sessions written straight into `sessions`), starts one
`doorstep serve` process (uvicorn), and drops the database at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta

import api_bench
import asyncpg
import load_data
import rawhttp

from doorstep.config import Settings
from doorstep.services import applications
from doorstep.services.deps import Deps
from doorstep.store.db import connect, create_pool
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data

DB = "doorstep_bench_delegation"
APPS_PER_PRINCIPAL = 10
READ_ONE = (
    "query($n: String!) { application(number: $n) { number status statusLabel "
    "nextStep tasks { itemName status dueOn } } }"
)


def token(kind: str, index: int) -> str:
    return f"deleg-{kind}-{index:05d}-{hashlib.sha256(f'{kind}{index}'.encode()).hexdigest()[:16]}"


async def build(
    pg: str, redis_url: str, pairs: int, synchronous_commit_off: bool = False
) -> dict[str, list[str]]:
    admin = await asyncpg.connect(load_data.admin_url(pg))
    await admin.execute(f'drop database if exists "{DB}" with (force)')
    await admin.execute(f'create database "{DB}"')
    await admin.close()
    url = pg.rstrip("/") + "/" + DB
    conn = await connect(url)
    await migrate(conn)
    async with conn.transaction():
        await load_demo_data(conn, data_key=load_data.DATA_KEY, index_key=load_data.INDEX_KEY)
    now = datetime.now(UTC)
    principals, agents = [], []
    for i in range(pairs):
        principal = await conn.fetchval(
            "insert into citizens (phone, name) values ($1, $2) returning id",
            f"+8613600{i:06d}",
            f"长辈{i}",
        )
        agent = await conn.fetchval(
            "insert into citizens (phone, name) values ($1, $2) returning id",
            f"+8613700{i:06d}",
            f"子女{i}",
        )
        await conn.execute(
            """insert into delegations (agent_id, principal_id, themes, status, valid_from,
                                        valid_until, consent_method, consented_at)
               values ($1, $2, array['all'], 'active', $3, $4, 'app', $3)""",
            agent,
            principal,
            now - timedelta(days=1),
            now + timedelta(days=300),
        )
        for kind, who in (("principal", principal), ("agent", agent)):
            await conn.execute(
                """insert into sessions (token_hash, role, citizen_id, expires_at)
                   values ($1, 'citizen', $2, now() + interval '1 day')""",
                hashlib.sha256(token(kind, i).encode()).digest(),
                who,
            )
        principals.append(principal)
        agents.append(agent)
    staff_id = await conn.fetchval(
        "select s.id from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    await conn.execute(
        """insert into sessions (token_hash, role, staff_id, expires_at)
           values ($1, 'staff', $2, now() + interval '1 day')""",
        hashlib.sha256(token("staff", 0).encode()).digest(),
        staff_id,
    )
    await conn.close()

    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        dev_mode=True,
        data_key=load_data.DATA_KEY,
        index_key=load_data.INDEX_KEY,
    )
    pool = await create_pool(url, min_size=2, max_size=10)
    deps = Deps(pool=pool, settings=settings)
    from doorstep.domain.policy import Actor, Role

    async def apply(citizen_id: int) -> list[str]:
        actor = Actor(Role.CITIZEN, citizen_id=citizen_id)
        done = []
        for bundle in ("newborn", "elderly-subsidy") * (APPS_PER_PRINCIPAL // 2):
            view = await applications.submit_application(
                deps, actor, applications.SubmitInput(bundle_code=bundle)
            )
            done.append(view.number)
        return done

    numbers: list[str] = []
    for start in range(0, pairs, 20):
        for found in await asyncio.gather(*(apply(p) for p in principals[start : start + 20])):
            numbers.append(found[0])
    await pool.execute("analyze")
    if synchronous_commit_off:
        await pool.execute(f'alter database "{DB}" set synchronous_commit = off')
    await pool.close()
    return {"principals": [str(p) for p in principals], "numbers": numbers}


def requests_for(port: int, pairs: int, ids: dict[str, list[str]]) -> dict[str, list[bytes]]:
    def req(
        query: str, variables: dict[str, str] | None, kind: str, i: int, acting: str | None
    ) -> bytes:
        data = rawhttp.graphql_request(port, query, variables, token(kind, i))
        if acting is None:
            return data
        head, _, body = data.partition(b"\r\n\r\n")
        return head + f"\r\nX-Acting-For: {acting}".encode() + b"\r\n\r\n" + body

    def executed(i: int) -> bytes:
        body = json.dumps(
            {"query": api_bench.MY_APPLICATIONS_EXECUTED, "operationName": "MyApplications"}
        ).encode()
        return rawhttp.build_request(
            port,
            "/graphql",
            body,
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {token('principal', i)}",
            },
        )

    return {
        "citizen myApplications": [
            req(api_bench.MY_APPLICATIONS, None, "principal", i, None) for i in range(pairs)
        ],
        "citizen myApplications, executed": [executed(i) for i in range(pairs)],
        "agent myApplications": [
            req(api_bench.MY_APPLICATIONS, None, "agent", i, ids["principals"][i])
            for i in range(pairs)
        ],
        "agent application": [
            req(READ_ONE, {"n": ids["numbers"][i]}, "agent", i, ids["principals"][i])
            for i in range(pairs)
        ],
        "staff application": [
            req(READ_ONE, {"n": ids["numbers"][i]}, "staff", 0, None) for i in range(pairs)
        ],
    }


async def main(args: argparse.Namespace) -> None:
    t0 = time.monotonic()
    ids = await build(args.pg, args.redis, args.pairs, args.whatif_async_commit)
    print(
        f"built {DB}: {args.pairs} principal/agent pairs, "
        f"{args.pairs * APPS_PER_PRINCIPAL} applications in {time.monotonic() - t0:.0f} s"
    )
    load_data.BENCH_DB = DB  # the server of api_bench.py, pointed at this database
    server = api_bench.Server("uvicorn", api_bench.free_port(), args.pg, args.redis, 1, 10)
    sampler = api_bench.MemorySampler(server)
    try:
        await server.wait_ready()
        sampler.start()
        results = []
        for name, requests in requests_for(server.port, args.pairs, ids).items():
            clients = api_bench.distribute(requests, args.concurrency)
            results.append(await api_bench.run_phase(name, server, sampler, clients, args.duration))
        peak = sampler.peak() / 2**20
    finally:
        sampler.stop()
        server.stop()
        if not args.keep:
            admin = await asyncpg.connect(load_data.admin_url(args.pg))
            await admin.execute(f'drop database if exists "{DB}" with (force)')
            await admin.close()
    print(
        f"\nmachine: {os.cpu_count()} cores; load average before/after: "
        f"{args.load_before} / {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.whatif_async_commit:
        print("WHAT-IF run: synchronous_commit = off on the bench database")
    print(
        f"server: uvicorn, 1 process, DB_POOL_MAX 10; {args.concurrency} clients, closed "
        f"loop, {args.duration:.0f} s after a 3 s warm-up; peak server RSS {peak:.0f} MB"
    )
    print(
        f"{'workload':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'srv ms/req':>11} "
        f"{'pg ms/req':>10} {'errors':>7} {'other cpu':>9}"
    )
    for r in results:
        print(
            f"{r.name:34} {r.rps:8.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.server_cpu_ms_per_req:11.3f} {r.postgres_cpu_ms_per_req:10.3f} "
            f"{r.errors:7d} {r.other_cpu_util:9.2f}"
        )
        for sample in r.error_samples[:2]:
            print(f"    error: {sample}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--whatif-async-commit",
        action="store_true",
        help="what if commits did not wait for the WAL flush "
        "(synchronous_commit = off on the bench database)",
    )
    args = parser.parse_args()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
