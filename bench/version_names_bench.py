"""What showing the names an application was made under costs on the hottest read:
myApplications' two queries (20 applications, 120 tasks) with the names kept on the rows (as
`store.applications` reads them, migration 0062) against the names of the items and bundles in
force (before versions). A correlated read of each row's version instead cost about 470 µs a
page (3280 against 2809 µs, 17%), which is why the names are kept on the rows.

    uv run python bench/version_names_bench.py [--pg URL] [--rounds 2000]

Makes its own database (migrated, demo data, 20 applications of one citizen), drops it after.
Prints the median microseconds per page (both queries) for each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import asyncpg

from doorstep.store import applications as store
from doorstep.store.db import connect
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data

PLAIN_APPS = store._APPLICATION_COLUMNS.split("b.code as bundle_code,")[0] + (
    "b.code as bundle_code, b.name as bundle_name"
)
PLAIN_TASKS = store._TASK_COLUMNS.split("i.code as item_code,")[0] + (
    "i.code as item_code, i.name as item_name, u.name as unit_name, u.code as unit_code, "
    "u.phone as unit_phone, u.region_code as unit_region_code"
)


def _queries(apps: str, tasks: str) -> tuple[str, str]:
    return (
        f"""select {apps} from applications a join bundles b on b.id = a.bundle_id
            where a.citizen_id = $1 order by a.id desc limit 20""",
        f"""select {tasks} from tasks t join service_items i on i.id = t.item_id
            join units u on u.id = t.unit_id where t.application_id = any($1::bigint[])
            order by t.application_id, t.position""",
    )


async def _fill(conn: asyncpg.Connection[asyncpg.Record]) -> int:
    await migrate(conn)
    await load_demo_data(conn, data_key=bytes(32), index_key=bytes(range(32)))
    citizen = await conn.fetchval("select id from citizens order by id limit 1")
    bundle = await conn.fetchrow(
        "select b.id, array_agg(bi.item_id order by bi.position) as items from bundles b "
        "join bundle_items bi on bi.bundle_id = b.id group by b.id "
        "order by count(*) desc limit 1"
    )
    assert bundle is not None
    for n in range(20):
        app_id = await conn.fetchval(
            "insert into applications (number, citizen_id, bundle_id, status, tasks_total) "
            "values ($1, $2, $3, 'submitted', $4) returning id",
            f"9{n:08d}",
            citizen,
            bundle["id"],
            len(bundle["items"]),
        )
        for pos, item in enumerate(bundle["items"], start=1):
            await conn.execute(
                "insert into tasks (application_id, item_id, unit_id, position, status, "
                "working_days, due_on) select $1, i.id, i.unit_id, $2, 'submitted', 5, "
                "current_date from service_items i where i.id = $3",
                app_id,
                pos,
                item,
            )
    assert isinstance(citizen, int)
    return citizen


async def _page(conn: asyncpg.Connection[asyncpg.Record], q: tuple[str, str], who: int) -> None:
    apps = await conn.fetch(q[0], who)
    await conn.fetch(q[1], [a["id"] for a in apps])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    name = f"doorstep_bench_names_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(args.pg)
    await admin.execute(f'create database "{name}"')
    base, _, _ = args.pg.rpartition("/")
    conn = await connect(f"{base}/{name}")
    try:
        who = await _fill(conn)
        variants = {
            "names kept on the rows": _queries(store._APPLICATION_COLUMNS, store._TASK_COLUMNS),
            "names in force (before)": _queries(PLAIN_APPS, PLAIN_TASKS),
        }
        timings: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(args.rounds):
            for label, q in variants.items():  # alternate, so load drifts hit both
                started = time.perf_counter()
                await _page(conn, q, who)
                timings[label].append((time.perf_counter() - started) * 1e6)
        tasks = await conn.fetchval("select count(*) from tasks")
        print(f"20 applications, {tasks} tasks, {args.rounds} rounds")
        for label, values in timings.items():
            print(f"{label:26s} median {statistics.median(values):7.0f} µs per page")
    finally:
        await conn.close()
        await admin.execute(f'drop database "{name}" with (force)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
