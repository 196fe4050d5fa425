"""The same workload against servers from two checkouts, in alternating rounds: how a change
is measured on a machine other work shares (the load moves between rounds, not between sides).

    git worktree add --detach /tmp/before <commit>     # or any clone at the commit before
    uv run python bench/ab_bench.py --before /tmp/before [--rounds 8] [--duration 6]
                                    [--workload submit|precompiled|executed|home]

Both servers run on the `doorstep_bench` database (load it first with load_data.py or
peer_bench.py; the checkout "before" must accept its migrations), one uvicorn process each,
DB_POOL_MAX 10, 50 keep-alive clients in a closed loop. Prints each round (req/s, p50, p99,
server and PostgreSQL CPU per request, load average) and the medians per side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from pathlib import Path

import api_bench
import load_data
import rawhttp

PRECOMPILED = api_bench.MY_APPLICATIONS.replace("myApplications(", "mine: myApplications(")
# the citizen app's home as web/app/core/live.js reads it: the stream position and the citizen's
# settings, the list, and the confirmations waiting, in one request
HOME = """{ me { lastSeq role language languageChosen elderMode elderModeOffered smsOnly
    presentation { elderMode minFontPt minTouchTargetDp noPromotions readAloud }
    actingFor { __typename } }
  myApplications(first: 30) { number bundleCode bundleName status statusLabel nextStep
    readAloud updatedAt createdAt progress { done total percent }
    tasks { id itemName unitName unitPhone status statusLabel dueOn paused reason } }
  myConfirmations(statuses: [PENDING]) { id bundleName viewerIs readAloud statusLabel } }"""


def workload(name: str, port: int) -> list[list[bytes]]:
    list_tokens, submit_tokens = load_data.tokens(load_data.BENCH_CITIZENS)
    if name == "submit":
        requests = [
            rawhttp.graphql_request(
                port, api_bench.SUBMIT_APPLICATION, {"input": api_bench.SUBMIT_INPUT}, token=t
            )
            for t in submit_tokens
        ]
    else:
        query = {
            "home": HOME,
            "executed": api_bench.MY_APPLICATIONS_EXECUTED,
        }.get(name, PRECOMPILED)
        requests = [rawhttp.graphql_request(port, query, token=t) for t in list_tokens]
    return api_bench.distribute(requests, 50)


async def main_async(args: argparse.Namespace) -> None:
    trees = {"before": args.before, "after": api_bench.ROOT}
    started: dict[str, tuple[api_bench.Server, api_bench.MemorySampler, list[list[bytes]]]] = {}
    try:
        for side, tree in trees.items():
            # the server imports the package of its checkout (its working directory comes
            # first on sys.path)
            os.environ["PYTHONPATH"] = str(tree)
            api_bench.ROOT = tree
            port = api_bench.free_port()
            server = api_bench.Server("uvicorn", port, args.pg, args.redis, 1, 10)
            server.kind = f"uvicorn-{side}"
            await server.wait_ready()
            sampler = api_bench.MemorySampler(server)
            sampler.start()
            started[side] = (server, sampler, workload(args.workload, port))
        results: dict[str, list[api_bench.PhaseResult]] = {side: [] for side in started}
        for n in range(args.rounds):
            order = list(started) if n % 2 == 0 else list(reversed(started))
            for side in order:
                server, sampler, requests = started[side]
                r = await api_bench.run_phase(side, server, sampler, requests, args.duration)
                results[side].append(r)
                print(
                    f"  {side:6} load {os.getloadavg()[0]:5.2f}  {r.rps:7.1f} req/s  "
                    f"p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms  CPU/req server "
                    f"{r.server_cpu_ms_per_req:5.2f} ms, postgres "
                    f"{r.postgres_cpu_ms_per_req:5.2f} ms  errors {r.errors}",
                    flush=True,
                )
        print(f"\nMedians over {args.rounds} alternating rounds of {args.duration:.0f} s:")
        for side, rs in results.items():
            print(
                f"  {side:6} {statistics.median(r.rps for r in rs):7.1f} req/s  "
                f"p99 {statistics.median(r.p99_ms for r in rs):7.1f} ms  CPU/req server "
                f"{statistics.median(r.server_cpu_ms_per_req for r in rs):5.2f} ms, postgres "
                f"{statistics.median(r.postgres_cpu_ms_per_req for r in rs):5.2f} ms"
            )
    finally:
        for server, sampler, _ in started.values():
            sampler.stop()
            server.stop()
        await api_bench.clear_queue(args.redis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="a checkout of the commit before")
    parser.add_argument(
        "--workload", choices=("submit", "precompiled", "executed", "home"), default="submit"
    )
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--pg", default=load_data.DEFAULT_PG)
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    args.before = Path(args.before).resolve()
    if not 1 <= args.rounds <= 20 or not 1 <= args.duration <= 60:
        parser.error("--rounds 1..20, --duration 1..60")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
