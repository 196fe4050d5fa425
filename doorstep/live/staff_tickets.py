"""Live ticket queues for staff: every change to a ticket one of their units leads (or was
dispatched and has since lost, so a list can drop it), each once, resumable from the last
sequence seen.

The sibling of `staff_queue` on the same hub and the same exactly-once recipe: register with the
hub first, then read what the database holds past the starting point, then take what the hub
pushes, dropping what was already sent. Tickets' events, like a unit's applications', come from
many citizens and need not commit in sequence order, so delivery is deduplicated by sequence,
not cut at the highest one. A ticket's lead unit changes (redispatch), so where a ticket stands
is read again for each batch of its events, not remembered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import NamedTuple

from doorstep.domain.policy import Actor, Operation
from doorstep.live.event_hub import TICKETS_KEY, EventHub, Seen
from doorstep.live.streams import follow, staff_scope
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.events import EventRow
from doorstep.store.tickets import queues as ticket_queues

BACKLOG_LIMIT = 1000
# the events that give a ticket another lead unit (a supervisor's, or after too many returns)
MOVES = frozenset({"ticket.redispatched", "ticket.dispatched"})


class TicketChange(NamedTuple):
    """One message: an event of a ticket one of the units leads (`event` None and `ticket_id`
    set: the ticket has left the units, redispatched elsewhere; both None: the opening message,
    which gives the sequence to resume from)."""

    seq: int
    ticket_id: int | None
    event: EventRow | None
    unit_ids: frozenset[int]


async def ticket_queue_updates(
    deps: Deps, hub: EventHub, actor: Actor, after_seq: int | None = None
) -> AsyncIterator[TicketChange]:
    after_seq, units = await staff_scope(deps, actor, Operation.TICKET_QUEUE_READ, after_seq)
    sent = Seen()
    led = Seen()  # ticket id -> one of the units led it at its last event sent
    stream = follow(
        deps,
        hub,
        TICKETS_KEY,
        after_seq,
        sent,
        opening=lambda last: TicketChange(last, None, None, units),
        backlog=lambda after: _backlog(deps, units, after, sent, led),
        changes=lambda rows: _changes(deps, units, rows, sent, led),
    )
    # closed with this generator, so its hub registration ends at once
    async with aclosing(stream):
        async for change in stream:
            yield change


async def _backlog(
    deps: Deps, units: frozenset[int], after: int, sent: Seen, led: Seen
) -> AsyncIterator[TicketChange]:
    while True:
        rows = await events.of_ticket_units_after(deps.pool, list(units), after, BACKLOG_LIMIT)
        for change in await _changes(deps, units, rows, sent, led):
            yield change
        if len(rows) < BACKLOG_LIMIT:
            return
        after = rows[-1].seq


async def _changes(
    deps: Deps, units: frozenset[int], rows: list[EventRow], sent: Seen, led: Seen
) -> list[TicketChange]:
    """The messages of these events: each event of a ticket the units lead now, and one that
    says a ticket they led has left them (the move itself, when this stream had not seen the
    ticket yet); nothing else of other units'."""
    rows = [r for r in rows if r.seq not in sent and r.ticket_id is not None]
    ids = list({r.ticket_id for r in rows if r.ticket_id is not None})
    if not ids or not units:
        return []
    found = {p.id: p for p in await ticket_queues.placements(deps.pool, ids, list(units))}
    out: list[TicketChange] = []
    for row in rows:
        ticket_id = row.ticket_id
        placement = found.get(ticket_id) if ticket_id is not None else None
        if ticket_id is None or placement is None or row.seq in sent:
            continue
        before = led.get(ticket_id)
        if placement.led:
            led.put(ticket_id, True)
            event: EventRow | None = row
        elif before or (before is None and placement.dispatched and row.kind in MOVES):
            led.put(ticket_id, False)
            event = None  # what happens to it now is another unit's
        else:
            continue
        sent.put(row.seq)
        out.append(TicketChange(row.seq, ticket_id, event, units))
    return out
