"""`doorstep import <dir> [--dry-run]`: a district's CSV files, all or nothing, every problem by
file and line before anything is written."""

from __future__ import annotations

import asyncio
import itertools
import random
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from doorstep.cli import main
from doorstep.config import Settings
from doorstep.services import district_import, holidays
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.conftest import ADMIN_PHONE, SUPERVISOR_PHONE
from tests.integration.helpers import fresh_phone, row_counts

TABLES = ("units", "unit_territories", "staff_members", "service_items", "bundles")


def _district(tmp_path: Path, tag: str, **override: str | bytes) -> tuple[Path, dict[str, str]]:
    street = f"110105{tag}"
    phones = {"clerk": fresh_phone(), "supervisor": fresh_phone()}
    files: dict[str, str | bytes] = {
        "units.csv": (
            "code,name,kind,region_code,parent_code,phone,territories\n"
            f"st-{tag},第{tag}街道办事处,street_office,{street},,010-1,{street}\n"
            f"cm-{tag},第{tag}社区居委会,community,{street}001,st-{tag},,{street}001\n"
        ),
        "staff.csv": (
            "phone,name,role,unit_code,region_code\n"
            f"{phones['clerk']},社区工作者,staff,cm-{tag},\n"
            f"{phones['supervisor']},街道督办,supervisor,st-{tag},{street}\n"
        ),
        "items.csv": (
            "code,name,unit_code,legal_days,promised_days,effective_from,description\n"
            f"proof-{tag},居住证明,cm-{tag},5,3,,社区开具\n"
        ),
        "materials.csv": f"item_code,code,name,required\nproof-{tag},id-card,居民身份证,yes\n",
        "bundles.csv": f"code,name,items\nmove-{tag},迁入一件事,proof-{tag}\n",
        **override,
    }
    folder = tmp_path / tag
    folder.mkdir()
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder, phones


_TAGS = itertools.count(random.randint(620, 900))


def _tag() -> str:
    """Street codes of this run (110105 + 3 digits): no two tests' units meet."""
    return f"{next(_TAGS):03d}"


async def test_a_dry_run_writes_nothing_and_the_import_writes_everything(
    deps: Deps, pool: Pool, tmp_path: Path
) -> None:
    tag = _tag()
    folder, phones = _district(tmp_path, tag)
    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    files = district_import.read_dir(folder)
    before = await row_counts(pool, *TABLES)
    dry = await district_import.import_district(deps, admin, files, dry_run=True)
    assert dry.findings == [] and not dry.written
    assert dry.rows == {"units.csv": 2, "staff.csv": 2, "items.csv": 1, "bundles.csv": 1}
    assert await row_counts(pool, *TABLES) == before

    done = await district_import.import_district(deps, admin, files, dry_run=False)
    assert done.findings == [] and done.written
    unit = await pool.fetchrow(
        "select p.code as parent from units u join units p on p.id = u.parent_id where u.code = $1",
        f"cm-{tag}",
    )
    assert unit is not None and unit["parent"] == f"st-{tag}"
    role = await pool.fetchval(
        "select role from staff_members where phone = $1", phones["supervisor"]
    )
    assert role == "supervisor"
    bundle = await pool.fetchrow(
        "select b.active, v.version from bundles b join bundle_versions v on v.id = b.version_id "
        "where b.code = $1",
        f"move-{tag}",
    )
    assert bundle is not None and (bundle["active"], bundle["version"]) == (True, 1)
    # the same files again: nothing new (no second version of an unchanged item)
    again = await district_import.import_district(deps, admin, files, dry_run=False)
    assert again.errors == []
    versions = await pool.fetchval(
        "select count(*) from service_item_versions v join service_items i on i.id = v.item_id "
        "where i.code = $1",
        f"proof-{tag}",
    )
    assert versions == 1


async def test_a_bad_district_is_refused_whole_with_every_problem_by_line(
    deps: Deps, pool: Pool, tmp_path: Path
) -> None:
    tag = _tag()
    street = f"110105{tag}"
    taken = fresh_phone()
    units = (
        "code,name,kind,region_code,parent_code,phone,territories\n"
        f"st-{tag},第{tag}街道,street_office,{street},,,{street}\n"
        # line 3: a second street office inside the first one's township
        f"st2-{tag},另一街道,street_office,{street},,,{street}002\n"
        # line 4: a parent nobody has
        f"cm-{tag},某社区,community,{street}001,nowhere-{tag},,{street}001\n"
    )
    staff = (
        "phone,name,role,unit_code,region_code\n"
        f"{taken},甲,staff,st-{tag},\n"
        f"{taken.removeprefix('+86')},乙,staff,st-{tag},\n"  # line 3: the same phone again
        f"{fresh_phone()},丙,staff,unknown-{tag},\n"  # line 4: an unknown unit
    )
    bundles = f"code,name,items\nmove-{tag},迁入一件事,proof-{tag} gone-{tag}\n"
    override: dict[str, str | bytes] = {
        "units.csv": units.encode("gbk"),
        "staff.csv": staff,
        "bundles.csv": bundles,
    }
    folder, _ = _district(tmp_path, tag, **override)
    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    before = await row_counts(pool, *TABLES)
    report = await district_import.import_district(
        deps, admin, district_import.read_dir(folder), dry_run=False
    )
    found = sorted((f.file, f.line, f.code) for f in report.findings)
    assert found == [
        ("bundles.csv", 2, "admin.item_unknown"),
        ("items.csv", 2, "admin.unit_unknown"),  # its unit is the one refused on units.csv:4
        ("staff.csv", 3, "import.duplicate_row"),
        ("staff.csv", 4, "admin.unit_unknown"),
        ("units.csv", 1, "import.read_as_gbk"),  # a warning: GBK is read
        ("units.csv", 3, "admin.territory_overlap"),
        ("units.csv", 4, "admin.unit_unknown"),
    ]
    assert not report.written
    assert await row_counts(pool, *TABLES) == before


