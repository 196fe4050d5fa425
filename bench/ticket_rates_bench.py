"""The ticket figures (three rates and the rest) over 1,000,000 closed tickets.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        uv run python bench/ticket_rates_bench.py [--tickets 1000000] [--runs 5] [--keep]

Creates a scratch database, migrates it, loads the demo data, then generates the tickets and
one assignment each (a tenth with a returned assignment before it) with generate_series in
SQL, spread over 90 days, over the demo units and regions. The bulk load runs with triggers
off (session_replication_role = replica), so the per-day figures are then counted from scratch
by `rebuild_ticket_figures()`, set-based over all the rows: that is timed, and checked against
a full recount. Then the very query the service runs (`store.tickets.rates.rates`) is timed for
the whole 90 days, per unit and per street, as an admin sees it, several runs each. Last,
10,000 more tickets go in with the triggers on, to show what keeping the figures costs a
write, and the figures are checked again. Target: the rates over 1,000,000 tickets in
under 2 s. The scratch database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doorstep.store.db import connect
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data
from doorstep.store.tickets.rates import GroupBy, RatesRow, _sql, drift, rates, rebuild

DAYS = 90

_GENERATE = """
with units as (select array_agg(id order by id) as ids from units),
     regions as (select array_agg(code order by code) as codes from regions),
     citizens as (select array_agg(id order by id) as ids from citizens),
     cats as (select array_agg(code order by code) as codes from ticket_categories),
     base as (
        select g,
               $2::timestamptz + (g % ($3 * 86400)) * interval '1 second' as created,
               (hashint4(g) & 2147483647) as h
        from generate_series(1, $1) g)
insert into tickets (number, citizen_id, channel, kind, category_code, description, region_code,
    urgency, status, lead_unit_id, dispatch_basis, deadline_profile, assigned_at, ack_due_at,
    ack_remind_at, acknowledged_at, handle_days, handle_due_on, handle_due_at, handle_remind_at,
    resolved_at, resolution_note, follow_up_asks, follow_up_asked_at, solved, finished_at,
    returns_count, reopen_count, recurrence_unit_id, rating, created_at, updated_at)
select '9' || lpad(g::text, 10, '0'),
       citizens.ids[1 + h % array_length(citizens.ids, 1)],
       'app',
       (array['enquiry','help','complaint','report','suggestion'])[1 + h % 5],
       cats.codes[1 + (h / 7) % array_length(cats.codes, 1)],
       'bench',
       regions.codes[1 + (h / 11) % array_length(regions.codes, 1)],
       'normal',
       case when h % 10 < 8 then 'closed' else 'closed_unconfirmed' end,
       units.ids[1 + (h / 13) % array_length(units.ids, 1)],
       'rule', 'help',
       created, created + interval '24 hours', created + interval '18 hours',
       created + ((h % 30) || ' hours')::interval,
       3, (created + interval '4 days')::date, created + interval '4 days',
       created + interval '3 days',
       created + ((h % 6) || ' days')::interval, '已办结', 1,
       created + ((h % 6) || ' days')::interval,
       case when h % 10 < 8 then true else null end,
       created + ((h % 6) || ' days 2 hours')::interval,
       case when h % 10 = 9 then 1 else 0 end,
       case when h % 17 = 0 then 1 else 0 end,
       case when h % 23 = 0 then units.ids[1 + (h / 29) % array_length(units.ids, 1)] end,
       case when h % 3 = 0 then null else 1 + h % 5 end,
       created, created + ((h % 6) || ' days 2 hours')::interval
from base, units, regions, citizens, cats
"""

_ASSIGN = """
insert into ticket_assignments (ticket_id, unit_id, region_code, basis, ack_due_at,
    acknowledged_at, returned_at, return_reason, created_at)
select id, lead_unit_id, region_code, 'rule', ack_due_at, acknowledged_at, null, null,
       assigned_at
from tickets
union all
select id, lead_unit_id, region_code, 'rule', ack_due_at - interval '1 hour', null,
       assigned_at - interval '30 minutes', 'bench', assigned_at - interval '1 hour'
