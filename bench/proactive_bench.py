"""Services that find people (服务找人) at scale: every rule over 1,000,000 citizens.

    uv run python bench/proactive_bench.py                 # load (about 2 min), then measure
    uv run python bench/proactive_bench.py --skip-load     # measure on the loaded database
    uv run python bench/proactive_bench.py --citizens 200000 --cleanup

Loads a fresh database `doorstep_bench_proactive` (dropped first): the project's migrations and
demo seed (so the shipped rules are published), then, set-based (`insert ... select ... from
generate_series`, foreign-key triggers off, indexes built after), N citizens of 朝阳区 with an
age pyramid and the facts the rules read, at realistic rates (the rates are listed in FACTS
below: 12% of people over 60 live alone, 8% of resident-scheme insurance lapsed, 6% hold a
disability certificate, ...). Then VACUUM ANALYZE.

What is measured: the worker's rules cron itself (`doorstep.workers.main.offer_rules`, which
calls `services.proactive.finding.evaluate_all`) run in a separate process with the worker's own
pool settings, exactly as arq would run it, while this process samples that process's resident set
size (RSS, psutil) every 20 ms; the worker also reports its own `ru_maxrss`. Run 1 is the first
evaluation (every finding becomes an offer); run 2 is the steady state (the same evaluation
again: every rule scans everything, nothing is new). Printed with the machine's cores and load
average, since the figures depend on what else runs. Targets: all rules over 1,000,000
citizens in under 30 s; worker memory under 500 MB.

Optionally (`--notify N`) it also times the notification pass (`notify_new_offers`) on N of the
new offers, to show the fan-out rate that follows a first evaluation.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from doorstep.store.db import connect  # noqa: E402

BENCH_DB = "doorstep_bench_proactive"
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DATA_KEY = hashlib.sha256(b"doorstep bench data key").digest()
INDEX_KEY = hashlib.sha256(b"doorstep bench index key").digest()
LOAD_MARK = "doorstep proactive bench data"


def db_url(server: str, database: str) -> str:
    return server.rstrip("/") + "/" + database


def lap(label: str, since: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44} {now - since:7.1f} s", flush=True)
    return now


# One temporary table of the generated people (id, age, a few dice), then one statement per
# fact key. Dates are relative to the evaluation day (Asia/Shanghai). Sources are demo units.
PEOPLE = """
create temporary table people as
select c.id, c.birth_date,
       extract(year from age(current_date, c.birth_date))::int as age,
       random() as d1, random() as d2, random() as d3, random() as d4
