"""What the ticket catalog's use cases share: views, the actor's scope, events, live warnings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.domain.dispatch_checks import set_warnings
from doorstep.domain.errors import InvalidInput
from doorstep.services import dispatch_rules
from doorstep.store import dispatch_rules as rules_store
from doorstep.store.db import Connection
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import catalog_admin as ticket_catalog_admin
from doorstep.store.tickets.rows import CategoryUseRow, RegionUnitRow, UnitAreaRow, UnitRow

REGION_CODE = re.compile(r"[0-9]{6}([0-9]{3}){0,2}")
CATEGORY_CODE = re.compile(r"[a-z][a-z0-9_-]{1,39}")


# a category as its managers see it, with how many tickets name it (the store's row)
CategoryView = CategoryUseRow


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    phone: str | None
    region_code: str


@dataclass(frozen=True)
class UnitAreasView:
    unit: UnitInfo
    areas: tuple[UnitAreaRow, ...]
    # the published rules' warnings about this unit, as the catalog stands now
    warnings: tuple[dispatch_rules.ProblemView, ...] = ()


@dataclass(frozen=True)
class RegionView:
    code: str
    name: str
    parent_code: str | None
    fallback_unit: UnitInfo | None
    # the fallback that applies: its own, or the nearest region's above it
    effective_fallback: UnitInfo | None
    warnings: tuple[dispatch_rules.ProblemView, ...] = ()


async def warnings_now(
    conn: Connection, *, units: Sequence[int] = (), categories: Sequence[str] = ()
) -> tuple[dispatch_rules.ProblemView, ...]:
    """Warnings of the published set, as the catalog stands in this transaction, about the
    rules that send work to one of `units` or name one of `categories`."""
    set_id = await rules_store.published_id(conn)
    if set_id is None:
        return ()
    rules = [dispatch_rules.rule_from(r) for r in await rules_store.rules_of(conn, set_id)]
    wanted = {
        r.rule_no
        for r in rules
        if r.lead_unit in units or any(c in categories for c in r.categories)
    }
    found = [
        w
        for w in set_warnings(rules, await dispatch_rules.known(conn))
        if w.rule_no in wanted and w.code != "shadowed"
    ]
    return dispatch_rules.problems(found)


def fallback_unit(r: RegionUnitRow) -> UnitInfo | None:
    """The region's own fallback unit, if it has one."""
    if r.unit_id is None:
        return None
    assert r.unit_code is not None and r.unit_name is not None and r.unit_region_code is not None
    return UnitInfo(
        code=r.unit_code, name=r.unit_name, phone=r.unit_phone, region_code=r.unit_region_code
    )


async def unit_by_code(conn: Connection, code: str, *, lock: bool = False) -> UnitRow:
    wanted = (code or "").strip()[:64]
    row = await (
        ticket_catalog_admin.lock_unit(conn, wanted)
        if lock
        else ticket_catalog.unit_by_code(conn, wanted)
    )
    if row is None:
        raise InvalidInput("ticket.unit_unknown", unit=wanted[:40])
    return row


def region_format(raw: str) -> str:
    """A GB/T 2260-style code: 6 digits (county), 9 (township), 12 (village)."""
    code = (raw or "").strip()
    if not REGION_CODE.fullmatch(code):
        raise InvalidInput("region.code_invalid", region=code[:20])
    return code


async def known_region(conn: Connection, code: str) -> str:
    if await ticket_catalog.region(conn, code) is None:
        raise InvalidInput("ticket.region_unknown", region=code)
    return code
