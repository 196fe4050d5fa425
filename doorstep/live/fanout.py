"""Per-process sharing of what every subscriber of one change would otherwise compute alone.

One change reaches all subscribers of an application at the same moment; without sharing, each
of them reads the application's state and renders the event in its language on its own, so
10,000 subscribers cost 10,000 queries. Here:

- the application's state is read once per (application, sequence reached), usually by the
  event hub before it hands out the change (`prefetch_states`): a subscriber whose update is
  at a later sequence gets a fresh read, and an entry lives only `STATE_SECONDS`; concurrent
  askers of one key wait for the same read;
- an application's number (it never changes) is read once;
- the message for one event is built once per (event sequence, application number, language,
  elder mode): subscribers of another language or mode get their own;
- that message is executed once per (operation document, variables, language, elder mode)
  (`live.short_path`), its result encoded and framed once (`live.session`,
  `live.connection`), so subscribers asking the same get the same bytes.

Authorization is not cached here: every subscription is authorized when it starts (see
`live.progress`), and only what an authorized subscriber is about to be sent is shared.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from doorstep.services import applications
from doorstep.services.applications import ApplicationView
from doorstep.services.deps import Deps

K = TypeVar("K")
V = TypeVar("V")

STATE_SECONDS = 2.0
MAX_ENTRIES = 4096


class SharedCache(Generic[K, V]):
    """A small LRU of computed values with an optional time to live; one computation per key
    at a time, whoever else asks meanwhile awaits it."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float | None = None) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._running: dict[K, asyncio.Future[V]] = {}
        self._max = max_entries
        self._ttl = ttl
        self.computed = 0

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._ttl is not None and time.monotonic() - entry[0] >= self._ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            value = make()
            self.computed += 1
            self.put(key, value)
        return value

    async def get_or_fetch(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        value = self.get(key)
        if value is not None:
            return value
        running = self._running.get(key)
        if running is None:
            # one task per key, not per asker: an asker that goes away (its subscriber
            # disconnected) cancels neither the read nor the others waiting for it
            running = asyncio.ensure_future(self._fetch(key, fetch))
            self._running[key] = running
        return await asyncio.shield(running)

    async def _fetch(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await fetch()
        finally:
            del self._running[key]
        self.computed += 1
        self.put(key, value)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)


# a 1-tuple, so that "no such application" is remembered like any other answer
states: SharedCache[tuple[int, int], tuple[ApplicationView | None]] = SharedCache(ttl=STATE_SECONDS)
numbers: SharedCache[int, str] = SharedCache()


async def current_state(deps: Deps, application_id: int, seq: int) -> ApplicationView | None:
    """The application's state for an update at `seq`: one read per (application, seq)."""

    async def read() -> tuple[ApplicationView | None]:
        return (await applications.current_state(deps, application_id),)

    return (await states.get_or_fetch((application_id, seq), read))[0]


def state_now(application_id: int, seq: int) -> tuple[ApplicationView | None] | None:
    """The state for an update at `seq` if it is already read (a 1-tuple), else None."""
    return states.get((application_id, seq))


async def prefetch_states(deps: Deps, rows: list[Any]) -> None:
    """Before the hub hands new events to subscribers: each application's state read once,
    remembered for every event of it, so that a subscription asking for `application` is
    answered without waiting, in the same pass as the others (see `live.short_path`)."""
    seqs: dict[int, list[int]] = {}
    for row in rows:
        if row["application_id"] is not None:
            seqs.setdefault(row["application_id"], []).append(row["seq"])
    if not seqs:
        return
    # one query for all of them: a read after an outage may bring hundreds of applications
    views = await applications.current_states(deps, list(seqs))
    for application_id, application_seqs in seqs.items():
        view = views.get(application_id)
        if view is not None:
            numbers.put(application_id, view.number)  # a first change of a newer application
        for seq in application_seqs:
            states.put((application_id, seq), (view,))


async def number_of(deps: Deps, application_id: int) -> str:
    async def read() -> str:
        view = await applications.current_state(deps, application_id)
        return view.number if view else ""

    value = numbers.get(application_id)
    if value is not None:
        return value
    value = await numbers.get_or_fetch(application_id, read)
    if not value:
        # not found: do not remember, a later read may see it
        numbers.forget(application_id)
    return value
