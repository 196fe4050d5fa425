"""The data-sharing list (数据共享责任清单) in a district's import folder: sharing.csv alongside
units.csv and the catalog, checked by line in the dry run, all or nothing with the district, and
able to name the units and items the same import writes."""

from __future__ import annotations

import asyncio
import codecs
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
from tests.integration.conftest import ADMIN_PHONE
from tests.integration.helpers import row_counts

HEADER = (
    "kind,key,owner_unit_code,reader_unit_code,items,bundles,welfare_check,legal_basis,"
    "effective_from\n"
)
SHARING_TABLES = ("sharing_list_versions", "sharing_entries", "sharing_grants", "units")
_TAGS = itertools.count(random.randint(100, 400))


def _district(tmp_path: Path, sharing: str | bytes) -> tuple[Path, str]:
    tag = f"{next(_TAGS):03d}"
    street = f"110105{tag}"
    files: dict[str, str | bytes] = {
        "units.csv": (
            "code,name,kind,region_code,parent_code,phone,territories\n"
            f"sh-{tag},第{tag}街道办事处,street_office,{street},,010-1,{street}\n"
        ),
        "items.csv": (
            "code,name,unit_code,legal_days,promised_days,effective_from,description\n"
            f"aid-{tag},临时救助,sh-{tag},10,5,,街道审核\n"
        ),
        "materials.csv": f"item_code,code,name,required\naid-{tag},low-income-proof,低保证明,yes\n",
        "sharing.csv": sharing.replace("{tag}", tag) if isinstance(sharing, str) else sharing,
    }
    folder = tmp_path / tag
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)
    return folder, tag


GOOD = (
    HEADER
    + "fact,assistance.dibao,cy-civil-affairs,,,,,《社会救助暂行办法》,2099-01-01\n"
    + "fact,assistance.dibao,cy-civil-affairs,sh-{tag},aid-{tag},,否,《政务数据共享条例》,\n"
    + "document,resident_id_card,cy-psb,,,,,《居民身份证法》,2099-01-01\n"
)


async def test_the_list_comes_with_the_district_and_may_name_its_new_units(
    deps: Deps, pool: Pool, tmp_path: Path
) -> None:
    folder, tag = _district(tmp_path, GOOD)
    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    files = district_import.read_dir(folder)
    before = await row_counts(pool, *SHARING_TABLES)
    dry = await district_import.import_district(deps, admin, files, dry_run=True)
    assert dry.errors == [], dry.findings
    assert dry.rows["sharing.csv"] == 3
    # what the list leaves out is said (no unit may state or share it), not refused
    assert {f.code for f in dry.findings} == {"sharing.subject_unlisted"}
    assert await row_counts(pool, *SHARING_TABLES) == before
    done = await district_import.import_district(deps, admin, files, dry_run=False)
    assert done.written and done.errors == []
    row = await pool.fetchrow(
        """select v.effective_from, u.code as reader, g.item_codes, g.welfare_check
           from sharing_grants g join sharing_entries e on e.id = g.entry_id
           join sharing_list_versions v on v.id = e.list_id
           join units u on u.id = g.reader_unit_id
           where v.version = (select max(version) from sharing_list_versions)""",
    )
    assert row is not None
    assert (str(row["effective_from"]), row["reader"], row["item_codes"]) == (
        "2099-01-01",
        f"sh-{tag}",
        [f"aid-{tag}"],
    )
    assert row["welfare_check"] is False
    # the same files again add no version
    counts = await row_counts(pool, *SHARING_TABLES)
    again = await district_import.import_district(deps, admin, files, dry_run=False)
    assert again.written and again.errors == []
    assert await row_counts(pool, *SHARING_TABLES) == counts


