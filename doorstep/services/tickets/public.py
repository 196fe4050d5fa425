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
from doorstep.services.deps import Deps
from doorstep.store.tickets import public as ticket_public

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
    return [
        PublicTicket(
            number=r.number,
            status=TicketStatus(r.status),
            category_code=r.category_code,
            category_name=r.category_name,
            unit_name=r.lead_unit_name,
            created_at=r.created_at,
            updated_at=r.updated_at,
            handle_due_at=r.handle_due_at,
            region_code=r.region_code,
            region_name=r.region_name,
            latitude=public_coordinate(r.latitude),
            longitude=public_coordinate(r.longitude),
        )
        for r in rows
    ]


async def get_public(deps: Deps, actor: Actor, number: str) -> PublicTicket:
    found = await find_public(deps, actor, numbers=[number], limit=1)
    if not found:
        raise NotFound("ticket.not_found")
    return found[0]