from citizens c where c.phone like '+86136%'
"""

CITIZENS_SQL = """
insert into citizens (phone, birth_date, region_code, language, channel_preference, elder_mode)
select '+86136' || lpad(g::text, 8, '0'),
       -- an age pyramid: few above 85, most 20-65
       (current_date - (floor(power(random(), 1.25) * 95 * 365.25)::int
                        + floor(random() * 365)::int)),
       -- 43 street areas of 朝阳区, 30 communities each; street 001 is 建外 (the demo's)
       '110105' || lpad((1 + g % 43)::text, 3, '0') || lpad((1 + (g / 43) % 30)::text, 3, '0'),
       case when g % 50 = 0 then 'en' when g % 29 = 0 then 'zh_Hant' else 'zh_Hans' end,
       'push', false
from generate_series(1, $1) g
"""

# (what, SQL): facts keyed as the registry in doorstep.domain.vault; units from the demo
FACTS: list[tuple[str, str]] = [
    (
        "household.size (everyone)",
        """
     insert into vault_facts (citizen_id, key, value_type, num, source_unit_id, as_of)
     select id, 'household.size', 'int', 1 + floor(d1 * 5)::int, {psb}, now() from people""",
    ),
    (
        "household.lives_alone (12% of 60+)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'household.lives_alone', 'bool', d2 < 0.12, {community}, now()
     from people where age >= 60""",
    ),
    (
        "activity.last_seen (those living alone; 8% quiet 7+ days)",
        """
     insert into vault_facts (citizen_id, key, value_type, day, source_unit_id, as_of)
     select id, 'activity.last_seen', 'date',
            current_date - case when d3 < 0.08 then 7 + floor(d4 * 10)::int
                                else floor(d4 * 6)::int end, {community}, now()
     from people where age >= 60 and d2 < 0.12""",
    ),
    (
        "medical_insurance.scheme (60/37/3%)",
        """
     insert into vault_facts (citizen_id, key, value_type, txt, source_unit_id, as_of)
     select id, 'medical_insurance.scheme', 'text',
            case when d3 < 0.60 then 'employee' when d3 < 0.97 then 'resident' else 'none' end,
            {medical}, now() from people""",
    ),
    (
        "medical_insurance.paid_until (8% of resident lapsed)",
        """
     insert into vault_facts (citizen_id, key, value_type, day, source_unit_id, as_of)
     select id, 'medical_insurance.paid_until', 'date',
            case when d3 >= 0.60 and d3 < 0.97 and d4 < 0.08
                 then current_date - 60 - floor(d1 * 300)::int
                 else current_date + floor(d1 * 300)::int end, {medical}, now()
     from people where d3 < 0.97""",
    ),
    (
        "household.newborn_registered_on (1.2% of 22-42)",
        """
     insert into vault_facts (citizen_id, key, value_type, day, source_unit_id, as_of)
     select id, 'household.newborn_registered_on', 'date',
            current_date - floor(d2 * 1000)::int, {psb}, now()
     from people where age between 22 and 42 and d1 < 0.012""",
    ),
    (
        "household.newborn_insured (70% of those)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'household.newborn_insured', 'bool', true, {medical}, now()
     from people where age between 22 and 42 and d1 < 0.012 and d3 < 0.7""",
    ),
    (
        "benefit.childcare_subsidy (60% of those)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.childcare_subsidy', 'bool', true, {health}, now()
     from people where age between 22 and 42 and d1 < 0.012 and d4 < 0.6""",
    ),
    (
        "pension.retirement_date (contributors 50-63)",
        """
     insert into vault_facts (citizen_id, key, value_type, day, source_unit_id, as_of)
     select id, 'pension.retirement_date', 'date',
            (birth_date + make_interval(years => 60, months => floor(d4 * 12)::int))::date,
            {hrss}, now()
     from people where age between 50 and 63 and d3 < 0.7""",
    ),
    (
        "benefit.pension (80% of 60+)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.pension', 'bool', true, {hrss}, now()
     from people where age >= 60 and d1 < 0.8""",
    ),
    (
        "disability.level (6%)",
        """
     insert into vault_facts (citizen_id, key, value_type, num, source_unit_id, as_of)
     select id, 'disability.level', 'int', 1 + floor(d2 * 4)::int, {disabled}, now()
     from people where d4 < 0.06""",
    ),
    (
        "benefit.disability_care_subsidy (70% of grade 1-2)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.disability_care_subsidy', 'bool', true, {civil}, now()
     from people where d4 < 0.06 and d2 < 0.5 and d3 < 0.7""",
    ),
    (
        "assistance.dibao (1.5%) / low_income (2%) / tekun (0.2%)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, k, 'bool', true, {civil}, now() from people,
            lateral (values ('assistance.dibao', d1 < 0.015),
                            ('assistance.low_income', d1 >= 0.015 and d1 < 0.035),
                            ('assistance.tekun', d1 >= 0.035 and d1 < 0.037)) v(k, hit)
     where hit""",
    ),
    (
        "benefit.disability_living_subsidy (60% of eligible)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.disability_living_subsidy', 'bool', true, {civil}, now()
     from people where d4 < 0.06 and d1 < 0.035 and d3 < 0.6""",
    ),
    (
        "elder.care_level (60+: 15% dependent)",
        """
     insert into vault_facts (citizen_id, key, value_type, num, source_unit_id, as_of)
     select id, 'elder.care_level', 'int',
            case when d3 < 0.15 then 1 + floor(d4 * 4)::int else 0 end, {health}, now()
     from people where age >= 60""",
    ),
    (
        "benefit.elder_care_subsidy (60% of dependent)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.elder_care_subsidy', 'bool', true, {civil}, now()
     from people where age >= 60 and d3 < 0.15 and d2 >= 0.4""",
    ),
    (
        "benefit.longevity_allowance (95% of 80+)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.longevity_allowance', 'bool', true, {civil}, now()
     from people where age >= 80 and d4 < 0.95""",
    ),
    (
        "benefit.elder_card (80% of 60+)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.elder_card', 'bool', true, {street}, now()
     from people where age >= 60 and d2 >= 0.2""",
    ),
    (
        "benefit.elder_service_subsidy (50% of poor 60+)",
        """
     insert into vault_facts (citizen_id, key, value_type, flag, source_unit_id, as_of)
     select id, 'benefit.elder_service_subsidy', 'bool', true, {civil}, now()
     from people where age >= 60 and d1 < 0.037 and d3 < 0.5""",
    ),
]

UNITS = {
    "psb": "cy-psb",
    "community": "cy-jianwai-yonganli",
    "medical": "cy-medical-security",
    "health": "cy-health",
    "hrss": "cy-hrss",
    "disabled": "cy-disabled",
    "civil": "cy-civil-affairs",
    "street": "cy-jianwai",
}


async def load(server: str, citizens: int) -> dict[str, Any]:
    from doorstep.store.migrate import migrate
    from doorstep.store.seed import load_demo_data

    admin = await asyncpg.connect(db_url(server, "postgres"))
    try:
        await admin.execute(f'drop database if exists "{BENCH_DB}" with (force)')
        await admin.execute(f'create database "{BENCH_DB}"')
    finally:
        await admin.close()
    conn = await connect(db_url(server, BENCH_DB))
    started = t = time.perf_counter()
    try:
        await migrate(conn)
        async with conn.transaction():
            await load_demo_data(conn, data_key=DATA_KEY, index_key=INDEX_KEY)
        t = lap("migrations + demo seed (rules published)", t)
        await conn.execute("select setseed(0.4242)")
        await conn.execute("set session_replication_role = replica")  # no FK triggers
        await conn.execute("set maintenance_work_mem = '256MB'")
        await conn.execute(CITIZENS_SQL, citizens)
        t = lap(f"{citizens:,} citizens", t)
        await conn.execute("alter table vault_facts drop constraint vault_facts_pkey")
        await conn.execute("drop index vault_facts_by_key")
        await conn.execute(PEOPLE)
        units = {
            name: await conn.fetchval("select id from units where code = $1", code)
            for name, code in UNITS.items()
        }
        for label, sql in FACTS:
            await conn.execute(sql.format(**units))
            t = lap(label, t)
        await conn.execute("alter table vault_facts add primary key (citizen_id, key)")
        await conn.execute("""create index vault_facts_by_key on vault_facts (key, citizen_id)
                              include (flag, num, day, txt, source_unit_id, as_of)""")
        t = lap("vault_facts indexes", t)
        await conn.execute("reset session_replication_role")
        await conn.execute("vacuum (analyze) citizens, vault_facts, opportunities")
        t = lap("vacuum analyze", t)
        counts = {
            "citizens": await conn.fetchval("select count(*) from citizens"),
            "facts": await conn.fetchval("select count(*) from vault_facts"),
            "rules": await conn.fetchval(
                "select count(*) from offer_rules where current_version is not null"
            ),
            "load_seconds": round(time.perf_counter() - started, 1),
        }
        await conn.execute(
            f"comment on database \"{BENCH_DB}\" is '{LOAD_MARK} {json.dumps(counts)}'"
        )
        return counts
    finally:
        await conn.close()


async def loaded(server: str) -> dict[str, Any] | None:
    try:
        conn = await asyncpg.connect(db_url(server, BENCH_DB))
    except (asyncpg.InvalidCatalogNameError, OSError):
        return None
    try:
        comment = await conn.fetchval(
            "select shobj_description(oid, 'pg_database') from pg_database "
            "where datname = current_database()"
        )
    finally:
        await conn.close()
    if not comment or not comment.startswith(LOAD_MARK):
        return None
    found: dict[str, Any] = json.loads(comment[len(LOAD_MARK) :])
    return found


# --- the worker side (a child process) ----------------------------------------------------------


async def worker_run(database_url: str, redis_url: str, notify: int) -> dict[str, Any]:
    """Run the worker's rules cron once, as arq would (same function, same pool settings)."""
    from doorstep.config import Settings
    from doorstep.services.deps import Deps
    from doorstep.services.proactive import finding as proactive
    from doorstep.store.db import create_pool
    from doorstep.workers import main as worker

    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        dev_mode=True,
        data_key=DATA_KEY,
        index_key=INDEX_KEY,
    )
    pool = await create_pool(database_url, min_size=1, max_size=5)  # as workers.main.startup
    ctx: dict[str, Any] = {"deps": Deps(pool=pool, settings=settings)}
    started = time.perf_counter()
    await worker.offer_rules(ctx)
    seconds = time.perf_counter() - started
    # the per-rule figures (the cron logs them; here we read them back from the database)
    report: dict[str, Any] = {"seconds": seconds}
    report["opportunities"] = await pool.fetchval("select count(*) from opportunities")
    if notify:
        t = time.perf_counter()
        handled = await proactive.notify_new_offers(
            ctx["deps"], batch=200, max_batches=max(1, notify // 200)
        )
        report["notified"] = handled
        report["notify_seconds"] = time.perf_counter() - t
    report["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await pool.close()
    return report


def run_worker(database_url: str, redis_url: str, notify: int) -> dict[str, Any]:
    """The cron in its own process; this process samples its RSS every 20 ms."""
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--database-url",
        database_url,
        "--redis",
        redis_url,
        "--notify",
        str(notify),
    ]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    proc = psutil.Process(child.pid)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"worker run failed ({child.returncode})")
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    report["peak_rss_mb"] = peak / 2**20
    return report


