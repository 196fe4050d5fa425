"""The rules of administration data: units with their territories, staff accounts, service
items and bundles. Pure: the GraphQL mutations and the district import check with the same
functions, each refusal a stable code (an InvalidInput, or a `Finding` in an import report).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from doorstep.domain.errors import InvalidInput
from doorstep.domain.identity import normalize_phone

UNIT_KINDS = ("department", "street_office", "community", "enterprise", "social_organisation")
# kinds whose territories tile the map: two of one kind may not share any part of a region
GEOGRAPHIC_KINDS = frozenset({"street_office", "community"})
STAFF_ROLES = ("staff", "supervisor", "admin")
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")
REGION = re.compile(r"[0-9]{6}([0-9]{3}){0,2}")
MAX_NAME = 60
MAX_DESCRIPTION = 500
MAX_DAYS = 365
MAX_MATERIALS = 40
MAX_BUNDLE_ITEMS = 20
MAX_TERRITORIES = 50


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    region_code: str
    parent_code: str | None = None
    phone: str | None = None
    territories: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffSpec:
    phone: str
    name: str
    role: str
    unit_code: str | None = None
    # supervisors oversee the units whose region code starts with it
    region_code: str | None = None
    active: bool = True


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    required: bool = True

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "required": self.required}


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    unit_code: str
    legal_days: int
    promised_days: int
    effective_from: date
    description: str = ""
    materials: tuple[MaterialSpec, ...] = ()
    retired: bool = False


@dataclass(frozen=True)
class BundleSpec:
    code: str
    name: str
    item_codes: tuple[str, ...]
    effective_from: date
    description: str = ""
    retired: bool = False

    @property
    def is_single(self) -> bool:
        return len(self.item_codes) == 1


@dataclass(frozen=True)
class RegionSpec:
    """A region code tickets and territories may name (GB/T 2260, to village level)."""

    code: str
    name: str
    parent_code: str | None = None
    # the unit that takes the region's tickets no rule routes
    fallback_unit_code: str | None = None


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ServiceAreaSpec:
    """A ticket category a unit serves in a region and every region under it."""

    unit_code: str
    category_code: str
    region_code: str


CATEGORY = re.compile(r"[a-z][a-z0-9_-]{1,39}")


def check_region(spec: RegionSpec) -> RegionSpec:
    code = _region(spec.code)
    parent = _region(spec.parent_code) if spec.parent_code else None
    if parent is not None and (not code.startswith(parent) or parent == code):
        raise InvalidInput("admin.region_parent_invalid", region=code, parent=parent)
    return RegionSpec(
        code=code,
        name=_name(spec.name),
        parent_code=parent,
        fallback_unit_code=_code(spec.fallback_unit_code, "unit")
        if spec.fallback_unit_code
        else None,
    )


def check_category(spec: CategorySpec) -> CategorySpec:
    if not CATEGORY.fullmatch(spec.code):
        raise InvalidInput("admin.code_invalid", what="category", value=spec.code[:40])
    description = clean(spec.description)
    return CategorySpec(spec.code, _name(spec.name), _name(description, 200) if description else "")


def check_service_area(spec: ServiceAreaSpec) -> ServiceAreaSpec:
    if not CATEGORY.fullmatch(spec.category_code):
        raise InvalidInput("admin.code_invalid", what="category", value=spec.category_code[:40])
    return ServiceAreaSpec(
        _code(spec.unit_code, "unit"), spec.category_code, _region(spec.region_code)
    )


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _code(value: str, what: str) -> str:
    if not CODE.fullmatch(value):
        raise InvalidInput("admin.code_invalid", what=what, value=value[:40])
    return value


def _name(value: str, limit: int = MAX_NAME) -> str:
    value = clean(value)
    if not value or len(value) > limit:
        raise InvalidInput("admin.name_invalid", max=limit)
    return value


def _region(value: str) -> str:
    if not REGION.fullmatch(value):
        raise InvalidInput("admin.region_invalid", value=value[:20])
    return value


def phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValueError:
        raise InvalidInput("admin.phone_invalid", value=value[:20]) from None


def check_unit(spec: UnitSpec) -> UnitSpec:
    if spec.kind not in UNIT_KINDS:
        raise InvalidInput("admin.unit_kind_invalid", value=spec.kind[:40])
    territories = tuple(dict.fromkeys(_region(t) for t in spec.territories))
    if len(territories) > MAX_TERRITORIES:
        raise InvalidInput("admin.too_many", max=MAX_TERRITORIES)
    region = _region(spec.region_code)
    for t in territories:
        # a unit serves within its own region (a community cannot claim a neighbour district)
        if not (t.startswith(region) or region.startswith(t)):
            raise InvalidInput("admin.territory_outside_region", territory=t, region=region)
    return UnitSpec(
        code=_code(spec.code, "unit"),
        name=_name(spec.name),
        kind=spec.kind,
        region_code=region,
        parent_code=_code(spec.parent_code, "unit") if spec.parent_code else None,
        phone=clean(spec.phone)[:30] or None,
        territories=territories,
    )


def check_staff(spec: StaffSpec) -> StaffSpec:
    if spec.role not in STAFF_ROLES:
        raise InvalidInput("admin.role_invalid", value=spec.role[:20])
    if spec.role != "admin" and not spec.unit_code:
        raise InvalidInput("admin.staff_needs_unit")
    if spec.role == "supervisor" and not spec.region_code:
        raise InvalidInput("admin.supervisor_needs_region")
    return StaffSpec(
        phone=phone(spec.phone),
        name=_name(spec.name),
        role=spec.role,
        unit_code=_code(spec.unit_code, "unit") if spec.unit_code else None,
        region_code=_region(spec.region_code) if spec.region_code else None,
        active=spec.active,
    )


def check_item(spec: ItemSpec) -> ItemSpec:
    for days in (spec.legal_days, spec.promised_days):
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput("admin.days_invalid", max=MAX_DAYS)
    if spec.promised_days > spec.legal_days:
        raise InvalidInput("admin.promised_over_legal")
    if len(spec.materials) > MAX_MATERIALS:
        raise InvalidInput("admin.too_many", max=MAX_MATERIALS)
    seen: set[str] = set()
    materials = []
    for m in spec.materials:
        code = _code(m.code, "material")
        if code in seen:
            raise InvalidInput("admin.duplicate", what="material", value=code)
        seen.add(code)
        materials.append(MaterialSpec(code, _name(m.name), m.required))
    return ItemSpec(
        code=_code(spec.code, "item"),
        name=_name(spec.name),
        unit_code=_code(spec.unit_code, "unit"),
        legal_days=spec.legal_days,
        promised_days=spec.promised_days,
        effective_from=spec.effective_from,
        description=_name(spec.description, MAX_DESCRIPTION) if clean(spec.description) else "",
        materials=tuple(materials),
        retired=spec.retired,
    )


def check_bundle(spec: BundleSpec) -> BundleSpec:
    codes = tuple(_code(c, "item") for c in spec.item_codes)
    if not codes and not spec.retired:
        raise InvalidInput("admin.bundle_empty")
    if len(codes) > MAX_BUNDLE_ITEMS:
        raise InvalidInput("admin.too_many", max=MAX_BUNDLE_ITEMS)
    if len(set(codes)) != len(codes):
        raise InvalidInput("admin.duplicate", what="item", value=_first_repeat(codes))
    return BundleSpec(
        code=_code(spec.code, "bundle"),
        name=_name(spec.name),
        item_codes=codes,
        effective_from=spec.effective_from,
        description=_name(spec.description, MAX_DESCRIPTION) if clean(spec.description) else "",
        retired=spec.retired,
    )


def _first_repeat(codes: Iterable[str]) -> str:
    seen: set[str] = set()
    for c in codes:
        if c in seen:
            return c
        seen.add(c)
    return ""


def _overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


@dataclass(frozen=True)
class Overlap:
    unit: str
    territory: str
    other_unit: str
    other_territory: str


def territory_overlaps(
    units: Mapping[str, tuple[str, Iterable[str]]],
) -> list[Overlap]:
    """Pairs of units of one geographic kind whose territories share a region: unit code ->
    (kind, territories). Each pair once, the first-named unit first."""
    found: list[Overlap] = []
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for code, (kind, territories) in units.items():
        if kind in GEOGRAPHIC_KINDS:
            by_kind.setdefault(kind, []).extend((code, t) for t in territories)
    for entries in by_kind.values():
        for i, (code, t) in enumerate(entries):
            for other, ot in entries[i + 1 :]:
                if other != code and _overlap(t, ot):
                    found.append(Overlap(code, t, other, ot))
    return found


def retired_in(bundle: BundleSpec, retired: Iterable[str]) -> list[str]:
    """The bundle's items that are retired, or retire at any date: a bundle may not lean on an
    item that is gone or going (it would break on that date without anyone deciding it)."""
    gone = set(retired)
    return [c for c in bundle.item_codes if c in gone]
