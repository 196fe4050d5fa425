"""Which units' work a staff actor oversees: the one answer every staff queue reads."""

from __future__ import annotations

from doorstep.domain.policy import Actor, Role
from doorstep.services.deps import Deps
from doorstep.store import applications as app_store


async def visible_units(deps: Deps, actor: Actor) -> list[int]:
    """The units whose work the actor oversees: their own, their region's, or all (admin)."""
    if actor.role is Role.SUPERVISOR and actor.region_code:
        return await app_store.units_in_region(deps.pool, actor.region_code)
    if actor.role is Role.ADMIN:
        return await app_store.units_in_region(deps.pool, "")
    return [actor.unit_id] if actor.unit_id is not None else []
