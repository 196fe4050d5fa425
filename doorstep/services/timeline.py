"""The event timelines of applications and tickets, as the citizen sees them."""

from __future__ import annotations

from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.events import EventRow, TimelineEventRow
from doorstep.store.tickets import events as ticket_events
from doorstep.store.tickets.rows import TicketEventRow

__all__ = ["EventRow", "TicketEventRow", "TimelineEventRow", "ticket_timelines", "timelines"]


async def timelines(deps: Deps, application_ids: list[int]) -> dict[int, list[TimelineEventRow]]:
    """Events per application, in order. Callers have already authorized the applications."""
    found: dict[int, list[TimelineEventRow]] = {}
    for row in await events.for_applications(deps.pool, application_ids):
        assert row.application_id is not None  # asked by application
        found.setdefault(row.application_id, []).append(row)
    return found


async def ticket_timelines(deps: Deps, ticket_ids: list[int]) -> dict[int, list[TicketEventRow]]:
    """Events per ticket, in order, in one query. Callers have already authorized the tickets."""
    found: dict[int, list[TicketEventRow]] = {}
    for row in await ticket_events.events_of(deps.pool, ticket_ids):
        found.setdefault(row.ticket_id, []).append(row)
    return found
