"""The ticket catalog: categories citizens pick, what each unit serves, each region's fallback.

Categories are one list for every region, kept by the admin: created, renamed (or re-described,
re-ordered), retired and reinstated. A retired category takes no new tickets; the tickets that
name it keep it and go on through the loop as before, and rules that name only retired
categories are flagged as never matching.

What a unit serves (category × region) and which unit takes a region's unrouted tickets are set
by the admin, or by a supervisor for the units and regions of their own region. Each change is
one transaction with an event, and answers with the published rules' warnings that concern it
(a rule sending work to a unit that no longer serves it, a rule that can no longer match), so
whoever made the change sees what it broke; the published set shows the same warnings, live.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.dispatch_checks import set_warnings
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.tickets import clean_text, region_ancestors
from doorstep.services import dispatch_rules
from doorstep.services.deps import Deps
from doorstep.store import dispatch_rules as rules_store
from doorstep.store import events
from doorstep.store import tickets as store
from doorstep.store.db import Connection, transaction

CATEGORY_CODE = re.compile(r"[a-z][a-z0-9_-]{1,39}")
REGION_CODE = re.compile(r"[0-9]{6}([0-9]{3}){0,2}")
MAX_NAME_CHARS = 40
MAX_DESCRIPTION_CHARS = 200
MAX_POSITION = 10_000
# keywords: the words citizens use for a category (Open311 `keywords`, the SMS guess); Open311
# joins them with commas, so none holds one
MAX_KEYWORDS = 30
MAX_KEYWORD_CHARS = 20
MAX_GROUP_CHARS = 40
MAX_AREAS = 500


@dataclass(frozen=True)
class CategoryView:
    code: str
    name: str
    description: str
    position: int
    active: bool
    retired_at: datetime | None
    tickets: int
    open_tickets: int
    group: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    phone: str | None
    region_code: str


@dataclass(frozen=True)
class AreaView:
    category_code: str
    category_name: str
    category_active: bool
    region_code: str
    region_name: str | None


@dataclass(frozen=True)
class UnitAreasView:
    unit: UnitInfo
    areas: tuple[AreaView, ...]
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


def _scope(actor: Actor) -> str:
    """The region prefix whose catalog the actor sees ("" for the admin's all)."""
    if actor.role is Role.ADMIN:
        return ""
    return actor.region_code or "-"  # a supervisor without a region sees nothing


async def _append(conn: Connection, actor: Actor, kind: str, data: dict[str, object]) -> None:
    await events.append(conn, kind=kind, actor_kind="staff", actor_id=actor.staff_id, data=data)


async def _warnings_now(
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


# --- categories --------------------------------------------------------------------------------


def _category(r: store.CategoryUseRow) -> CategoryView:
    return CategoryView(
        code=r.code,
        name=r.name,
        description=r.description,
        position=r.position,
        active=r.active,
        retired_at=r.retired_at,
        tickets=r.tickets,
        open_tickets=r.open_tickets,
        group=r.group_name,
        keywords=tuple(r.keywords),
    )


async def list_categories(
    deps: Deps, actor: Actor, *, include_retired: bool = True
) -> list[CategoryView]:
    authorize(actor, Operation.TICKET_CATALOG_READ)
    return [_category(r) for r in await store.categories_with_use(deps.pool, include_retired)]


def _name(raw: str | None) -> str:
    name = clean_text(raw)
    if not name:
        raise InvalidInput("ticket_category.name_required")
    if len(name) > MAX_NAME_CHARS or "\n" in name:
        raise InvalidInput("ticket_category.name_too_long", limit=MAX_NAME_CHARS)
    return name


def _description(raw: str | None) -> str:
    text = clean_text(raw)
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput("ticket_category.description_too_long", limit=MAX_DESCRIPTION_CHARS)
    return text


def _keywords(raw: list[str] | None) -> list[str]:
    """Trimmed, without repeats, in the order given."""
    words: list[str] = []
    for word in (clean_text(w) for w in raw or []):
        if not word or len(word) > MAX_KEYWORD_CHARS or any(c in word for c in ",，\n"):
            raise InvalidInput("ticket_category.keyword_invalid", limit=MAX_KEYWORD_CHARS)
        if word not in words:
            words.append(word)
    if len(words) > MAX_KEYWORDS:
        raise InvalidInput("ticket_category.too_many_keywords", limit=MAX_KEYWORDS)
    return words


def _group(raw: str | None) -> str:
    text = clean_text(raw)
    if len(text) > MAX_GROUP_CHARS or "\n" in text:
        raise InvalidInput("ticket_category.group_too_long", limit=MAX_GROUP_CHARS)
    return text


def _position(raw: int | None) -> int | None:
    if raw is not None and not 0 <= raw <= MAX_POSITION:
        raise InvalidInput("ticket_category.position_invalid", limit=MAX_POSITION)
    return raw


async def _one_category(conn: Connection, code: str) -> CategoryView:
    row = next(r for r in await store.categories_with_use(conn, True) if r.code == code)
    return _category(row)


async def create_category(
    deps: Deps,
    actor: Actor,
    code: str,
    name: str,
    description: str = "",
    position: int | None = None,
    *,
    group: str = "",
    keywords: list[str] | None = None,
) -> CategoryView:
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    code = (code or "").strip()
    if not CATEGORY_CODE.fullmatch(code):
        raise InvalidInput("ticket_category.code_invalid", category=code[:40])
    clean_name, text, place = _name(name), _description(description), _position(position)
    clean_group, words = _group(group), _keywords(keywords)
    async with transaction(deps.pool) as conn:
        if not await store.insert_category(conn, code, clean_name, text, place):
            raise Conflict("ticket_category.exists", category=code)
        if clean_group or words:
            await store.update_category(conn, code, group_name=clean_group, keywords=words)
        await _append(conn, actor, "ticket_category.created", {"code": code, "name": clean_name})
        view = await _one_category(conn, code)
    return view


async def _locked_category(conn: Connection, code: str) -> store.ManagedCategoryRow:
    row = await store.lock_category(conn, (code or "").strip()[:40])
    if row is None:
        raise NotFound("ticket_category.not_found", category=(code or "").strip()[:40])
    return row


async def update_category(
    deps: Deps,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    description: str | None = None,
    position: int | None = None,
    group: str | None = None,
    keywords: list[str] | None = None,
) -> CategoryView:
    """Rename, re-describe or move a category, or change its group and keywords. Tickets show
    the new name; each dispatch explanation keeps the name it was given in."""
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    changes: dict[str, store.ColumnValue] = {}
    if group is not None:
        changes["group_name"] = _group(group)
    if keywords is not None:
        changes["keywords"] = _keywords(keywords)
    if name is not None:
        changes["name"] = _name(name)
    if description is not None:
        changes["description"] = _description(description)
    if position is not None:
        changes["position"] = _position(position)
    async with transaction(deps.pool) as conn:
        row = await _locked_category(conn, code)
        changes = {
            k: v
            for k, v in changes.items()
            if (list(row.keywords) if k == "keywords" else getattr(row, k)) != v
        }
        if changes:
            await store.update_category(conn, row.code, **changes)
            data: dict[str, object] = {"code": row.code, **changes}
            if "name" in changes:
                data["previous_name"] = row.name
            await _append(conn, actor, "ticket_category.changed", data)
        view = await _one_category(conn, row.code)
    return view


@dataclass(frozen=True)
class CategoryChange:
    category: CategoryView
    warnings: tuple[dispatch_rules.ProblemView, ...]


async def set_category_active(deps: Deps, actor: Actor, code: str, active: bool) -> CategoryChange:
    """Retire (no new tickets; the existing ones keep it) or reinstate a category."""
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    async with transaction(deps.pool) as conn:
        row = await _locked_category(conn, code)
        if row.active == active:
            raise Conflict(
                "ticket_category.not_retired" if active else "ticket_category.already_retired",
                category=row.name,
            )
        await conn.execute(
            """update ticket_categories set active = $2,
                 retired_at = case when $2 then null else now() end, updated_at = now()
               where code = $1""",
            row.code,
            active,
        )
        await _append(
            conn,
            actor,
            "ticket_category.reinstated" if active else "ticket_category.retired",
            {"code": row.code, "name": row.name},
        )
        view = await _one_category(conn, row.code)
        warnings = await _warnings_now(conn, categories=[row.code])
    return CategoryChange(view, warnings)


# --- what units serve ----------------------------------------------------------------------------


def _fallback_unit(r: store.RegionUnitRow) -> UnitInfo | None:
    """The region's own fallback unit, if it has one."""
    if r.unit_id is None:
        return None
    assert r.unit_code is not None and r.unit_name is not None and r.unit_region_code is not None
    return UnitInfo(
        code=r.unit_code, name=r.unit_name, phone=r.unit_phone, region_code=r.unit_region_code
    )


async def _unit(conn: Connection, code: str, *, lock: bool = False) -> store.UnitRow:
    wanted = (code or "").strip()[:64]
    row = await (store.lock_unit(conn, wanted) if lock else store.unit_by_code(conn, wanted))
    if row is None:
        raise InvalidInput("ticket.unit_unknown", unit=wanted[:40])
    return row


async def _areas_view(
    conn: Connection, unit: store.UnitRow, warnings: tuple[dispatch_rules.ProblemView, ...] = ()
) -> UnitAreasView:
    areas = tuple(
        AreaView(
            category_code=a.category_code,
            category_name=a.category_name,
            category_active=a.category_active,
            region_code=a.region_prefix,
            region_name=a.region_name,
        )
        for a in await store.areas_of_unit(conn, unit.id)
    )
    info = UnitInfo(code=unit.code, name=unit.name, phone=unit.phone, region_code=unit.region_code)
    return UnitAreasView(unit=info, areas=areas, warnings=warnings)


async def unit_service_areas(deps: Deps, actor: Actor, unit_code: str) -> UnitAreasView:
    """What a unit serves, with the published rules' warnings about it."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    async with deps.pool.acquire() as conn:
        unit = await _unit(conn, unit_code)
        authorize(
            actor, Operation.UNIT_SERVICE_AREAS_MANAGE, Target.unit(unit.id, unit.region_code)
        )
        return await _areas_view(conn, unit, await _warnings_now(conn, units=[unit.id]))


def _region_format(raw: str) -> str:
    """A GB/T 2260-style code: 6 digits (county), 9 (township), 12 (village)."""
    code = (raw or "").strip()
    if not REGION_CODE.fullmatch(code):
        raise InvalidInput("region.code_invalid", region=code[:20])
    return code


async def _known_region(conn: Connection, code: str) -> str:
    if await store.region(conn, code) is None:
        raise InvalidInput("ticket.region_unknown", region=code)
    return code


async def set_unit_service_areas(
    deps: Deps, actor: Actor, unit_code: str, areas: Sequence[tuple[str, str]]
) -> UnitAreasView:
    """The unit serves exactly these (category, region code) pairs within the actor's region;
    what it serves elsewhere (set by others) stays. Answers with the published rules' warnings
    about the unit as it now stands."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    if len(areas) > MAX_AREAS:
        raise InvalidInput("service_area.too_many", limit=MAX_AREAS)
    async with transaction(deps.pool) as conn:
        unit = await _unit(conn, unit_code, lock=True)
        authorize(
            actor, Operation.UNIT_SERVICE_AREAS_MANAGE, Target.unit(unit.id, unit.region_code)
        )
        wanted: list[tuple[str, str]] = []
        for raw_category, raw_region in areas:
            pair = ((raw_category or "").strip()[:40], _region_format(raw_region))
            if pair not in wanted:
                wanted.append(pair)
        # the regions must be the actor's before anything is said about them
        authorize(
            actor,
            Operation.UNIT_SERVICE_AREAS_MANAGE,
            Target(units={unit.id: unit.region_code}, regions=tuple(r for _c, r in wanted)),
        )
        for category_code, region in wanted:
            category = await store.category(conn, category_code)
            if category is None:
                raise InvalidInput("ticket.category_unknown", category=category_code)
            if not category.active:
                raise InvalidInput("ticket.category_retired", category=category.name)
            await _known_region(conn, region)
        before = [
            (a.category_code, a.region_prefix) for a in await store.areas_of_unit(conn, unit.id)
        ]
        scope = _scope(actor)
        await store.replace_areas(conn, unit.id, scope, wanted)
        after = [
            (a.category_code, a.region_prefix) for a in await store.areas_of_unit(conn, unit.id)
        ]
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        if added or removed:
            await _append(
                conn,
                actor,
                "unit_service_areas.changed",
                {
                    "unit": unit.code,
                    "scope": scope,
                    "added": [list(a) for a in added],
                    "removed": [list(a) for a in removed],
                },
            )
        view = await _areas_view(conn, unit, await _warnings_now(conn, units=[unit.id]))
    return view


# --- regions and their fallback units -------------------------------------------------------------


def _region_view(
    row: store.RegionUnitRow,
    rows: dict[str, store.RegionUnitRow],
    warnings: tuple[dispatch_rules.ProblemView, ...] = (),
) -> RegionView:
    own = _fallback_unit(row)
    effective = None
    for code in region_ancestors(row.code):
        found = rows.get(code)
        if found is not None and found.unit_id is not None:
            effective = _fallback_unit(found)
            break
    return RegionView(
        code=row.code,
        name=row.name,
        parent_code=row.parent_code,
        fallback_unit=own,
        effective_fallback=effective,
        warnings=warnings,
    )


async def regions(deps: Deps, actor: Actor, under: str | None = None) -> list[RegionView]:
    """Regions within the actor's (and within `under`, when given), each with its fallback."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    scope = _scope(actor)
    prefix = (under or "").strip()[:12]
    if prefix and not (prefix.isascii() and prefix.isdigit()):
        raise InvalidInput("region.code_invalid", region=prefix)
    if prefix.startswith(scope):
        scope = prefix
    elif not scope.startswith(prefix):
        return []
    async with deps.pool.acquire() as conn:
        every = {r.code: r for r in await store.regions_under(conn, "")}
    return [_region_view(r, every) for code, r in every.items() if code.startswith(scope)]


async def set_region_fallback(
    deps: Deps, actor: Actor, region_code: str, unit_code: str | None
) -> RegionView:
    """The unit that takes the region's tickets no rule routes (None: the nearest region above
    decides). A region with nothing above it to fall back on keeps one."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    code = _region_format(region_code)
    authorize(actor, Operation.REGION_FALLBACK_MANAGE, Target(regions=(code,)))
    async with transaction(deps.pool) as conn:
        region = await store.lock_region(conn, await _known_region(conn, code))
        assert region is not None
        unit = await _unit(conn, unit_code) if unit_code is not None else None
        target_units = {unit.id: unit.region_code} if unit is not None else {}
        authorize(
            actor, Operation.REGION_FALLBACK_MANAGE, Target(units=target_units, regions=(code,))
        )
        every = {r.code: r for r in await store.regions_under(conn, "")}
        if unit is None and not any(
            every[c].unit_id is not None for c in region_ancestors(code)[1:] if c in every
        ):
            raise Conflict("region.fallback_required", region=code)
        new_id = unit.id if unit is not None else None
        if region.fallback_unit_id != new_id:
            await store.set_fallback(conn, code, new_id)
            previous = every[code].unit_code
            await _append(
                conn,
                actor,
                "region_fallback.changed",
                {"region": code, "unit": unit.code if unit else None, "previous": previous},
            )
            every = {r.code: r for r in await store.regions_under(conn, "")}
        view = _region_view(every[code], every)
    return view