async def test_the_command_reports_in_the_chosen_language_and_exits_1(
    settings: Settings, pool: Pool, tmp_path: Path
) -> None:
    tag = _tag()
    bad_items = "code,name,unit_code,legal_days,promised_days\nx-" + tag + ",名,cy-psb,3,5\n"
    folder, _ = _district(
        tmp_path, tag, **{"items.csv": bad_items, "bundles.csv": "code,name,items\n"}
    )
    env = {"DATABASE_URL": settings.database_url, "DOORSTEP_DEV": "1"}
    run = CliRunner().invoke
    args = ["import", str(folder), "--by", ADMIN_PHONE, "--language", "en"]
    result: Any = await asyncio.to_thread(run, main, [*args, "--dry-run"], env=env)
    assert result.exit_code == 1
    assert "items.csv:2: error admin.promised_over_legal: The promised time limit" in result.output
    refused: Any = await asyncio.to_thread(
        run, main, ["import", str(folder), "--by", SUPERVISOR_PHONE], env=env
    )
    assert refused.exit_code != 0 and "admin.not_an_admin" in refused.output
    good, _ = _district(tmp_path, _tag())
    ok: Any = await asyncio.to_thread(
        run, main, ["import", str(good), "--by", ADMIN_PHONE], env=env
    )
    assert ok.exit_code == 0, ok.output


async def test_regions_ticket_categories_and_service_areas(
    deps: Deps, pool: Pool, tmp_path: Path
) -> None:
    """What tickets need in an empty deployment: regions with their fallback units, the
    categories, and what each unit serves; a second community serving a category in a
    village another community already serves it in is refused, by line."""
    tag = _tag()
    street = f"110105{tag}"
    units = (
        "code,name,kind,region_code,parent_code,phone,territories\n"
        f"st-{tag},第{tag}街道,street_office,{street},,,{street}\n"
        f"cm-{tag},甲社区,community,{street}001,st-{tag},,{street}001\n"
        f"cm2-{tag},乙社区,community,{street}002,st-{tag},,{street}002\n"
    )
    regions = (
        "code,name,parent_code,fallback_unit_code\n"
        f"{street}001,甲村,{street},cm-{tag}\n"  # listed before its parent: written after it
        f"{street},第{tag}街道,110105,st-{tag}\n"
        f"{street}002,乙村,{street},\n"
        f"31010{tag[:1]}001,别区,{street},\n"  # line 5: not under its parent
    )
    categories = f"code,name,description\nnoise-{tag},噪声扰民,夜间施工等\n"
    areas = (
        "unit_code,category_code,region_code\n"
        f"cm-{tag},noise-{tag},{street}001\n"
        f"cm2-{tag},noise-{tag},{street}002\n"
        f"cm2-{tag},noise-{tag},{street}001\n"  # line 4: cm already serves it there
        f"cm2-{tag},nosuch-{tag},{street}002\n"  # line 5: unknown category
    )
    override: dict[str, str | bytes] = {
        "units.csv": units,
        "regions.csv": regions,
        "categories.csv": categories,
        "service_areas.csv": areas,
    }
    folder, _ = _district(tmp_path, tag, **override)
    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    files = district_import.read_dir(folder)
    report = await district_import.import_district(deps, admin, files, dry_run=True)
    assert sorted((f.file, f.line, f.code) for f in report.errors) == [
        ("regions.csv", 5, "admin.region_parent_invalid"),
        ("service_areas.csv", 4, "admin.service_area_overlap"),
        ("service_areas.csv", 5, "ticket.category_unknown"),
    ]
    # the same district without the three bad lines goes in
    fixed = {
        "regions.csv": "\n".join(regions.splitlines()[:4]) + "\n",
        "service_areas.csv": "\n".join(areas.splitlines()[:3]) + "\n",
    }
    for name, text in fixed.items():
        (folder / name).write_text(text, encoding="utf-8")
    done = await district_import.import_district(
        deps, admin, district_import.read_dir(folder), dry_run=False
    )
    assert done.errors == [] and done.written
    fallback = await pool.fetchval(
        "select u.code from regions r join units u on u.id = r.fallback_unit_id where r.code = $1",
        f"{street}001",
    )
    assert fallback == f"cm-{tag}"
    served = await pool.fetch(
        "select u.code, a.region_prefix from unit_service_areas a join units u on u.id = a.unit_id"
        " where a.category_code = $1 order by u.code",
        f"noise-{tag}",
    )
    assert [(r["code"], r["region_prefix"]) for r in served] == [
        (f"cm-{tag}", f"{street}001"),
        (f"cm2-{tag}", f"{street}002"),
    ]
