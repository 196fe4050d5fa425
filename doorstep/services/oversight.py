"""Which units' work a staff actor oversees: the one answer every staff queue reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.services.deps import Deps
from doorstep.store import applications as app_store


async def visible_units(deps: Deps, actor: Actor) -> list[int]:
    """The units whose work the actor oversees: their own, their region's, or all (admin)."""
    if actor.role is Role.SUPERVISOR and actor.region_code:
        return await app_store.units_in_region(deps.pool, actor.region_code)
    if actor.role is Role.ADMIN:
        return await app_store.units_in_region(deps.pool, "")
    return [actor.unit_id] if actor.unit_id is not None else []


def region_scope(actor: Actor) -> str:
    """The region prefix whose catalog and tickets the actor sees ("" for the admin's all)."""
    if actor.role is Role.ADMIN:
        return ""
    return actor.region_code or "-"  # a supervisor without a region sees nothing


async def authorized_units(deps: Deps, actor: Actor, operation: Operation) -> list[int]:
    """`authorize` a staff queue's read, then the units whose work it shows."""
    authorize(actor, operation)
    return await visible_units(deps, actor)


class AtUnit(Protocol):
    """A unit's piece of work in some state: a rectification, an appeal, a visit, a correction."""

    @property
    def unit_id(self) -> int: ...
    @property
    def unit_region_code(self) -> str: ...
    @property
    def status(self) -> str: ...


class UnitWork(AtUnit, Protocol):
    """Work about one citizen: an appeal, a welfare visit, a correction."""

    @property
    def citizen_id(self) -> int: ...


W = TypeVar("W", bound=AtUnit)


def unit_alone(row: AtUnit) -> Target:
    """What acting on the work touches: its unit (a rectification)."""
    return Target.unit(row.unit_id, row.unit_region_code)


def citizen_at_unit(row: UnitWork) -> Target:
    """What acting on such work touches: its citizen's data, held by its unit."""
    return Target(citizen_id=row.citizen_id, units={row.unit_id: row.unit_region_code})


def require_open(
    actor: Actor,
    operation: Operation,
    row: W | None,
    target: Callable[[W], Target],
    *,
    open_status: str,
    not_found: str,
    closed: str,
) -> W:
    """The work the actor acts on (read under lock): it exists, the actor may act on it (on
    what `target` says it touches), and it is still open; refused in that order."""
    if row is None:
        raise NotFound(not_found)
    authorize(actor, operation, target(row))
    if row.status != open_status:
        raise Conflict(closed)
    return row
