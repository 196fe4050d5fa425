"""Live unit queues for staff: every change to an application one of their units has a task
in, each once and in order, resumable from the last sequence seen.

The same event stream as citizens' progress (`live.progress`): register with the hub first,
then read what the database holds past the starting point, then take what the hub pushes,
dropping what was already sent. One difference: a citizen's events commit in sequence order,
a unit's come from many citizens and may not (a lower sequence can commit after a higher one,
see `event_hub`). So delivery is deduplicated by sequence, not cut at the highest one: a late
commit pushed by the hub is still sent. A client that reconnects re-reads its queue (the
recipe in the README), which covers a late commit below the point it resumes from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import NamedTuple

from doorstep.domain.policy import Actor, Operation
from doorstep.live.event_hub import STAFF_KEY, EventHub, Seen
from doorstep.live.streams import follow, staff_scope
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.events import EventRow

BACKLOG_LIMIT = 1000


class QueueChange(NamedTuple):
    """One message: an event of an application in the units (None: the opening message, which
    gives the sequence to resume from)."""

    seq: int
    application_id: int | None
    event: EventRow | None
    unit_ids: frozenset[int]


async def unit_queue_updates(
    deps: Deps, hub: EventHub, actor: Actor, after_seq: int | None = None
) -> AsyncIterator[QueueChange]:
    after_seq, units = await staff_scope(deps, actor, Operation.TASK_QUEUE_READ, after_seq)
    sent = Seen()
    placed = Seen()  # application id -> has a task in the units

    async def changes(rows: list[EventRow]) -> list[QueueChange]:
        await _place(deps, placed, units, rows)
        out: list[QueueChange] = []
        for row in rows:
            if row.seq in sent or row.application_id is None:
                continue  # the hub sends staff applications' events only
            if not placed.get(row.application_id):
                continue
            sent.put(row.seq)
            out.append(QueueChange(row.seq, row.application_id, row, units))
        return out

    stream = follow(
        deps,
        hub,
        STAFF_KEY,
        after_seq,
        sent,
        opening=lambda last: QueueChange(last, None, None, units),
        backlog=lambda after: _backlog(deps, units, after, sent),
        changes=changes,
    )
    # closed with this generator, so its hub registration ends at once
    async with aclosing(stream):
        async for change in stream:
            yield change


async def _backlog(
    deps: Deps, units: frozenset[int], after: int, sent: Seen
) -> AsyncIterator[QueueChange]:
    while True:
        rows = await events.of_units_after(deps.pool, list(units), after, BACKLOG_LIMIT)
        for row in rows:
            after = row.seq
            if row.seq in sent:
                continue
            sent.put(row.seq)
            yield QueueChange(row.seq, row.application_id, row, units)
        if len(rows) < BACKLOG_LIMIT:
            return


async def _place(deps: Deps, placed: Seen, units: frozenset[int], rows: list[EventRow]) -> None:
    ids = {r.application_id for r in rows if r.application_id is not None}
    unknown = list(ids - placed.keys())
    if unknown:
        for application_id, its_units in (
            await events.units_of_applications(deps.pool, unknown)
        ).items():
            placed.put(application_id, bool(its_units & units))
