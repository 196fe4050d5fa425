"""What a typed row costs on the hottest read: myApplications' two queries (20 applications,
100 tasks), as plain asyncpg records, as `store.rows.Row` record classes, as NamedTuples and as
frozen slotted dataclasses built from the records.

    uv run python bench/rows_bench.py [--pg URL] [--rounds 2000]

Needs the `doorstep_bench` database (bench/load_data.py). Prints microseconds per page: the
Python side alone (build the rows, read the seven fields the page shows) and whole fetches.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, make_dataclass
from typing import NamedTuple

import asyncpg
import load_data

from doorstep.store import applications as store
from doorstep.store.db import create_pool
from doorstep.store.rows import Row

APPS = store._APPLICATION_COLUMNS
TASKS = store._TASK_COLUMNS
Q_APPS = f"""select {APPS} from applications a join bundles b on b.id = a.bundle_id
    where a.citizen_id = $1 order by a.id desc limit 20"""
Q_TASKS = f"""select {TASKS} from tasks t join service_items i on i.id = t.item_id
    join units u on u.id = t.unit_id where t.application_id = any($1::bigint[])
    order by t.application_id, t.position"""


def _names(columns: str) -> list[str]:
    # split on the commas between columns, not those inside an expression's parentheses
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(columns):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(columns[start:i])
            start = i + 1
    parts.append(columns[start:])
    return [c.strip().split(" as ")[-1].split(".")[-1] for c in parts]


def _row_class(name: str, columns: str) -> type[Row]:
    return type(name, (Row,), {"__annotations__": dict.fromkeys(_names(columns), "object")})


def _dataclass(name: str, columns: str) -> type:
    cls: type = make_dataclass(name, _names(columns), frozen=True, slots=True)
    return cls


def _namedtuple(name: str, columns: str) -> type:
    cls: type = NamedTuple(name, [(c, object) for c in _names(columns)])  # type: ignore[misc]
    return cls


@dataclass
class Shapes:
    app: type
    task: type


def read_keys(apps: Sequence[asyncpg.Record], tasks: Sequence[asyncpg.Record]) -> int:
    n = 0
    for a in apps:
        n += len(a["number"]) + len(a["status"]) + a["tasks_total"] + a["tasks_final"]
    for t in tasks:
        n += len(t["item_name"]) + len(t["unit_name"]) + len(t["status"])
    return n


def read_attrs(apps: Sequence[object], tasks: Sequence[object]) -> int:
    n = 0
    for a in apps:
        n += len(a.number) + len(a.status) + a.tasks_total + a.tasks_final  # type: ignore[attr-defined]
    for t in tasks:
        n += len(t.item_name) + len(t.unit_name) + len(t.status)  # type: ignore[attr-defined]
    return n


def _time(label: str, fn: Callable[[], object], rounds: int) -> None:
    for _ in range(rounds // 10):
        fn()
    t0 = time.perf_counter()
    for _ in range(rounds):
        fn()
    print(f"  {label:40s} {(time.perf_counter() - t0) / rounds * 1e6:8.1f} µs per page")


async def _atime(label: str, fn: Callable[[], Awaitable[object]], rounds: int) -> None:
    for _ in range(rounds // 10):
        await fn()
    t0 = time.perf_counter()
    for _ in range(rounds):
        await fn()
    print(f"  {label:40s} {(time.perf_counter() - t0) / rounds * 1e6:8.1f} µs per page")


async def main(pg: str, rounds: int) -> None:
    pool = await create_pool(load_data.bench_url(pg), min_size=1, max_size=1)
    record_app, record_task = _row_class("AppRow", APPS), _row_class("TaskRow", TASKS)
    dc = Shapes(_dataclass("AppDC", APPS), _dataclass("TaskDC", TASKS))
    nt = Shapes(_namedtuple("AppNT", APPS), _namedtuple("TaskNT", TASKS))
    async with pool.acquire() as conn:
        citizen = await conn.fetchval(
            "select citizen_id from applications group by citizen_id having count(*) = 20 limit 1"
        )
        apps = await conn.fetch(Q_APPS, citizen)
        tasks = await conn.fetch(Q_TASKS, [a["id"] for a in apps])
        typed_apps = await conn.fetch(Q_APPS, citizen, record_class=record_app)
        typed_tasks = await conn.fetch(Q_TASKS, [a["id"] for a in apps], record_class=record_task)
        print(f"one page: {len(apps)} applications, {len(tasks)} tasks\n\nPython side only:")
        _time("asyncpg.Record, row['column']", lambda: read_keys(apps, tasks), rounds)
        _time("Row record_class, row.column", lambda: read_attrs(typed_apps, typed_tasks), rounds)
        _time(
            "NamedTuple built per row, row.column",
            lambda: read_attrs(
                [nt.app._make(a) for a in apps],  # type: ignore[attr-defined]
                [nt.task._make(t) for t in tasks],  # type: ignore[attr-defined]
            ),
            rounds,
        )
        _time(
            "frozen slotted dataclass per row",
            lambda: read_attrs([dc.app(*a) for a in apps], [dc.task(*t) for t in tasks]),
            rounds,
        )

        async def plain() -> None:
            a = await conn.fetch(Q_APPS, citizen)
            read_keys(a, await conn.fetch(Q_TASKS, [r["id"] for r in a]))

        async def typed() -> None:
            a = await conn.fetch(Q_APPS, citizen, record_class=record_app)
            t = await conn.fetch(Q_TASKS, [r.id for r in a], record_class=record_task)  # type: ignore[attr-defined]
            read_attrs(a, t)

        async def dataclasses_() -> None:
            a = [dc.app(*r) for r in await conn.fetch(Q_APPS, citizen)]
            t = [dc.task(*r) for r in await conn.fetch(Q_TASKS, [r.id for r in a])]
            read_attrs(a, t)

        print("\nwhole page, both queries included (the machine may be shared: compare rows):")
        for label, fn in [
            ("asyncpg.Record", plain),
            ("Row record_class", typed),
            ("frozen slotted dataclass", dataclasses_),
        ]:
            await _atime(label, fn, max(rounds // 4, 50))
    await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=load_data.DEFAULT_PG)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.pg, args.rounds))
