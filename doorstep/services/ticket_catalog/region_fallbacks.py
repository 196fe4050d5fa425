"""Regions and their fallback units, which take the region's tickets no rule routes."""

from __future__ import annotations

from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.tickets import region_ancestors
from doorstep.services import dispatch_rules, event_log
from doorstep.services.deps import Deps
from doorstep.services.oversight import region_scope
from doorstep.services.ticket_catalog.common import (
    RegionView,
    fallback_unit,
    known_region,
    region_format,
    unit_by_code,
)
from doorstep.store.db import transaction
from doorstep.store.tickets import catalog_admin as ticket_catalog_admin
from doorstep.store.tickets.rows import RegionUnitRow


def _region_view(
    row: RegionUnitRow,
    rows: dict[str, RegionUnitRow],
    warnings: tuple[dispatch_rules.ProblemView, ...] = (),
) -> RegionView:
    own = fallback_unit(row)
    effective = None
    for code in region_ancestors(row.code):
        found = rows.get(code)
        if found is not None and found.unit_id is not None:
            effective = fallback_unit(found)
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
    scope = region_scope(actor)
    prefix = (under or "").strip()[:12]
    if prefix and not (prefix.isascii() and prefix.isdigit()):
        raise InvalidInput("region.code_invalid", region=prefix)
    if prefix.startswith(scope):
        scope = prefix
    elif not scope.startswith(prefix):
        return []
    async with deps.pool.acquire() as conn:
        every = {r.code: r for r in await ticket_catalog_admin.regions_under(conn, "")}
    return [_region_view(r, every) for code, r in every.items() if code.startswith(scope)]


async def set_region_fallback(
    deps: Deps, actor: Actor, region_code: str, unit_code: str | None
) -> RegionView:
    """The unit that takes the region's tickets no rule routes (None: the nearest region above
    decides). A region with nothing above it to fall back on keeps one."""
    authorize(actor, Operation.TICKET_CATALOG_READ)
    code = region_format(region_code)
    authorize(actor, Operation.REGION_FALLBACK_MANAGE, Target(regions=(code,)))
    async with transaction(deps.pool) as conn:
        region = await ticket_catalog_admin.lock_region(conn, await known_region(conn, code))
        assert region is not None
        unit = await unit_by_code(conn, unit_code) if unit_code is not None else None
        target_units = {unit.id: unit.region_code} if unit is not None else {}
        authorize(
            actor, Operation.REGION_FALLBACK_MANAGE, Target(units=target_units, regions=(code,))
        )
        every = {r.code: r for r in await ticket_catalog_admin.regions_under(conn, "")}
        if unit is None and not any(
            every[c].unit_id is not None for c in region_ancestors(code)[1:] if c in every
        ):
            raise Conflict("region.fallback_required", region=code)
        new_id = unit.id if unit is not None else None
        if region.fallback_unit_id != new_id:
            await ticket_catalog_admin.set_fallback(conn, code, new_id)
            previous = every[code].unit_code
            await event_log.by_staff(
                conn,
                actor,
                "region_fallback.changed",
                data={"region": code, "unit": unit.code if unit else None, "previous": previous},
            )
            every = {r.code: r for r in await ticket_catalog_admin.regions_under(conn, "")}
        view = _region_view(every[code], every)
    return view
