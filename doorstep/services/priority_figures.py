"""优先办 in the figures: priority tickets counted apart per lead unit (the kept ticket figures
do not split them; priority tasks are counted apart by services.sla.unit_counts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.policy import Actor, Operation, Role, authorize
from doorstep.services.deps import Deps
from doorstep.services.oversight import visible_units
from doorstep.services.ticket_rates import check_period
from doorstep.store import priority as store

# what the API shows of a lead unit's priority tickets: the row as read
TicketCounts = store.PriorityTicketRow


async def ticket_counts(deps: Deps, actor: Actor, since: date, until: date) -> list[TicketCounts]:
    """Priority tickets apart, per lead unit the actor oversees (as the ticket figures)."""
    authorize(actor, Operation.TICKET_RATES_READ)
    check_period(since, until)
    units = None if actor.role is Role.ADMIN else await visible_units(deps, actor)
    start = datetime.combine(since, time(0, 0), SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), time(0, 0), SHANGHAI)
    return await store.ticket_counts(deps.pool, units, start, end, datetime.now(UTC))
