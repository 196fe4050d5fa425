"""Load the benchmark database: the demo catalog plus 100,000 citizens and 1,000,000 tasks.

    uv run python bench/load_data.py [--citizens 100000] [--tasks 1000000]

Creates `doorstep_bench` afresh (dropped first if it exists), runs the project's migrations and
the demo seed, then bulk-generates citizens (+86 135xxxxxxxx), about 200,000 applications (one
COPY of rows made here, numbers with a real Damm check digit) and their tasks and events
(set-based `insert ... select`). The first `BENCH_CITIZENS` citizens have exactly 20 applications
of five tasks each: they are the `myApplications` clients. Sessions are written straight into
`sessions` (token hash = sha256 of the token, as `doorstep.services.auth.token_hash`), so the
benchmark never goes through SMS log-in and its rate limits.

When loading has finished, the database's comment records what was loaded, so `api_bench.py
--skip-load` can tell a complete load from a half-done one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from doorstep.domain.case_numbers import make_case_number  # noqa: E402
from doorstep.services.auth import token_hash  # noqa: E402
from doorstep.store.db import connect  # noqa: E402

# the migration runner, demo seed and demo data are imported when loading, not on --skip-load

BENCH_DB = "doorstep_bench"
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
# Fixed keys so a reloaded or reused database and the server agree; benchmark data only.
DATA_KEY = hashlib.sha256(b"doorstep bench data key").digest()
INDEX_KEY = hashlib.sha256(b"doorstep bench index key").digest()

CITIZENS = 100_000
TASKS = 1_000_000
BENCH_CITIZENS = 1_000  # citizens 0..999: exactly 20 applications of 5 tasks each
APPS_PER_BENCH_CITIZEN = 20
SUBMIT_CITIZENS = 5_000  # citizens 1000..5999: submitApplication clients
PHONE_PREFIX = "+86135"
APPLICATION_PREFIX = "10"
LOAD_MARK = "doorstep bench data"

# Bundle mix of the bulk applications (weights); five-task bundles dominate, so 1,000,000 tasks
# make about 200,000 applications.
BUNDLE_WEIGHTS = {
    "newborn": 20,
    "school-entry": 15,
    "disability": 10,
    "elderly-subsidy": 15,
    "after-death": 20,
    "retirement": 10,
    "social-card": 5,
    "remote-medical-filing": 2,
    "hardship-relief": 2,
    "kindergarten": 1,
}
BENCH_BUNDLES = ("newborn", "school-entry", "disability", "elderly-subsidy")  # five tasks each


def key_b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def admin_url(pg: str) -> str:
    return pg.rstrip("/") + "/postgres"


def bench_url(pg: str) -> str:
    return pg.rstrip("/") + "/" + BENCH_DB


def phone(index: int) -> str:
    return f"{PHONE_PREFIX}{index:08d}"


def bench_token(kind: str, index: int) -> str:
    """Deterministic bearer tokens, so a rerun with --skip-load knows them without storing them."""
    return f"bench-{kind}-{index:06d}-{hashlib.sha256(f'{kind}{index}'.encode()).hexdigest()[:20]}"


@dataclass(frozen=True)
class BundleInfo:
    id: int
    code: str
    size: int
    materials: tuple[str, ...]


def _say(message: str) -> None:
    print(f"[load] {message}", flush=True)


# --- what is loaded -----------------------------------------------------------------------------


async def loaded_info(pg: str) -> dict[str, Any] | None:
    """What a complete earlier load left in the database comment, or None."""
    conn = await asyncpg.connect(admin_url(pg))
    try:
        comment = await conn.fetchval(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = $1",
            BENCH_DB,
        )
    finally:
        await conn.close()
    if not comment or not comment.startswith(LOAD_MARK):
        return None
    info: dict[str, Any] = json.loads(comment[len(LOAD_MARK) :].strip())
    return info


# --- generation ---------------------------------------------------------------------------------


def _task_statuses(rng: random.Random, status: str, n: int) -> list[str]:
    if status == "completed":
        return ["done"] * n
    if status == "rejected":
        return ["rejected"] * n
    if status == "partially_completed":
        statuses = ["done"] * n
        statuses[rng.randrange(n)] = "rejected"
        return statuses
    if status == "submitted":
        return ["submitted"] * n
    done = rng.randrange(n)  # tasks before this one are done
    statuses = (
        ["done"] * done
        + ["accepted"]
        + [rng.choice(("accepted", "submitted")) for _ in range(n - done - 1)]
    )
    if status == "needs_materials":
        statuses[rng.randrange(done, n)] = "needs_materials"
    return statuses


def _status_for_age(rng: random.Random, age_days: float, n: int) -> str:
    r = rng.random()
    if age_days > 60:
        choices: tuple[tuple[str, float], ...] = (
            ("completed", 0.90),
            ("partially_completed", 0.05),
            ("rejected", 0.03),
        )
    else:
        choices = (
            ("submitted", 0.25),
            ("in_progress", 0.45),
            ("needs_materials", 0.10),
            ("completed", 0.17),
            ("partially_completed", 0.02),
        )
    for name, p in choices:
        if r < p:
            status = name
            break
        r -= p
    else:
        status = "in_progress"
    if n == 1 and status in ("in_progress", "partially_completed"):
        status = "completed"  # a one-task application is never half done
    return status


def generate_applications(
    rng: random.Random,
    bundles: dict[str, BundleInfo],
    citizen_ids: list[int],
    tasks_total: int,
    bench_citizens: int,
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows for the bench_apps staging table, oldest first, with ids and numbers; total tasks."""
    now = datetime.now(UTC)
    plan: list[tuple[int, BundleInfo]] = []  # (citizen index, bundle)
    tasks = 0
    bench_bundles = [bundles[c] for c in BENCH_BUNDLES]
    for citizen in range(bench_citizens):
        for k in range(APPS_PER_BENCH_CITIZEN):
            bundle = bench_bundles[(citizen + k) % len(bench_bundles)]
            plan.append((citizen, bundle))
            tasks += bundle.size
    codes = list(BUNDLE_WEIGHTS)
    weights = [BUNDLE_WEIGHTS[c] for c in codes]
    singles = [b for b in bundles.values() if b.size == 1]
    others = len(citizen_ids) - bench_citizens
    while tasks < tasks_total:
        bundle = bundles[rng.choices(codes, weights)[0]]
        if tasks + bundle.size > tasks_total:
            bundle = singles[0]  # top up one task at a time to hit the total exactly
        plan.append((bench_citizens + rng.randrange(others), bundle))
        tasks += bundle.size

    drafts = []
    for citizen, bundle in plan:
        age = rng.random() ** 1.5 * 730  # more recent applications than old ones
        created = now - timedelta(days=age, seconds=rng.randrange(86400))
        status = _status_for_age(rng, age, bundle.size)
        statuses = _task_statuses(rng, status, bundle.size)
        final = sum(1 for s in statuses if s in ("done", "rejected"))
        if status == "submitted":
            updated = created
        else:
            updated = min(created + timedelta(days=rng.uniform(0.1, min(age, 20.0))), now)
        completed = updated if status in ("completed", "rejected", "partially_completed") else None
        materials = bundle.materials[: rng.randrange(1, len(bundle.materials) + 1)]
        form = json.dumps({"materials": sorted(materials), "fields": {}}, ensure_ascii=False)
        drafts.append(
            (
                created,
                citizen_ids[citizen],
                bundle.id,
                status,
                form,
                bundle.size,
                final,
                updated,
                completed,
                statuses,
            )
        )
    drafts.sort(key=lambda d: d[0])  # ids and numbers grow with time, as in production
    rows = []
    for serial, (
        created,
        citizen_id,
        bundle_id,
        status,
        form,
        size,
        final,
        updated,
        completed,
        statuses,
    ) in enumerate(drafts, start=1):
        rows.append(
            (
                serial,
                make_case_number(APPLICATION_PREFIX, serial),
                citizen_id,
                bundle_id,
                status,
                form,
                size,
                final,
                created,
                updated,
                completed,
                statuses,
            )
        )
    return rows, tasks


