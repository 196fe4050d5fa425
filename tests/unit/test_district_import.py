"""Administration rules and the district CSV reader: every problem by file and line."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from doorstep.domain.administration import (
    BundleSpec,
    ItemSpec,
    MaterialSpec,
    StaffSpec,
    UnitSpec,
    check_bundle,
    check_item,
    check_staff,
    check_unit,
    retired_in,
    territory_overlaps,
)
from doorstep.domain.district_import import decode, read_district
from doorstep.domain.errors import InvalidInput

TODAY = date(2026, 12, 7)

UNITS = """code,name,kind,region_code,parent_code,phone,territories
cy-jw,建外街道办事处,street_office,110105001,,010-1,110105001
cy-yal,永安里社区居委会,community,110105001001,cy-jw,,110105001001
"""
STAFF = """phone,name,role,unit_code,region_code
13900139501,李明,staff,cy-yal,
+8613900139502,王芳,supervisor,cy-jw,110105001
"""
ITEMS = """code,name,unit_code,legal_days,promised_days,effective_from,description
yal-proof,居住证明,cy-yal,5,3,2027-01-01,社区开具
"""
MATERIALS = """item_code,code,name,required
yal-proof,id-card,居民身份证,true
yal-proof,photo,照片,no
"""
BUNDLES = """code,name,items,effective_from
yal-move,迁入一件事,yal-proof,
"""


def _files(**override: str | bytes) -> dict[str, bytes]:
    files: dict[str, str | bytes] = {
        "units.csv": UNITS,
        "staff.csv": STAFF,
        "items.csv": ITEMS,
        "materials.csv": MATERIALS,
        "bundles.csv": BUNDLES,
        **override,
    }
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def _codes(district: object) -> list[tuple[str, int, str]]:
    return [(f.file, f.line, f.code) for f in district.findings]  # type: ignore[attr-defined]


def test_a_good_district_reads_whole() -> None:
    d = read_district(_files(), TODAY)
    assert d.findings == []
    assert [u.spec.code for u in d.units] == ["cy-jw", "cy-yal"]
    assert d.units[0].spec.territories == ("110105001",)
    assert [s.spec.phone for s in d.staff] == ["+8613900139501", "+8613900139502"]
    item = d.items[0].spec
    assert item.effective_from == date(2027, 1, 1)
    assert item.materials == (
        MaterialSpec("id-card", "居民身份证", True),
        MaterialSpec("photo", "照片", False),
    )
    assert d.bundles[0].spec.item_codes == ("yal-proof",)
    assert d.bundles[0].spec.effective_from == TODAY  # empty: today


def test_children_listed_before_their_parent_are_written_after_it() -> None:
    swapped = UNITS.splitlines()
    text = "\n".join([swapped[0], swapped[2], swapped[1]]) + "\n"
    d = read_district(_files(**{"units.csv": text}), TODAY)
    assert [u.spec.code for u in d.units] == ["cy-jw", "cy-yal"]
    assert [u.line for u in d.units] == [3, 2]  # lines stay the file's


def test_encodings_utf8_bom_and_gbk_are_read_utf16_and_garbage_refused() -> None:
    assert decode("units.csv", codecs.BOM_UTF8 + UNITS.encode())[0] == UNITS
    text, notes = decode("units.csv", UNITS.encode("gbk"))
    assert text == UNITS and [(n.code, n.warning) for n in notes] == [("import.read_as_gbk", True)]
    assert decode("units.csv", UNITS.encode("utf-16"))[1][0].code == "import.encoding_utf16"
    broken = UNITS.encode() + b"x,\xff\xfe\xff,y\n"
    text, problems = decode("units.csv", codecs.BOM_UTF8 + broken)
    assert text is None and (problems[0].code, problems[0].line) == (
        "import.encoding_unreadable",
        4,
    )
    # a GBK file with its header in ASCII reads the same as the UTF-8 one
    d = read_district(_files(**{"units.csv": UNITS.encode("gbk")}), TODAY)
    assert d.errors == [] and d.units[1].spec.name == "永安里社区居委会"


def test_every_problem_is_reported_with_its_file_and_line() -> None:
    staff = STAFF + "13900139501,重复,staff,cy-yal,\n139001395,短号,staff,cy-yal,\n"
    items = ITEMS + "bad-days,天数,cy-yal,five,3,,\nover,超时,cy-yal,3,5,,\n"
    materials = MATERIALS + "nowhere,x1,某材料,true\n"
    units = UNITS + "cy-x,某单位,ministry,110105,,,\ncy-y,,community,110105001002,,,\n"
    bundles = BUNDLES + "yal-bad,坏日期,yal-proof,2027-13-01\n"
    d = read_district(
        _files(
            **{
                "staff.csv": staff,
                "items.csv": items,
                "materials.csv": materials,
                "units.csv": units,
                "bundles.csv": bundles,
                "notes.csv": "a,b\n",
            }
        ),
        TODAY,
    )
    assert sorted(_codes(d)) == sorted(
        [
            ("notes.csv", 1, "import.file_unknown"),
            ("staff.csv", 4, "import.duplicate_row"),  # the same phone written another way
            ("staff.csv", 5, "admin.phone_invalid"),
            ("items.csv", 3, "import.value_invalid"),
            ("materials.csv", 4, "import.material_item_unknown"),
            ("units.csv", 5, "import.value_missing"),
            ("bundles.csv", 3, "import.value_invalid"),
        ]
    )
    # rules checked when the row is written (kind, promised over legal) come from the service;
    # the rows are kept for it
    assert "over" in [i.spec.code for i in d.items]


def test_a_missing_header_and_a_parent_cycle() -> None:
    d = read_district(_files(**{"staff.csv": "phone,name\n1,2\n"}), TODAY)
    assert ("staff.csv", 1, "import.header_missing") in _codes(d)
    cycle = (
        "code,name,kind,region_code,parent_code\n"
        "a1,甲,community,110105001001,b1\nb1,乙,community,110105001002,a1\n"
    )
    d = read_district(_files(**{"units.csv": cycle}), TODAY)
    assert [c for c in _codes(d) if c[2] == "import.parent_cycle"] == [
        ("units.csv", 3, "import.parent_cycle"),
        ("units.csv", 2, "import.parent_cycle"),
    ]


def test_no_known_file_is_a_problem() -> None:
    d = read_district({"readme.csv": b"x\n"}, TODAY)
    assert "import.no_files" in [f.code for f in d.errors]


def test_overlapping_territories_of_one_geographic_kind() -> None:
    found = territory_overlaps(
        {
            "jw": ("street_office", ["110105001"]),
            "jw2": ("street_office", ["110105001002"]),  # inside jw's township
            "yal": ("community", ["110105001001"]),  # a community inside it: fine
            "health": ("department", ["110105"]),  # departments cover the district: fine
            "psb": ("department", ["110105"]),
        }
    )
    assert [(o.unit, o.other_unit) for o in found] == [("jw", "jw2")]


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (lambda: check_unit(UnitSpec("x1", "名", "ministry", "110105")), "admin.unit_kind_invalid"),
        (lambda: check_unit(UnitSpec("X!", "名", "community", "110105")), "admin.code_invalid"),
        (
            lambda: check_unit(
                UnitSpec("x1", "名", "community", "110105", territories=("310101",))
            ),
            "admin.territory_outside_region",
        ),
        (lambda: check_staff(StaffSpec("+8613900139501", "名", "clerk")), "admin.role_invalid"),
        (lambda: check_staff(StaffSpec("+8613900139501", "名", "staff")), "admin.staff_needs_unit"),
        (
            lambda: check_staff(StaffSpec("+8613900139501", "名", "supervisor", "u1")),
            "admin.supervisor_needs_region",
        ),
        (lambda: check_item(ItemSpec("i1", "名", "u1", 3, 5, TODAY)), "admin.promised_over_legal"),
        (lambda: check_item(ItemSpec("i1", "名", "u1", 0, 0, TODAY)), "admin.days_invalid"),
        (lambda: check_bundle(BundleSpec("b1", "名", (), TODAY)), "admin.bundle_empty"),
        (lambda: check_bundle(BundleSpec("b1", "名", ("i1", "i1"), TODAY)), "admin.duplicate"),
    ],
)
def test_rules_refuse_with_stable_codes(check: object, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check()  # type: ignore[operator]
    assert caught.value.code == code


def test_a_bundle_may_not_lean_on_a_retired_item() -> None:
    bundle = BundleSpec("b1", "名", ("i1", "i2"), TODAY)
    assert retired_in(bundle, {"i2", "i9"}) == ["i2"]
    assert retired_in(bundle, set()) == []
