"""Live progress: the current state first, then every change in order, each once.

A subscriber registers with the hub before it reads, so nothing committed after its read can
slip past; whatever arrives twice (read and pushed) is dropped by sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services import applications
from doorstep.services.deps import Deps
from doorstep.services.event_hub import EventHub, Key, Subscription
from doorstep.store import events

BACKLOG_LIMIT = 1000


@dataclass(frozen=True)
class ProgressUpdate:
    """One message: the event (None for the opening state) and the sequence reached."""

    seq: int
    application_id: int
    event: asyncpg.Record | None


def _check_after(after_seq: int | None) -> int | None:
    if after_seq is not None and not 0 <= after_seq < 2**62:
        raise InvalidInput("progress.after_seq_invalid")
    return after_seq


async def application_progress(deps: Deps, hub: EventHub, actor: Actor, raw_number: str,
                               after_seq: int | None = None) -> AsyncIterator[ProgressUpdate]:
    after_seq = _check_after(after_seq)
    view = await applications.get_application(deps, actor, raw_number)  # authorizes
    key: Key = ("application", view.id)
    with hub.subscribe(key) as subscription:
        if after_seq is None:
            last = await events.last_of_application(deps.pool, view.id)
            yield ProgressUpdate(seq=last, application_id=view.id, event=None)
        else:
            last = after_seq
        async for update in _follow(deps, subscription, key, last):
            yield update


async def my_updates(deps: Deps, hub: EventHub, actor: Actor,
                     after_seq: int | None = None) -> AsyncIterator[ProgressUpdate]:
    after_seq = _check_after(after_seq)
    authorize(actor, Operation.OWN_APPLICATIONS_LIST)
    assert actor.citizen_id is not None
    key: Key = ("citizen", actor.citizen_id)
    with hub.subscribe(key) as subscription:
        last = (after_seq if after_seq is not None
                else await events.last_of_citizen(deps.pool, actor.citizen_id))
        async for update in _follow(deps, subscription, key, last):
            yield update


async def _backlog(deps: Deps, key: Key, after_seq: int) -> list[asyncpg.Record]:
    kind, ident = key
    if kind == "application":
        return await events.of_application_after(deps.pool, ident, after_seq, BACKLOG_LIMIT)
    return await events.of_citizen_after(deps.pool, ident, after_seq, BACKLOG_LIMIT)


async def _follow(deps: Deps, subscription: Subscription, key: Key, last: int
                  ) -> AsyncIterator[ProgressUpdate]:
    """Events past `last`: first what the database holds, then what the hub pushes."""
    while True:
        backlog = await _backlog(deps, key, last)
        for row in backlog:
            last = row["seq"]
            yield ProgressUpdate(seq=last, application_id=row["application_id"], event=row)
        if len(backlog) < BACKLOG_LIMIT:
            break
    while True:
        if subscription.overflowed:
            # too slow for the backlog: drop it and catch up from the database
            subscription.overflowed = False
            subscription.pending.clear()
            for row in await _backlog(deps, key, last):
                last = row["seq"]
                yield ProgressUpdate(seq=last, application_id=row["application_id"], event=row)
        while subscription.pending:
            row = subscription.pending.popleft()
            if row["seq"] <= last or row["application_id"] is None:
                continue  # already sent (read and pushed both), or not an application's
            last = row["seq"]
            yield ProgressUpdate(seq=last, application_id=row["application_id"], event=row)
        subscription.wake.clear()
        if not subscription.pending and not subscription.overflowed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(subscription.wake.wait(), timeout=30)
