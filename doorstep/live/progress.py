"""Live progress: the current state first, then every change in order, each once.

A subscriber registers with the hub before it reads, so nothing committed after its read can
slip past; whatever arrives twice (read and pushed) is dropped by sequence number.

A consumer that can send an update without waiting (the WebSocket session, when the message
is already built and the socket has room) passes `deliver`: while it is idle, the hub offers
it each new event at once, so a change reaches 10,000 idle subscribers in one pass without
waking 10,000 tasks. What it declines, and everything while it is busy, goes the queued way;
order and exactly-once hold either way, as both advance the same `last`. Agents always go
the queued way: their delegation is re-checked there.

An agent following their principal (帮办代办) sees only applications of the delegation's themes,
and their subscription ends with `delegation.inactive` as soon as the delegation stops: it
re-checks on every delegation event of the principal (a hint: revocation appends one), at the
delegation's end, and at least every `delegation_recheck_seconds` anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from doorstep.domain.delegation import bundle_filter
from doorstep.domain.errors import Forbidden
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.live.event_hub import EventHub, Key, Subscription
from doorstep.live.streams import checked_after
from doorstep.services import acting, applications
from doorstep.services.deps import Deps
from doorstep.store import delegation as delegation_store
from doorstep.store import events
from doorstep.store.events import EventRow

BACKLOG_LIMIT = 1000


class ProgressUpdate(NamedTuple):
    """One message: the event (None for the opening state) and the sequence reached. A
    tuple: one is made per subscriber per change, and a frozen dataclass costs twice as much."""

    seq: int
    application_id: int
    event: EventRow | None


# sends an update there and then if it can (True), else declines it (False)
Deliver = Callable[[ProgressUpdate], bool]


async def stream_position(deps: Deps, actor: Actor) -> int | None:
    """Where `myUpdates` should start for a page that reads now: the last sequence of the
    citizen's stream (an agent: the principal's). Read before the page's other reads, a change
    that commits in between is both in the page and in the stream, never in neither."""
    citizen_id = actor.subject_citizen_id
    if citizen_id is None:
        return None
    try:
        authorize(actor, Operation.OWN_APPLICATIONS_LIST, Target(citizen_id=citizen_id))
    except Forbidden:
        return None
    return await events.last_of_citizen(deps.pool, citizen_id)


async def application_progress(
    deps: Deps,
    hub: EventHub,
    actor: Actor,
    raw_number: str,
    after_seq: int | None = None,
    deliver: Deliver | None = None,
) -> AsyncIterator[ProgressUpdate]:
    after_seq = checked_after(after_seq)
    view = await applications.get_application(deps, actor, raw_number)  # authorizes
    application_id = view.id
    del view  # held for the subscription's whole life otherwise, tasks and all
    key: Key = ("application", application_id)
    with hub.subscribe(key) as subscription, _guard(deps, hub, actor, subscription) as guard:
        if after_seq is None:
            last = await events.last_of_application(deps.pool, application_id)
            yield ProgressUpdate(seq=last, application_id=application_id, event=None)
        else:
            last = after_seq
        async for update in _follow(deps, subscription, key, last, guard, deliver):
            yield update


async def my_updates(
    deps: Deps,
    hub: EventHub,
    actor: Actor,
    after_seq: int | None = None,
    deliver: Deliver | None = None,
) -> AsyncIterator[ProgressUpdate]:
    after_seq = checked_after(after_seq)
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.OWN_APPLICATIONS_LIST, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    if actor.role is Role.AGENT:
        async with deps.pool.acquire() as conn:
            await acting.record_read(
                deps, conn, actor, what="application_updates", purpose="follow_progress"
            )
    key: Key = ("citizen", citizen_id)
    with hub.subscribe(key) as subscription, _guard(deps, hub, actor, subscription) as guard:
        last = (
            after_seq
            if after_seq is not None
            else await events.last_of_citizen(deps.pool, citizen_id)
        )
        async for update in _follow(deps, subscription, key, last, guard, deliver):
            yield update


@dataclass
class _Guard:
    """An agent's subscription: what they may see, and whether their delegation still holds."""

    deps: Deps
    actor: Actor
    hints: Subscription
    every: float
    checked_at: float = field(default_factory=time.monotonic)
    bundles: dict[int, str] = field(default_factory=dict)

    def timeout(self, default: float) -> float:
        """How long to sleep at most: until the next periodic check or the delegation's end."""
        wait = min(default, self.every)
        grant = self.actor.grant
        if grant is not None:
            wait = min(wait, (grant.valid_until - datetime.now(UTC)).total_seconds())
        return max(wait, 0.0)

    async def check(self) -> None:
        """Raise `delegation.inactive` once the delegation stopped: on a hint, at its end, or
        when the last check is older than `every`."""
        hinted = False
        while self.hints.pending:
            hinted |= str(self.hints.pending.pop(0).kind).startswith("delegation.")
        self.hints.overflowed = False
        grant = self.actor.grant
        ended = grant is None or not grant.is_active(datetime.now(UTC))
        if hinted or ended or time.monotonic() - self.checked_at >= self.every:
            self.checked_at = time.monotonic()
            if ended or not await acting.still_active(self.deps, self.actor):
                raise Forbidden("delegation.inactive")

    async def admits(self, row: EventRow) -> bool:
        """Only applications of the delegation's themes."""
        grant = self.actor.grant
        application_id = row.application_id
        if grant is None or application_id is None:
            return False
        if application_id not in self.bundles:
            code = await delegation_store.bundle_code_of(self.deps.pool, application_id)
            self.bundles[application_id] = code or ""
        return bundle_filter(grant.themes).allows(self.bundles[application_id])


