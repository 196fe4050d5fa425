"""Reading a district's CSV files into administration specs, with every problem by file and line.

The files (UTF-8, with or without a BOM; GBK, as spreadsheets on Chinese Windows save, is read
and noted; anything else is refused), each optional, each with a header row:

    units.csv          code,name,kind,region_code,parent_code,phone,territories
    regions.csv        code,name,parent_code,fallback_unit_code
    categories.csv     code,name,description          (ticket categories)
    service_areas.csv  unit_code,category_code,region_code
    staff.csv          phone,name,role,unit_code,region_code,active
    items.csv          code,name,unit_code,legal_days,promised_days,effective_from,
                       description,retired
    materials.csv      item_code,code,name,required
    bundles.csv        code,name,items,effective_from,description,retired
    sharing.csv        kind,key,owner_unit_code,reader_unit_code,items,bundles,welfare_check,
                       legal_basis,effective_from   (数据共享责任清单: domain/sharing_csv.py)

Lists inside a cell (territories, a bundle's items) are separated by ';' or spaces; booleans
are true/false, yes/no, 1/0, 是/否; dates YYYY-MM-DD (empty: today). Pure: the service reads the
files and writes the specs; this module only reads text and says what is wrong where.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from doorstep.domain.administration import (
    BundleSpec,
    CategorySpec,
    ItemSpec,
    MaterialSpec,
    RegionSpec,
    ServiceAreaSpec,
    StaffSpec,
    UnitSpec,
    phone,
)
from doorstep.domain.errors import DomainError

FILES: dict[str, tuple[str, ...]] = {
    "units.csv": ("code", "name", "kind", "region_code", "parent_code", "phone", "territories"),
    "regions.csv": ("code", "name", "parent_code", "fallback_unit_code"),
    "categories.csv": ("code", "name", "description"),
    "service_areas.csv": ("unit_code", "category_code", "region_code"),
    "staff.csv": ("phone", "name", "role", "unit_code", "region_code", "active"),
    "items.csv": (
        "code",
        "name",
        "unit_code",
        "legal_days",
        "promised_days",
        "effective_from",
        "description",
        "retired",
    ),
    "materials.csv": ("item_code", "code", "name", "required"),
    "bundles.csv": ("code", "name", "items", "effective_from", "description", "retired"),
    "sharing.csv": (
        "kind",
        "key",
        "owner_unit_code",
        "reader_unit_code",
        "items",
        "bundles",
        "welfare_check",
        "legal_basis",
        "effective_from",
    ),
}
# columns a row must fill; the others may be empty
REQUIRED: dict[str, tuple[str, ...]] = {
    "units.csv": ("code", "name", "kind", "region_code"),
    "regions.csv": ("code", "name"),
    "categories.csv": ("code", "name"),
    "service_areas.csv": ("unit_code", "category_code", "region_code"),
    "staff.csv": ("phone", "name", "role"),
    "items.csv": ("code", "name", "unit_code", "legal_days", "promised_days"),
    "materials.csv": ("item_code", "code", "name"),
    "bundles.csv": ("code", "name"),
    "sharing.csv": ("kind", "key", "owner_unit_code", "legal_basis"),
}
MAX_ROWS = 20_000
_SPLIT = re.compile(r"[;；,，\s]+")
_TRUE = {"true", "yes", "1", "是", "y"}
_FALSE = {"false", "no", "0", "否", "n", ""}


@dataclass(frozen=True)
class Finding:
    """One problem (or, as a warning, a note) at a file's line; `code` names the message."""

    file: str
    line: int
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    warning: bool = False


Spec = TypeVar("Spec")


@dataclass(frozen=True)
class Row(Generic[Spec]):
    """One line of a file, read into what it describes."""

    file: str
    line: int
    spec: Spec


UnitRow = Row[UnitSpec]
StaffRow = Row[StaffSpec]
RegionRow = Row[RegionSpec]
CategoryRow = Row[CategorySpec]
AreaRow = Row[ServiceAreaSpec]
ItemRow = Row[ItemSpec]
BundleRow = Row[BundleSpec]


@dataclass
class District:
    units: list[UnitRow] = field(default_factory=list)
    regions: list[RegionRow] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    areas: list[AreaRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    bundles: list[BundleRow] = field(default_factory=list)
    # sharing.csv's lines as read (line, column -> text): domain.sharing_csv makes the list
    sharing: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.warning]


