"""Where a supervisor may send a ticket: the units that serve its category at its place, the
most local first (the same service areas the dispatch rules check)."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.errors import NotFound
from doorstep.domain.policy import Actor, Operation, authorize, authorize_by_number
from doorstep.services.deps import Deps
from doorstep.services.tickets.common import parse_number, unit_target
from doorstep.services.tickets.views import view_of
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import reading as ticket_reading


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    # how far up the region tree its service area reaches: longer is more local
    depth: int


async def redispatch_choices(deps: Deps, actor: Actor, raw_number: str) -> list[UnitChoice]:
    number = parse_number(raw_number)
    async with deps.pool.acquire() as conn:
        row = await ticket_reading.by_number(conn, number)
        if row is None:
            raise NotFound("ticket.not_found")
        # who may not read it is told there is no such number; who may read it but not
        # redispatch it is refused
        authorize_by_number(
            actor, Operation.TICKET_READ, view_of(row).target, NotFound("ticket.not_found")
        )
        authorize(actor, Operation.TICKET_REDISPATCH, unit_target(row))
        units = await ticket_catalog.units_serving(conn, row.category_code, row.region_code)
    choices = [UnitChoice(u.code, u.name, u.depth) for u in units]
    return sorted(choices, key=lambda c: (-c.depth, c.code))