@contextlib.contextmanager
def _guard(
    deps: Deps, hub: EventHub, actor: Actor, subscription: Subscription
) -> Iterator[_Guard | None]:
    """For agents: a second registration on the principal's stream, whose delegation events
    (a revocation appends one) wake the subscription at once."""
    if actor.role is not Role.AGENT or actor.principal_citizen_id is None:
        yield None
        return
    with hub.subscribe(("citizen", actor.principal_citizen_id)) as hints:
        hints.wake = subscription.wake  # one event wakes the loop for either
        yield _Guard(
            deps=deps, actor=actor, hints=hints, every=deps.settings.delegation_recheck_seconds
        )


async def _backlog(deps: Deps, key: Key, after_seq: int) -> list[EventRow]:
    kind, ident = key
    if kind == "application":
        return await events.of_application_after(deps.pool, ident, after_seq, BACKLOG_LIMIT)
    return await events.of_citizen_after(deps.pool, ident, after_seq, BACKLOG_LIMIT)


async def _follow(
    deps: Deps,
    subscription: Subscription,
    key: Key,
    last: int,
    guard: _Guard | None = None,
    deliver: Deliver | None = None,
) -> AsyncIterator[ProgressUpdate]:
    """Events past `last`: first what the database holds, then what the hub pushes.

    With a guard (an agent), each round first checks the delegation still holds, and only
    applications of its themes are sent (the others still advance `last`). Without one, and
    with `deliver`, what the hub pushes while this waits is offered to `deliver` first."""

    def take(row: EventRow) -> bool:
        nonlocal last
        assert deliver is not None
        if row.seq <= last or row.application_id is None:
            return True  # already sent, or not an application's: nothing to do
        if not deliver(ProgressUpdate(seq=row.seq, application_id=row.application_id, event=row)):
            return False
        last = row.seq
        return True

    while True:
        if guard is not None:
            await guard.check()
        backlog = await _backlog(deps, key, last)
        for row in backlog:
            last = row.seq
            assert row.application_id is not None  # the backlog is applications' events
            if guard is None or await guard.admits(row):
                yield ProgressUpdate(seq=last, application_id=row.application_id, event=row)
        if len(backlog) < BACKLOG_LIMIT:
            break
    while True:
        if guard is not None:
            await guard.check()
        if subscription.overflowed:
            # too slow for the backlog: drop it and catch up from the database
            subscription.overflowed = False
            subscription.pending.clear()
            for row in await _backlog(deps, key, last):
                last = row.seq
                assert row.application_id is not None
                if guard is None or await guard.admits(row):
                    yield ProgressUpdate(seq=last, application_id=row.application_id, event=row)
        while subscription.pending:
            row = subscription.pending.pop(0)
            if row.seq <= last or row.application_id is None:
                continue  # already sent (read and pushed both), or not an application's
            last = row.seq
            if guard is None or await guard.admits(row):
                yield ProgressUpdate(seq=last, application_id=row.application_id, event=row)
        subscription.wake.clear()
        hinted = guard is not None and bool(guard.hints.pending)
        if subscription.pending or subscription.overflowed or hinted:
            continue
        if guard is None:
            # only a push wakes it (the hub re-reads by itself when hints are lost): no timer
            # per wait, which 10,000 subscribers would set and cancel on every change
            subscription.take = take if deliver is not None else None
            try:
                await subscription.wake.wait()
            finally:
                subscription.take = None
            continue
        # a timeout scope, not wait_for: wait_for wraps the wait in one more Task
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(guard.timeout(30)):
                await subscription.wake.wait()
