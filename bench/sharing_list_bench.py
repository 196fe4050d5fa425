"""What reading the data-sharing list in force costs (数据共享责任清单): `recordFacts`, an
application form, a clerk's read and the rules cron each ask for it once: the head of the
version in force (one query; the list itself is kept per process per version), a cold load
(head, entries, grants), and the check itself (`domain.sharing.decide`) for every subject.

    uv run python bench/sharing_list_bench.py --pg postgresql://postgres@127.0.0.1/db [--rounds 500]

Needs a migrated database with the demo seed (`doorstep migrate && doorstep seed` against it).
Prints milliseconds per load and microseconds per check.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date

import asyncpg

from doorstep.domain.sharing import Action, Purpose, all_subjects, decide
from doorstep.services import sharing
from doorstep.store import sharing as store


async def main(url: str, rounds: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        today = date.today()
        for _ in range(20):
            await sharing.list_in_force(conn, today)
        started = time.perf_counter()
        for _ in range(rounds):
            loaded = await sharing.list_in_force(conn, today)
        per_load = (time.perf_counter() - started) / rounds * 1000
        assert loaded is not None, "no list in force: seed the database first"
        started = time.perf_counter()
        for _ in range(rounds):
            head = await store.version_in_force(conn, today)
            assert head is not None
            await store.load_list(conn, head)
        per_cold = (time.perf_counter() - started) / rounds * 1000
        subjects = all_subjects()
        purpose = Purpose(item="social-card-library")
        started = time.perf_counter()
        for _ in range(rounds):
            for kind, key in subjects:
                decide(loaded, "cy-culture", kind, key, Action.READ, purpose)
        per_check = (time.perf_counter() - started) / (rounds * len(subjects)) * 1e6
        grants = sum(len(e.grants) for e in loaded.entries)
        print(f"list v{loaded.version}: {len(loaded.entries)} entries, {grants} grants")
        print(f"list in force (head read, list kept): {per_load:.2f} ms ({rounds} reads)")
        print(f"cold load (head, entries, grants): {per_cold:.2f} ms ({rounds} loads)")
        print(f"decide: {per_check:.2f} us per subject ({len(subjects)} subjects)")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", required=True)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.pg, args.rounds))