async def per_rule(server: str, since_id: int) -> list[tuple[str, int]]:
    conn = await asyncpg.connect(db_url(server, BENCH_DB))
    try:
        rows = await conn.fetch(
            """select r.code, count(p.id) as n from offer_rules r
               left join opportunities p on p.rule_id = r.id and p.id > $1
               where r.current_version is not null group by r.code order by r.code""",
            since_id,
        )
        return [(r["code"], r["n"]) for r in rows]
    finally:
        await conn.close()


async def max_offer_id(server: str) -> int:
    conn = await asyncpg.connect(db_url(server, BENCH_DB))
    try:
        value: int = await conn.fetchval("select coalesce(max(id), 0) from opportunities")
        return value
    finally:
        await conn.close()


async def reset_offers(server: str) -> None:
    """Back to 'nothing offered yet', so run 1 is a first evaluation again."""
    conn = await asyncpg.connect(db_url(server, BENCH_DB))
    try:
        await conn.execute(
            "truncate welfare_checks, offer_appeals, vault_uses, opportunities cascade"
        )
        await conn.execute("vacuum (analyze) opportunities")
    finally:
        await conn.close()


def machine() -> str:
    load1, load5, load15 = os.getloadavg()
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM; load average "
        f"{load1:.2f} {load5:.2f} {load15:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--notify", type=int, default=0, help="also time notifying this many new offers"
    )
    parser.add_argument("--cleanup", action="store_true", help="drop the database at the end")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(asyncio.run(worker_run(args.database_url, args.redis, args.notify))))
        return 0

    print(f"machine: {machine()}")
    counts = asyncio.run(loaded(args.pg)) if args.skip_load else None
    if counts is None or counts.get("citizens", 0) < args.citizens:
        print(f"loading {BENCH_DB} ({args.citizens:,} citizens)…")
        counts = asyncio.run(load(args.pg, args.citizens))
    else:
        asyncio.run(reset_offers(args.pg))
    print(
        f"data: {counts['citizens']:,} citizens, {counts['facts']:,} facts, "
        f"{counts['rules']} published rules"
    )
    url = db_url(args.pg, BENCH_DB)

    print(f"\nrun 1 (first evaluation: every finding becomes an offer) — {machine()}")
    before = asyncio.run(max_offer_id(args.pg))
    first = run_worker(url, args.redis, args.notify)
    created = first["opportunities"]
    for code, n in asyncio.run(per_rule(args.pg, before)):
        print(f"  {code:<32} {n:>8,} offers")
    print(
        f"  all rules: {first['seconds']:.2f} s, {created:,} opportunities, "
        f"{created / first['seconds']:,.0f} created/s"
    )
    print(
        f"  worker peak RSS {first['peak_rss_mb']:.0f} MB (sampled every 20 ms), "
        f"ru_maxrss {first['ru_maxrss_mb']:.0f} MB"
    )
    if args.notify:
        print(
            f"  notified {first['notified']:,} offers in {first['notify_seconds']:.1f} s "
            f"({first['notified'] / first['notify_seconds']:,.0f}/s)"
        )

    print(f"\nrun 2 (steady state: the same evaluation again, nothing new) — {machine()}")
    second = run_worker(url, args.redis, 0)
    print(
        f"  all rules: {second['seconds']:.2f} s, "
        f"{second['opportunities'] - created:,} new opportunities"
    )
    print(
        f"  worker peak RSS {second['peak_rss_mb']:.0f} MB, "
        f"ru_maxrss {second['ru_maxrss_mb']:.0f} MB"
    )

    verdict = "meets" if first["seconds"] < 30 and first["peak_rss_mb"] < 500 else "MISSES"
    print(
        f"\n{verdict} the targets (all rules < 30 s, worker < 500 MB) at "
        f"{counts['citizens']:,} citizens"
    )
    if args.cleanup:

        async def drop() -> None:
            admin = await asyncpg.connect(db_url(args.pg, "postgres"))
            await admin.execute(f'drop database if exists "{BENCH_DB}" with (force)')
            await admin.close()

        asyncio.run(drop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
