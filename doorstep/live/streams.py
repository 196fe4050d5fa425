"""What the live streams share: the resume point a client sends, where a staff stream starts
(`staff_scope`), and the exactly-once recipe of the staff streams (`staff_queue`,
`staff_tickets`): register with the hub first, then read what the database holds past the
starting point, then take what the hub pushes. Their events come from many citizens and need
not commit in sequence order, so a stream deduplicates by sequence (`sent`) instead of cutting
at the highest one."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TypeVar

from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation
from doorstep.live.event_hub import EventHub, Key, Seen, Subscription
from doorstep.services.deps import Deps
from doorstep.services.oversight import authorized_units
from doorstep.store import events
from doorstep.store.events import EventRow

Change = TypeVar("Change")


def checked_after(after_seq: int | None) -> int | None:
    """A resume point a client sent: a sequence, or None to start from now."""
    if after_seq is not None and not 0 <= after_seq < 2**62:
        raise InvalidInput("progress.after_seq_invalid")
    return after_seq


async def staff_scope(
    deps: Deps, actor: Actor, operation: Operation, after_seq: int | None
) -> tuple[int | None, frozenset[int]]:
    """Where a staff stream starts: the resume point checked, the stream's read authorized,
    and the units whose work it carries (the actor's; a supervisor's region)."""
    after_seq = checked_after(after_seq)
    return after_seq, frozenset(await authorized_units(deps, actor, operation))


async def follow(
    deps: Deps,
    hub: EventHub,
    key: Key,
    after_seq: int | None,
    sent: Seen,
    *,
    opening: Callable[[int], Change],
    backlog: Callable[[int], AsyncIterator[Change]],
    changes: Callable[[list[EventRow]], Awaitable[list[Change]]],
) -> AsyncGenerator[Change, None]:
    """With no `after_seq`, first the `opening` message at the sequence reached; then the
    `backlog` past the start, then the `changes` of what the hub pushes. Each of them puts what
    it sends in `sent`; a stream too slow for the push catches up from the database past the
    highest sequence sent."""
    with hub.subscribe(key) as subscription:
        if after_seq is None:
            last = await events.max_seq(deps.pool)
            yield opening(last)
        else:
            last = after_seq
        async for change in backlog(last):
            yield change
        while True:
            if subscription.overflowed:
                # too slow for the push: drop it and catch up from the database
                subscription.overflowed = False
                subscription.pending.clear()
                async for change in backlog(max([last, *sent.keys()])):
                    yield change
            rows = [r for r in subscription.pending if r.seq not in sent]
            subscription.pending.clear()
            if rows:
                for change in await changes(rows):
                    yield change
                continue
            await _idle(subscription)


async def _idle(subscription: Subscription) -> None:
    subscription.wake.clear()
    if subscription.pending or subscription.overflowed:
        return
    # only a push wakes it (the hub re-reads by itself when hints are lost)
    await subscription.wake.wait()