class _Bad(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def decode(name: str, data: bytes) -> tuple[str | None, list[Finding]]:
    """The file's text, or None with the reason; GBK is read with a note."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, [Finding(name, 1, "import.encoding_utf16")]
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        utf8_error_line = body[: exc.start].count(b"\n") + 1
    if data.startswith(codecs.BOM_UTF8):
        # a BOM says UTF-8: a broken sequence after it is damage, not another encoding
        return None, [Finding(name, utf8_error_line, "import.encoding_unreadable")]
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        return None, [Finding(name, line, "import.encoding_unreadable")]
    return text, [Finding(name, 1, "import.read_as_gbk", warning=True)]


T = TypeVar("T")


def _rows(name: str, text: str, findings: list[Finding]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        findings.append(Finding(name, 1, "import.header_missing", {"columns": ""}))
        return []
    expected = FILES[name]
    missing = [c for c in REQUIRED[name] if c not in header]
    if missing:
        findings.append(Finding(name, 1, "import.header_missing", {"columns": ", ".join(missing)}))
        return []
    unknown = [h for h in header if h and h not in expected]
    if unknown:
        findings.append(
            Finding(name, 1, "import.column_unknown", {"columns": ", ".join(unknown)}, True)
        )
    out: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(out) >= MAX_ROWS:
            findings.append(Finding(name, line, "import.too_many_rows", {"max": MAX_ROWS}))
            break
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        empty = [c for c in REQUIRED[name] if not row.get(c)]
        if empty:
            findings.append(Finding(name, line, "import.value_missing", {"column": empty[0]}))
            continue
        out.append((line, row))
    return out


def _int(value: str, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _Bad("import.value_invalid", column=column, value=value[:20]) from None


def _bool(value: str, column: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _Bad("import.value_invalid", column=column, value=value[:20])


def _date(value: str, column: str, today: date) -> date:
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Bad("import.value_invalid", column=column, value=value[:20]) from None


def _list(value: str) -> tuple[str, ...]:
    return tuple(p for p in _SPLIT.split(value) if p)


def _each(
    name: str,
    rows: list[tuple[int, dict[str, str]]],
    make: Callable[[dict[str, str]], T],
    findings: list[Finding],
) -> list[tuple[int, T]]:
    out = []
    for line, row in rows:
        try:
            out.append((line, make(row)))
        except _Bad as bad:
            findings.append(Finding(name, line, bad.code, bad.params))
        except DomainError as exc:
            findings.append(Finding(name, line, exc.code, exc.params))
    return out


def _unique(
    name: str, entries: list[tuple[int, T]], key: Callable[[T], str], findings: list[Finding]
) -> list[tuple[int, T]]:
    first: dict[str, int] = {}
    out = []
    for line, spec in entries:
        k = key(spec)
        if k in first:
            findings.append(
                Finding(name, line, "import.duplicate_row", {"key": k, "first_line": first[k]})
            )
            continue
        first[k] = line
        out.append((line, spec))
    return out


def _read_rows(
    name: str,
    texts: Mapping[str, list[tuple[int, dict[str, str]]]],
    make: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
    findings: list[Finding],
) -> list[Row[T]]:
    """The lines of file `name` read by `make`; a line that cannot be read, or that repeats an
    earlier line's `key`, is a finding and left out."""
    read = _each(name, texts[name], make, findings)
    return [Row(name, line, spec) for line, spec in _unique(name, read, key, findings)]


def read_district(files: Mapping[str, bytes], today: date) -> District:
    """Every file's rows as specs, and every problem found without the database; rows with a
    problem are left out (the import then refuses to write anything)."""
    district = District()
    found = district.findings
    for extra in sorted(set(files) - set(FILES)):
        found.append(Finding(extra, 1, "import.file_unknown", {"files": ", ".join(FILES)}, True))
    if not set(files) & set(FILES):
        found.append(Finding("", 0, "import.no_files", {"files": ", ".join(FILES)}))
        return district
    texts: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for name in FILES:
        if name in files:
            text, problems = decode(name, files[name])
            found.extend(problems)
            texts[name] = _rows(name, text, found) if text is not None else []
        else:
            texts[name] = []

    district.units = _read_rows(
        "units.csv",
        texts,
        lambda r: UnitSpec(
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            region_code=r["region_code"],
            parent_code=r.get("parent_code") or None,
            phone=r.get("phone") or None,
            territories=_list(r.get("territories", "")),
        ),
        lambda s: s.code,
        found,
    )

    regions = _read_rows(
        "regions.csv",
        texts,
        lambda r: RegionSpec(
            code=r["code"],
            name=r["name"],
            parent_code=r.get("parent_code") or None,
            fallback_unit_code=r.get("fallback_unit_code") or None,
        ),
        lambda s: s.code,
        found,
    )
    # a parent region is a prefix of its children: shorter codes first
    district.regions = sorted(regions, key=lambda r: (len(r.spec.code), r.line))
    district.categories = _read_rows(
        "categories.csv",
        texts,
        lambda r: CategorySpec(r["code"], r["name"], r.get("description", "")),
        lambda s: s.code,
        found,
    )
    district.areas = _read_rows(
        "service_areas.csv",
        texts,
        lambda r: ServiceAreaSpec(r["unit_code"], r["category_code"], r["region_code"]),
        lambda s: f"{s.unit_code} {s.category_code} {s.region_code}",
        found,
    )

    # one account per phone: the same number twice (in any spelling) is a mistake
    district.staff = _read_rows(
        "staff.csv",
        texts,
        lambda r: StaffSpec(
            phone=phone(r["phone"]),
            name=r["name"],
            role=r["role"].lower(),
            unit_code=r.get("unit_code") or None,
            region_code=r.get("region_code") or None,
            active=_bool(r.get("active") or "true", "active"),
        ),
        lambda s: s.phone,
        found,
    )

    materials: dict[str, list[MaterialSpec]] = {}
    for line, (item_code, material) in _each(
        "materials.csv",
        texts["materials.csv"],
        lambda r: (
            r["item_code"],
            MaterialSpec(r["code"], r["name"], _bool(r.get("required") or "true", "required")),
        ),
        found,
    ):
        del line
        materials.setdefault(item_code, []).append(material)
    district.items = _read_rows(
        "items.csv",
        texts,
        lambda r: ItemSpec(
            code=r["code"],
            name=r["name"],
            unit_code=r["unit_code"],
            legal_days=_int(r["legal_days"], "legal_days"),
            promised_days=_int(r["promised_days"], "promised_days"),
            effective_from=_date(r.get("effective_from", ""), "effective_from", today),
            description=r.get("description", ""),
            materials=tuple(materials.get(r["code"], ())),
            retired=_bool(r.get("retired", ""), "retired"),
        ),
        lambda s: s.code,
        found,
    )
    known_items = {r.spec.code for r in district.items}
    for line, row in texts["materials.csv"]:
        if row["item_code"] not in known_items:
            found.append(
                Finding(
                    "materials.csv",
                    line,
                    "import.material_item_unknown",
                    {"item": row["item_code"]},
                )
            )

    district.bundles = _read_rows(
        "bundles.csv",
        texts,
        lambda r: BundleSpec(
            code=r["code"],
            name=r["name"],
            item_codes=_list(r.get("items", "")),
            effective_from=_date(r.get("effective_from", ""), "effective_from", today),
            description=r.get("description", ""),
            retired=_bool(r.get("retired", ""), "retired"),
        ),
        lambda s: s.code,
        found,
    )
    district.units = _parents_first(district.units, found)
    district.sharing = texts["sharing.csv"]
    return district


def _parents_first(units: list[UnitRow], found: list[Finding]) -> list[UnitRow]:
    """Units in an order where a parent named in the file comes before its children; a cycle
    is a problem at each of its rows."""
    by_code = {u.spec.code: u for u in units}
    ordered: list[UnitRow] = []
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(u: UnitRow) -> bool:
        code = u.spec.code
        if state.get(code) == 2:
            return True
        if state.get(code) == 1:
            return False
        state[code] = 1
        parent = by_code.get(u.spec.parent_code or "")
        ok = parent is None or visit(parent)
        state[code] = 2
        if ok:
            ordered.append(u)
        else:
            found.append(Finding(u.file, u.line, "import.parent_cycle", {"unit": code}))
        return ok

    for u in units:
        visit(u)
    return ordered
