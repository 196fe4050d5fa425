"""What a unit serves (category × region), set by the admin or a supervisor of the region."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.services import dispatch_rules, event_log
from doorstep.services.deps import Deps
from doorstep.services.oversight import region_scope
from doorstep.services.ticket_catalog.common import (
    UnitAreasView,
    UnitInfo,
    known_region,
    region_format,
    unit_by_code,
    warnings_now,
)
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import catalog_admin as ticket_catalog_admin
from doorstep.store.tickets.rows import UnitRow

MAX_AREAS = 500


async def _areas_view(
    conn: Connection, unit: UnitRow, warnings: tuple[dispatch_rules.ProblemView, ...] = ()
) -> UnitAreasView:
    areas = tuple(await ticket_catalog_admin.areas_of_unit(conn, unit.id))
    info = UnitInfo(code=unit.code, name=unit.name, phone=unit.phone, region_code=unit.region_code)
    return UnitAreasView(unit=info, areas=areas, warnings=warnings)


async def unit_service_areas(deps: Deps, actor: Actor, unit_code: str) -> UnitAreasView:
    """What a unit serves, with the published rules' warnings about it."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    async with deps.pool.acquire() as conn:
        unit = await unit_by_code(conn, unit_code)
        authorize(
            actor, Operation.UNIT_SERVICE_AREAS_MANAGE, Target.unit(unit.id, unit.region_code)
        )
        return await _areas_view(conn, unit, await warnings_now(conn, units=[unit.id]))


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
        unit = await unit_by_code(conn, unit_code, lock=True)
        authorize(
            actor, Operation.UNIT_SERVICE_AREAS_MANAGE, Target.unit(unit.id, unit.region_code)
        )
        wanted: list[tuple[str, str]] = []
        for raw_category, raw_region in areas:
            pair = ((raw_category or "").strip()[:40], region_format(raw_region))
            if pair not in wanted:
                wanted.append(pair)
        # the regions must be the actor's before anything is said about them
        authorize(
            actor,
            Operation.UNIT_SERVICE_AREAS_MANAGE,
            Target(units={unit.id: unit.region_code}, regions=tuple(r for _c, r in wanted)),
        )
        for category_code, region in wanted:
            category = await ticket_catalog.category(conn, category_code)
            if category is None:
                raise InvalidInput("ticket.category_unknown", category=category_code)
            if not category.active:
                raise InvalidInput("ticket.category_retired", category=category.name)
            await known_region(conn, region)
        before = [
            (a.category_code, a.region_prefix)
            for a in await ticket_catalog_admin.areas_of_unit(conn, unit.id)
        ]
        scope = region_scope(actor)
        await ticket_catalog_admin.replace_areas(conn, unit.id, scope, wanted)
        after = [
            (a.category_code, a.region_prefix)
            for a in await ticket_catalog_admin.areas_of_unit(conn, unit.id)
        ]
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        if added or removed:
            await event_log.by_staff(
                conn,
                actor,
                "unit_service_areas.changed",
                data={
                    "unit": unit.code,
                    "scope": scope,
                    "added": [list(a) for a in added],
                    "removed": [list(a) for a in removed],
                },
            )
        view = await _areas_view(conn, unit, await warnings_now(conn, units=[unit.id]))
    return view
