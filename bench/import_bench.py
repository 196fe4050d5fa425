"""How long a whole district's import takes: a dry run and the import of made-up CSV files
about the size of a real district (300 street offices and communities with their territories,
2,000 staff, 400 items with 4 materials each, 100 bundles), each row checked and written under
its own savepoint in one transaction.

    uv run python bench/import_bench.py [--pg URL] [--units 300] [--staff 2000] [--items 400]

Makes its own database (migrated, with one admin), drops it after. Prints seconds and rows per
second for the dry run and the import. On the shared 2-core development machine: 2,800 rows in
about 4.5 s dry and 3 to 4 s imported (before units were checked against only the territories
on their own branch and bundles read only their own items: 23 and 26 s, the unit check
reading every unit per row).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

import asyncpg

from doorstep.config import Settings
from doorstep.domain.policy import Actor, Role
from doorstep.services import district_import
from doorstep.services.deps import Deps
from doorstep.store.db import connect, create_pool
from doorstep.store.migrate import migrate


def _files(units: int, staff: int, items: int) -> dict[str, bytes]:
    streets = max(1, units // 20)
    unit_rows = ["code,name,kind,region_code,parent_code,phone,territories"]
    codes = []
    for s in range(streets):
        street = f"110105{s + 1:03d}"
        unit_rows.append(f"st{s},街道{s},street_office,{street},,,{street}")
        codes.append(f"st{s}")
        for c in range(units // streets - 1):
            village = f"{street}{c + 1:03d}"
            unit_rows.append(f"cm{s}-{c},社区{s}-{c},community,{village},st{s},,{village}")
            codes.append(f"cm{s}-{c}")
    staff_rows = ["phone,name,role,unit_code,region_code"]
    staff_rows += [f"+86137{n:08d},员工{n},staff,{codes[n % len(codes)]}," for n in range(staff)]
    item_rows = ["code,name,unit_code,legal_days,promised_days"]
    material_rows = ["item_code,code,name,required"]
    for n in range(items):
        item_rows.append(f"item{n},事项{n},{codes[n % len(codes)]},20,10")
        material_rows += [f"item{n},m{k},材料{k},yes" for k in range(4)]
    bundle_rows = ["code,name,items"]
    bundle_rows += [
        f"bundle{n},一件事{n},{' '.join(f'item{(n * 4 + k) % items}' for k in range(4))}"
        for n in range(max(1, items // 4))
    ]
    return {
        name: ("\n".join(rows) + "\n").encode()
        for name, rows in (
            ("units.csv", unit_rows),
            ("staff.csv", staff_rows),
            ("items.csv", item_rows),
            ("materials.csv", material_rows),
            ("bundles.csv", bundle_rows),
        )
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--items", type=int, default=400)
    args = parser.parse_args()
    name = f"doorstep_bench_import_{uuid.uuid4().hex[:6]}"
    server = await asyncpg.connect(args.pg)
    await server.execute(f'create database "{name}"')
    url = f"{args.pg.rpartition('/')[0]}/{name}"
    try:
        conn = await connect(url)
        await migrate(conn)
        admin_id = await conn.fetchval(
            "insert into staff_members (phone, name, role) values ('+8613900000000', 'bench', "
            "'admin') returning id"
        )
        await conn.close()
        pool = await create_pool(url, min_size=1, max_size=2)
        deps = Deps(pool=pool, settings=Settings.from_env(dev_mode=True))
        admin = Actor(role=Role.ADMIN, staff_id=admin_id)
        files = _files(args.units, args.staff, args.items)
        for dry_run in (True, False):
            started = time.perf_counter()
            report = await district_import.import_district(deps, admin, files, dry_run=dry_run)
            took = time.perf_counter() - started
            rows = sum(report.rows.values())
            assert not report.errors, report.errors[:3]
            label = "dry run" if dry_run else "import"
            print(f"{label:8s} {rows} rows in {took:6.2f} s ({rows / took:6.0f} rows/s)")
        await pool.close()
    finally:
        await server.execute(f'drop database "{name}" with (force)')
        await server.close()


if __name__ == "__main__":
    asyncio.run(main())