async def test_a_bad_list_refuses_the_whole_district_by_line(
    deps: Deps, pool: Pool, tmp_path: Path
) -> None:
    bad = (
        HEADER
        + "fact,assistance.dibao,cy-nowhere,,,,,《社会救助暂行办法》,2099-01-01\n"  # 2
        + "fact,household.wealth,cy-psb,,,,,依据,\n"  # 3
        + "passport,x,cy-psb,,,,,依据,\n"  # 4
        + "fact,household.size,cy-psb,,,,,《户口登记条例》,2099-02-01\n"  # 5
        + "fact,household.size,cy-psb,cy-culture,,,,依据,\n"  # 6: no purpose
        + "fact,household.size,cy-psb,cy-health,death-certificate,,maybe,依据,\n"  # 7
        + "fact,household.size,cy-psb,cy-health,death-certificate,,,依据,\n"  # 8
        + "fact,household.size,cy-civil-affairs,cy-hrss,,retirement,,依据,\n"  # 9
        + "fact,household.size,cy-psb,cy-education,no-item,,,依据,\n"  # 10
    )
    folder, _tag = _district(tmp_path, bad)
    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    before = await row_counts(pool, *SHARING_TABLES)
    report = await district_import.import_district(
        deps, admin, district_import.read_dir(folder), dry_run=False
    )
    assert not report.written
    assert [(f.line, f.code) for f in report.errors] == [
        (5, "sharing.effective_from_mixed"),
        (7, "import.value_invalid"),
    ]
    # the date and value problems first; fixed, the list's own problems come by line
    fixed = bad.replace("2099-02-01", "").replace(",maybe,", ",,")
    folder, _tag = _district(tmp_path, fixed)
    report = await district_import.import_district(
        deps, admin, district_import.read_dir(folder), dry_run=True
    )
    assert [(f.line, f.code) for f in report.errors] == [
        (9, "sharing.owner_conflict"),
        (2, "sharing.unit_unknown"),
        (3, "sharing.subject_unknown"),
        (4, "sharing.kind_invalid"),
        (6, "sharing.purpose_missing"),
        (8, "sharing.grant_repeated"),
        (10, "sharing.item_unknown"),
    ]
    assert await row_counts(pool, *SHARING_TABLES) == before


async def test_encodings_and_the_command(settings: Settings, pool: Pool, tmp_path: Path) -> None:
    deps_free = {"DATABASE_URL": settings.database_url, "DOORSTEP_DEV": "1"}
    run = CliRunner().invoke
    # a spreadsheet's GBK is read (and said); UTF-16 is refused
    gbk, _tag = _district(tmp_path, GOOD.replace("{tag}", "000").encode("gb18030"))
    result: Any = await asyncio.to_thread(
        run,
        main,
        ["import", str(gbk), "--by", ADMIN_PHONE, "--dry-run", "--language", "en"],
        env=deps_free,
    )
    assert "sharing.csv:1: warning import.read_as_gbk" in result.output
    assert "sharing.csv:3: error sharing.unit_unknown: Unknown unit: sh-000" in result.output
    assert result.exit_code == 1
    utf16, _tag = _district(tmp_path, codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    before = await row_counts(pool, *SHARING_TABLES)
    result = await asyncio.to_thread(
        run, main, ["import", str(utf16), "--by", ADMIN_PHONE], env=deps_free
    )
    assert result.exit_code == 1
    assert "sharing.csv:1: error import.encoding_utf16" in result.output
    assert await row_counts(pool, *SHARING_TABLES) == before


async def test_two_admins_publishing_at_once_get_two_versions(deps: Deps, pool: Pool) -> None:
    from datetime import date

    from doorstep.domain.sharing import ListRow
    from doorstep.services import sharing

    admin = await holidays.cli_actor(deps, ADMIN_PHONE)
    rows = [ListRow(1, "fact", "household.size", "cy-psb", legal_basis="《户口登记条例》")]
    before = await pool.fetchval("select coalesce(max(version), 0) from sharing_list_versions")
    reports = await asyncio.gather(
        *(
            sharing.publish(deps, admin, rows, effective_from=date(2099, 3, n), note=f"n{n}")
            for n in (1, 2)
        )
    )
    assert sorted(r.version or 0 for r in reports) == [before + 1, before + 2]