# --- loading ------------------------------------------------------------------------------------


async def recreate_database(pg: str) -> None:
    conn = await asyncpg.connect(admin_url(pg))
    try:
        await conn.execute(f'drop database if exists "{BENCH_DB}" with (force)')
        await conn.execute(f'create database "{BENCH_DB}"')
    finally:
        await conn.close()


async def _bundles(conn: asyncpg.Connection[asyncpg.Record]) -> dict[str, BundleInfo]:
    rows = await conn.fetch(
        """select b.id, b.code, count(*) as size from bundles b
           join bundle_items bi on bi.bundle_id = b.id group by b.id, b.code"""
    )
    from doorstep.store import demo_data

    materials: dict[str, tuple[str, ...]] = {}
    items = {i.code: i for i in demo_data.SERVICE_ITEMS}
    for bundle in demo_data.BUNDLES:
        materials[bundle.code] = tuple(
            dict.fromkeys(m.code for code in bundle.item_codes for m in items[code].materials)
        )
    return {
        r["code"]: BundleInfo(r["id"], r["code"], r["size"], materials.get(r["code"], ("x",)))
        for r in rows
    }


async def load(
    pg: str = DEFAULT_PG,
    *,
    citizens: int = CITIZENS,
    tasks: int = TASKS,
    bench_citizens: int = BENCH_CITIZENS,
    seed: int = 20240601,
) -> dict[str, Any]:
    """Drop and reload the benchmark database; returns what was loaded, with timings."""
    from doorstep.store.migrate import migrate
    from doorstep.store.seed import load_demo_data

    if bench_citizens + SUBMIT_CITIZENS >= citizens:
        raise SystemExit("need more citizens than benchmark + submit citizens")
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 2)
        _say(f"{name}: {now - since:.1f} s")
        return now

    t = time.perf_counter()
    await recreate_database(pg)
    conn = await connect(bench_url(pg))
    try:
        await migrate(conn)
        async with conn.transaction():
            await load_demo_data(conn, data_key=DATA_KEY, index_key=INDEX_KEY)
        t = lap("database, migrations, demo seed", t)

        # bulk load: skip FK triggers (the rows are consistent by construction), no fsync waits
        await conn.execute("set session_replication_role = replica")
        await conn.execute("set synchronous_commit = off")
        await conn.execute("set maintenance_work_mem = '256MB'")
        await conn.execute("set work_mem = '64MB'")

        await conn.execute(
            f"""insert into citizens (phone, name, region_code, language, channel_preference,
                                      elder_mode, birth_date, created_at, updated_at)
                select '{PHONE_PREFIX}' || lpad(g::text, 8, '0'),
                       '测试居民' || g,
                       '110105001' || lpad((g % 30 + 1)::text, 3, '0'),
                       case when g % 20 = 7 then 'en' when g % 20 = 13 then 'zh_Hant'
                            else 'zh_Hans' end,
                       case when g % 10 = 3 then 'sms' else 'push' end,
                       g % 25 = 4,
                       date '1940-01-01' + (g * 7919 % 25000),
                       now() - make_interval(days => g % 900),
                       now() - make_interval(days => g % 900)
                from generate_series(0, $1 - 1) g""",
            citizens,
        )
        id_rows = await conn.fetch(
            "select id, phone from citizens where phone like $1 || '%' order by phone",
            PHONE_PREFIX,
        )
        citizen_ids = [r["id"] for r in id_rows]
        t = lap(f"{citizens:,} citizens", t)

        rng = random.Random(seed)
        bundles = await _bundles(conn)
        rows, task_count = generate_applications(rng, bundles, citizen_ids, tasks, bench_citizens)
        t = lap(f"generated {len(rows):,} applications in Python", t)

        await conn.execute(
            """create temp table bench_apps (
                   id bigint, number text, citizen_id bigint, bundle_id bigint, status text,
                   form text, tasks_total int, tasks_final int, created_at timestamptz,
                   updated_at timestamptz, completed_at timestamptz, task_statuses text[])"""
        )
        await conn.copy_records_to_table("bench_apps", records=rows)
        await conn.execute(
            """insert into applications (id, number, citizen_id, bundle_id, status, form,
                                         tasks_total, tasks_final, created_at, updated_at,
                                         completed_at)
               select id, number, citizen_id, bundle_id, status, form::jsonb, tasks_total,
                      tasks_final, created_at, updated_at, completed_at
               from bench_apps order by id"""
        )
        await conn.execute(
            "select setval(pg_get_serial_sequence('applications', 'id'), $1)", len(rows)
        )
        # the API's own numbers start after ours, so they never collide
        await conn.execute("select setval('application_serial', $1)", len(rows))
        t = lap(f"{len(rows):,} applications (COPY + insert)", t)

        await conn.execute(
            """insert into tasks (application_id, item_id, unit_id, position, status,
                                  working_days, due_on, paused_at, days_left_at_pause, reason,
                                  created_at, updated_at)
               select a.id, bi.item_id, i.unit_id, bi.ord - 1, a.task_statuses[bi.ord],
                      i.promised_days,
                      (a.created_at at time zone 'Asia/Shanghai')::date
                          + (i.promised_days * 7 / 5 + 1),
                      case when a.task_statuses[bi.ord] = 'needs_materials'
                           then a.updated_at end,
                      case when a.task_statuses[bi.ord] = 'needs_materials'
                           then greatest(i.promised_days - 1, 1) end,
                      case when a.task_statuses[bi.ord] = 'needs_materials'
                           then '请补充提交清晰的材料扫描件'
                           when a.task_statuses[bi.ord] = 'rejected'
                           then '不符合办理条件' end,
                      a.created_at, a.updated_at
               from bench_apps a
               join (select bundle_id, item_id,
                            row_number() over (partition by bundle_id order by position)::int
                                as ord
                     from bundle_items) bi on bi.bundle_id = a.bundle_id
               join service_items i on i.id = bi.item_id
               order by a.id, bi.ord"""
        )
        t = lap(f"{task_count:,} tasks (insert ... select)", t)

        await conn.execute(
            """insert into events (application_id, citizen_id, kind, actor_kind, actor_id, data,
                                   created_at)
               select a.id, a.citizen_id, 'application.submitted', 'citizen', a.citizen_id,
                      jsonb_build_object('number', a.number, 'bundle', b.code,
                                         'tasks', a.tasks_total),
                      a.created_at
               from bench_apps a join bundles b on b.id = a.bundle_id order by a.id"""
        )
        await conn.execute(
            """insert into events (application_id, task_id, citizen_id, kind, actor_kind,
                                   actor_id, data, created_at)
               select t.application_id, t.id, a.citizen_id,
                      case t.status when 'accepted' then 'task.accept'
                                    when 'done' then 'task.complete'
                                    when 'rejected' then 'task.reject'
                                    else 'task.request_materials' end,
                      'staff', null,
                      jsonb_build_object('item', i.name, 'from',
                                         case t.status when 'done' then 'accepted'
                                                       else 'submitted' end,
                                         'to', t.status, 'reason', t.reason),
                      t.updated_at
               from tasks t join bench_apps a on a.id = t.application_id
               join service_items i on i.id = t.item_id
               where t.status <> 'submitted' order by t.application_id, t.position"""
        )
        events = await conn.fetchval("select count(*) from events")
        t = lap(f"{events:,} events", t)

        await conn.execute("drop table bench_apps")
        await conn.execute("reset session_replication_role")
        await conn.execute("vacuum (analyze) citizens, applications, tasks, events, sessions")
        t = lap("vacuum analyze", t)
        sessions = await ensure_sessions(conn, bench_citizens)
        lap(f"{sessions:,} sessions", t)
    finally:
        await conn.close()

    total = round(time.perf_counter() - started, 1)
    info = {
        "citizens": citizens,
        "applications": len(rows),
        "tasks": task_count,
        "events": events,
        "bench_citizens": bench_citizens,
        "submit_citizens": SUBMIT_CITIZENS,
        "load_seconds": total,
        "timings": timings,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    admin = await asyncpg.connect(admin_url(pg))
    try:
        comment = LOAD_MARK + " " + json.dumps(info).replace("'", "''")
        await admin.execute(f"comment on database \"{BENCH_DB}\" is '{comment}'")
    finally:
        await admin.close()
    _say(
        f"loaded in {total} s: {citizens:,} citizens, {len(rows):,} applications, "
        f"{task_count:,} tasks, {events:,} events"
    )
    return info


async def ensure_sessions(
    conn: asyncpg.Connection[asyncpg.Record] | Any, bench_citizens: int = BENCH_CITIZENS
) -> int:
    """Sessions of the myApplications and submitApplication citizens, valid for a year."""
    phones = [phone(i) for i in range(bench_citizens + SUBMIT_CITIZENS)]
    rows = await conn.fetch("select id, phone from citizens where phone = any($1::text[])", phones)
    by_phone = {r["phone"]: r["id"] for r in rows}
    records = []
    for i, p in enumerate(phones):
        kind, index = ("list", i) if i < bench_citizens else ("submit", i - bench_citizens)
        records.append((token_hash(bench_token(kind, index)), by_phone[p]))
    await conn.executemany(
        """insert into sessions (token_hash, role, citizen_id, expires_at)
           values ($1, 'citizen', $2, now() + interval '365 days')
           on conflict (token_hash) do update
               set expires_at = excluded.expires_at, revoked_at = null""",
        records,
    )
    return len(records)


def tokens(bench_citizens: int = BENCH_CITIZENS) -> tuple[list[str], list[str]]:
    """(myApplications tokens, submitApplication tokens)."""
    return (
        [bench_token("list", i) for i in range(bench_citizens)],
        [bench_token("submit", i) for i in range(SUBMIT_CITIZENS)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg", default=DEFAULT_PG, help="PostgreSQL server URL without a database name"
    )
    parser.add_argument("--citizens", type=int, default=CITIZENS)
    parser.add_argument("--tasks", type=int, default=TASKS)
    args = parser.parse_args()
    asyncio.run(load(args.pg, citizens=args.citizens, tasks=args.tasks))


if __name__ == "__main__":
    main()
