"""What anyone may read of every ticket (Open311 GET requests without a key): the number,
status, category, the unit handling it and its dates, the place coarsened to the street or
township and to about a kilometre. Never the citizen, the description or the exact place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.errors import NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.tickets import (
    PUBLIC_REGION_DIGITS,
    TicketStatus,
    public_coordinate,
)
from doorstep.mirror import mirror
from doorstep.services.deps import Deps
from doorstep.store.tickets import public as ticket_public
from doorstep.store.tickets.rows import PublicTicketRow

MAX_PUBLIC = 1000


@dataclass(frozen=True)
class PublicTicket:
    number: str
    status: TicketStatus
    category_code: str
    category_name: str
    unit_name: str
    created_at: datetime
    updated_at: datetime
    handle_due_at: datetime
    region_code: str
    region_name: str
    latitude: float | None
    longitude: float | None


# the place coarsened to about a kilometre
_public = mirror(
    PublicTicket,
    PublicTicketRow,
    unit_name="lead_unit_name",
    latitude=lambda r: public_coordinate(r.latitude),
    longitude=lambda r: public_coordinate(r.longitude),
)


async def find_public(
    deps: Deps,
    actor: Actor,
    *,
    numbers: list[str] | None = None,
    categories: list[str] | None = None,
    statuses: list[TicketStatus] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = MAX_PUBLIC,
) -> list[PublicTicket]:
    authorize(actor, Operation.PUBLIC_TICKETS_READ)
    rows = await ticket_public.public_list(
        deps.pool,
        numbers=numbers,
        categories=categories,
        statuses=[s.value for s in statuses] if statuses is not None else None,
        since=since,
        until=until,
        region_digits=PUBLIC_REGION_DIGITS,
        limit=max(1, min(limit, MAX_PUBLIC)),
    )
    return [_public(r) for r in rows]


async def get_public(deps: Deps, actor: Actor, number: str) -> PublicTicket:
    found = await find_public(deps, actor, numbers=[number], limit=1)
    if not found:
        raise NotFound("ticket.not_found")
    return found[0]
