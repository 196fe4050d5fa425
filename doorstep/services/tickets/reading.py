"""Reading tickets: one by number, a citizen's own, a unit's queue, the supervisors' review
queue, a ticket's assignments and the rectifications a unit owes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.delegation import TICKET_THEME
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import (
    Actor,
    Operation,
    Target,
    authorize,
    authorize_by_number,
    require_signed_in,
)
from doorstep.domain.tickets import TicketStatus
from doorstep.services import acting, privacy
from doorstep.services.deps import Deps
from doorstep.services.oversight import visible_units
from doorstep.services.tickets.common import parse_number
from doorstep.services.tickets.views import Contact, TicketView, view_of
from doorstep.store.tickets import assignments as ticket_assignments
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import people as ticket_people
from doorstep.store.tickets import queues as ticket_queues
from doorstep.store.tickets import reading as ticket_reading
from doorstep.store.tickets import rectifications as ticket_rectifications

# the rows it answers with, named for the transports (which do not import the store)
from doorstep.store.tickets.rows import AssignmentRow as AssignmentRow
from doorstep.store.tickets.rows import RectificationRow as RectificationRow

# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    description: str
    group: str = ""
    keywords: tuple[str, ...] = ()


async def categories(deps: Deps, actor: Actor) -> list[Category]:
    authorize(actor, Operation.CATALOG_READ)
    return [
        Category(r.code, r.name, r.description, r.group_name, tuple(r.keywords))
        for r in await ticket_catalog.categories(deps.pool)
    ]


@dataclass(frozen=True)
class PlaceChoice:
    code: str
    name: str
    parent_code: str | None


async def places(deps: Deps, actor: Actor) -> list[PlaceChoice]:
    """Every region a ticket may name, for a picker: public names, as on a map."""
    authorize(actor, Operation.CATALOG_READ)
    return [
        PlaceChoice(r.code, r.name, r.parent_code) for r in await ticket_catalog.places(deps.pool)
    ]


async def get_ticket(deps: Deps, actor: Actor, raw_number: str) -> TicketView:
    number = parse_number(raw_number)
    require_signed_in(actor)
    async with deps.pool.acquire() as conn:
        row = await ticket_reading.by_number(conn, number)
        if row is None:
            raise NotFound("ticket.not_found")
        view = view_of(row)
        # someone else's number answers as one nobody has: numbers cannot be counted
        authorize_by_number(actor, Operation.TICKET_READ, view.target, NotFound("ticket.not_found"))
        if not actor.is_staff_side:
            # an agent's read is in the principal's access log (a no-op for the citizen)
            await acting.record_read(deps, conn, actor, what="ticket", purpose="follow_progress")
            return view
        contact = await ticket_people.citizen_contact(conn, view.citizen_id)
        assert contact is not None
        await privacy.record_staff_read(
            conn, actor, view.citizen_id, what="ticket", purpose="handle_ticket"
        )
    return view_of(row, Contact(name=contact.name, phone=contact.phone))


async def citizen_region(deps: Deps, citizen_id: int) -> str | None:
    """The region the citizen registered, for a ticket filed without a location (Open311)."""
    return await ticket_people.citizen_region(deps.pool, citizen_id)


async def reporter_region(deps: Deps, phone: str) -> str | None:
    """The region a reporter named by phone registered (an Open311 app files for them)."""
    try:
        e164 = normalize_phone(phone)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    async with deps.pool.acquire() as conn:
        citizen_id = await ticket_people.citizen_by_phone(conn, e164)
        return await ticket_people.citizen_region(conn, citizen_id) if citizen_id else None


async def my_tickets(
    deps: Deps, actor: Actor, *, limit: int = 20, before_id: int | None = None
) -> list[TicketView]:
    citizen_id = _authorize_list(actor)
    async with deps.pool.acquire() as conn:
        rows = await ticket_reading.of_citizen(conn, citizen_id, max(1, min(limit, 100)), before_id)
        await acting.record_read(deps, conn, actor, what="tickets", purpose="follow_progress")
    return [view_of(r) for r in rows]


def _authorize_list(actor: Actor) -> int:
    target = Target(citizen_id=actor.subject_citizen_id, theme=TICKET_THEME)
    authorize(actor, Operation.OWN_TICKETS_LIST, target)
    assert actor.subject_citizen_id is not None
    return actor.subject_citizen_id


async def find_own(
    deps: Deps,
    actor: Actor,
    *,
    since: datetime | None = None,
    numbers: list[str] | None = None,
    categories: list[str] | None = None,
    limit: int = 200,
) -> list[TicketView]:
    """The caller's tickets filtered (Open311 GET requests)."""
    citizen_id = _authorize_list(actor)
    async with deps.pool.acquire() as conn:
        rows = await ticket_reading.of_citizen_since(
            conn, citizen_id, since, numbers, categories, max(1, min(limit, 1000))
        )
        await acting.record_read(deps, conn, actor, what="tickets", purpose="follow_progress")
    return [view_of(r) for r in rows]


DEFAULT_QUEUE = [TicketStatus.DISPATCHED, TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED]


async def unit_queue(
    deps: Deps,
    actor: Actor,
    *,
    statuses: list[TicketStatus] | None = None,
    limit: int = 50,
    after_id: int | None = None,
) -> list[TicketView]:
    """The unit's tickets (a supervisor's: the region's), oldest first."""
    authorize(actor, Operation.TICKET_QUEUE_READ)
    units = await visible_units(deps, actor)
    wanted = [s.value for s in (statuses or DEFAULT_QUEUE)]
    rows = await ticket_queues.unit_queue(
        deps.pool, units, wanted, max(1, min(limit, 200)), after_id
    )
    return [view_of(r) for r in rows]


async def review_queue(deps: Deps, actor: Actor, limit: int = 50) -> list[TicketView]:
    """Returned tickets, and tickets no rule routed (or only a keyword guess), to redispatch."""
    authorize(actor, Operation.TICKET_REVIEW_QUEUE)
    units = await visible_units(deps, actor)
    rows = await ticket_queues.review_queue(deps.pool, units, max(1, min(limit, 200)))
    return [view_of(r) for r in rows]


async def assignments(deps: Deps, ticket_id: int) -> list[AssignmentRow]:
    """A ticket's dispatches (callers have authorized the ticket)."""
    return await ticket_assignments.assignments(deps.pool, ticket_id)


async def rectifications(
    deps: Deps, actor: Actor, *, open_only: bool = True, limit: int = 50
) -> list[RectificationRow]:
    authorize(actor, Operation.TICKET_QUEUE_READ)
    units = await visible_units(deps, actor)
    statuses = ["open"] if open_only else ["open", "done"]
    return await ticket_rectifications.rectifications(
        deps.pool, units, statuses, max(1, min(limit, 200))
    )


async def led_by_units(deps: Deps, ticket_ids: list[int], unit_ids: list[int]) -> list[TicketView]:
    """The listed tickets one of the units leads now, as the queue shows them (for the live
    ticket queue, which authorized its caller when it started)."""
    return [view_of(r) for r in await ticket_queues.led_by(deps.pool, ticket_ids, unit_ids)]


async def number_of(deps: Deps, ticket_id: int) -> str | None:
    return await ticket_queues.number_of(deps.pool, ticket_id)