from tickets where returns_count > 0
"""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _timed(
    conn: asyncpg.Connection[asyncpg.Record],
    since: date,
    until: date,
    group_by: GroupBy,
    level: int,
    runs: int,
) -> tuple[list[float], int]:
    now = datetime.combine(until, datetime.min.time(), UTC)
    times = []
    rows: list[RatesRow] = []
    for _ in range(runs):
        started = time.perf_counter()
        # as an admin sees it: every unit (None: no scope)
        rows = await rates(conn, None, since, until, now, group_by, level)
        times.append(time.perf_counter() - started)
    return times, len(rows)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"doorstep_bench_rates_{os.getpid()}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'create database "{name}"')
    conn = await connect(_with_database(server, name))
    try:
        await migrate(conn)
        async with conn.transaction():
            await load_demo_data(conn, data_key=bytes(32), index_key=bytes(range(32)))
        start = datetime(2026, 1, 1, tzinfo=UTC)
        t0 = time.perf_counter()
        await conn.execute("set session_replication_role = replica")  # bulk load: no triggers
        await conn.execute(_GENERATE, args.tickets, start, DAYS)
        await conn.execute(_ASSIGN)
        await conn.execute("reset session_replication_role")
        await conn.execute("vacuum analyze tickets")
        await conn.execute("vacuum analyze ticket_assignments")
        load_s = time.perf_counter() - t0
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        figure_rows = await rebuild(conn)
        rebuild_s = time.perf_counter() - t0
        await conn.execute("analyze ticket_figures")
        t0 = time.perf_counter()
        drifted = await drift(conn)
        recount_s = time.perf_counter() - t0
        counts = await conn.fetchrow(
            "select (select count(*) from tickets) as tickets, (select count(*) from "
            "ticket_assignments) as assignments, pg_size_pretty(pg_total_relation_size("
            "'tickets')) as size"
        )
        assert counts is not None
        since, until = start.date(), (start + timedelta(days=DAYS + 7)).date()
        settings = {
            r["name"]: r["setting"]
            for r in await conn.fetch(
                "select name, setting from pg_settings where name in ('max_parallel_workers_per_"
                "gather', 'work_mem', 'shared_buffers', 'server_version')"
            )
        }
        results = {}
        shapes: tuple[tuple[str, GroupBy, int], ...] = (
            ("per unit", "unit", 6),
            ("per street", "region", 9),
        )
        for label, group_by, level in shapes:
            await _timed(conn, since, until, group_by, level, 1)  # warm the cache
            results[label] = await _timed(conn, since, until, group_by, level, args.runs)
        plan = await conn.fetch(
            "explain (analyze, format text) " + _sql("unit", 6),
            since,
            until,
            None,
            datetime.combine(until, datetime.min.time(), UTC),
        )
        load_after = os.getloadavg()
        # what keeping the figures costs a write: 10,000 more tickets with the triggers on
        t0 = time.perf_counter()
        await conn.execute(
            _GENERATE.replace("'9' || lpad(g::text, 10, '0')", "'8' || lpad(g::text, 10, '0')"),
            10_000,
            start,
            DAYS,
        )
        with_triggers_s = time.perf_counter() - t0
        still_drifted = await drift(conn)
    finally:
        await conn.close()
        if not args.keep:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()

    print(
        f"ticket rates benchmark: {counts['tickets']:,} closed tickets, "
        f"{counts['assignments']:,} assignments (tickets table {counts['size']}), "
        f"generated in {load_s:.1f} s"
    )
    print(
        f"  machine: {os.cpu_count()} cores, load average before {load_before[0]:.2f} / "
        f"{load_before[1]:.2f} / {load_before[2]:.2f}, after {load_after[0]:.2f} / "
        f"{load_after[1]:.2f} / {load_after[2]:.2f}; PostgreSQL {settings} (same machine)"
    )
    print(
        f"  figures counted from scratch over all of them (rebuild_ticket_figures): "
        f"{rebuild_s:.2f} s -> {figure_rows:,} day/unit/region rows; full recount check "
        f"{recount_s:.2f} s, {drifted} rows differ"
    )
    for label, (times, rows) in results.items():
        print(
            f"  rates {label} over {DAYS} days ({rows} rows): min {min(times) * 1000:.1f} ms,"
            f" median {statistics.median(times) * 1000:.1f} ms, max "
            f"{max(times) * 1000:.1f} ms ({len(times)} runs, warm cache)"
        )
    worst = max(statistics.median(t) for t, _rows in results.values())
    print(
        f"  target (< 2 s): {'met' if worst < 2 else 'NOT met'} (worst median {worst:.3f} s;"
        f" from scratch, rebuild + query: {rebuild_s + worst:.2f} s)"
    )
    print(
        f"  10,000 more tickets with the figure triggers on: {with_triggers_s:.1f} s "
        f"({with_triggers_s / 10_000 * 1e6:.0f} us a ticket incl. its insert); figures "
        f"still match a recount: {still_drifted == 0}"
    )
    print(
        "  plan (per unit): " + " | ".join(r[0].strip() for r in plan if "Execution Time" in r[0])
    )


if __name__ == "__main__":
    asyncio.run(main())
