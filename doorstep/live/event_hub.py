"""The event hub of one API process: reads new events once and hands them to subscribers.

Hints (NOTIFY at commit) and a periodic tick both trigger one read of every event past the
highest sequence seen (hints only while someone is subscribed here: the LISTEN connection is
open only then, see `store.listener`); the events are then
fanned out in memory to the subscriptions keyed by their application and citizen. So a change
costs one query per process, not one per subscriber, and a lost hint costs latency, never an
event.

Sequence numbers are taken at insert and committed later, so a read can see 11 before 10
commits. Such holes are remembered and asked for again for a while; a hole never blocks others,
because each application's (and citizen's) own events commit in sequence order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import asyncpg

from doorstep.observability.metrics import HUB_LAG, SUBSCRIPTIONS
from doorstep.store import events
from doorstep.store.db import Pool
from doorstep.store.events import EventRow
from doorstep.store.listener import Listener

log = logging.getLogger(__name__)

Key = tuple[str, int]  # ("application", id), ("citizen", id), or STAFF_KEY
# staff queues follow every application's events and keep those of their units
# (`live.staff_queue`): a few hundred staff subscribers, each filtering, against one key
STAFF_KEY: Key = ("staff", 0)
# staff ticket queues likewise follow every ticket's events (`live.staff_tickets`)
TICKETS_KEY: Key = ("staff_tickets", 0)
HOLE_SECONDS = 120.0
READ_BATCH = 2000
# a jump larger than this is not a few open transactions; remember only its start
MAX_NEW_HOLES = 10_000


MAX_PENDING = 1000
# sequences a staff stream already sent, and applications it placed in or out of its units
SEEN_LIMIT = 4096
# how long stop() waits for its tasks to finish after cancelling them
STOP_SECONDS = 5.0


class Wake:
    """asyncio.Event's set/clear/wait for one waiter at a time, without the deque of waiters
    an Event allocates (600 bytes): one exists per open subscription."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        self._set = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    async def wait(self) -> None:
        if self._set:
            return
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        try:
            await waiter
        finally:
            self._waiter = None


@dataclass(eq=False, slots=True)
class Subscription:
    """What one subscriber has not taken yet. A short list and one wake: this object exists
    once per open subscription, so it is kept small.

    `take`, while its consumer is idle, is offered each new row first: it returns True when it
    has dealt with the row there and then (see `live.progress`), False to have it queued
    and the consumer woken, which also holds back later rows behind it, so order is kept."""

    key: Key
    # a list, not a deque (600 bytes when empty): it holds one or two rows between wakes
    pending: list[EventRow] = field(default_factory=list)
    # a consumer too slow for its backlog re-reads from the database instead
    overflowed: bool = False
    wake: Wake = field(default_factory=Wake)
    take: Callable[[EventRow], bool] | None = None

    def push(self, rows: list[EventRow]) -> None:
        """New rows of this subscription's stream, in sequence order."""
        take = self.take
        if take is not None and not self.pending and not self.overflowed:
            taken = 0
            try:
                for row in rows:
                    if not take(row):
                        break
                    taken += 1
            except Exception:  # the consumer meets it again, queued, and answers for it
                log.exception("delivering an event at once failed; queued instead")
            if taken == len(rows):
                return
            self.take = None
            rows = rows[taken:]
        room = MAX_PENDING - len(self.pending)
        if len(rows) > room:
            self.overflowed = True
            rows = rows[: max(room, 0)]
        self.pending.extend(rows)
        self.wake.set()


class Seen:
    """A bounded set that forgets its oldest members: the sequences a staff stream already
    sent (deduplicated, not cut at the highest: see `staff_queue`)."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, bool] = OrderedDict()

    def __contains__(self, key: int) -> bool:
        return key in self._items

    def get(self, key: int) -> bool | None:
        return self._items.get(key)

    def keys(self) -> set[int]:
        return set(self._items)

    def put(self, key: int, value: bool = True) -> None:
        self._items[key] = value
        if len(self._items) > SEEN_LIMIT:
            self._items.popitem(last=False)


# made ready, before subscribers are handed the rows, what all of them will need (one read
# for all, not one each): `live.fanout.prefetch_states`
Prepare = Callable[[list[EventRow]], Awaitable[None]]


class EventHub:
    def __init__(
        self, pool: Pool, dsn: str, *, poll_seconds: float = 2.0, prepare: Prepare | None = None
    ) -> None:
        self._pool = pool
        self._poll_seconds = poll_seconds
        self._prepare = prepare
        self._subscriptions: dict[Key, set[Subscription]] = defaultdict(set)
        self._high = 0
        self._holes: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.listener = Listener(dsn, events.EVENTS_CHANNEL, self._wake.set, self._wake.set)
        self.reads = 0

    async def start(self) -> None:
        self._high = await events.max_seq(self._pool)
        self._tasks = [
            asyncio.create_task(self.listener.run(), name="event-listener"),
            asyncio.create_task(self._pump(), name="event-pump"),
        ]

    async def stop(self) -> None:
        self.listener.stop()
        for task in self._tasks:
            task.cancel()
        # bounded: a shutdown that waits forever on a task keeps a SIGTERMed process (and a
        # test's lifespan) alive with it
        if not self._tasks:
            return
        _done, stuck = await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
        for task in stuck:
            log.error("event hub task %s did not stop within %s s", task.get_name(), STOP_SECONDS)

    @contextlib.contextmanager
    def subscribe(self, key: Key) -> Iterator[Subscription]:
        subscription = Subscription(key)
        if not self._subscriptions:
            self.listener.want(True)
        self._subscriptions[key].add(subscription)
        SUBSCRIPTIONS.inc()
        try:
            yield subscription
        finally:
            SUBSCRIPTIONS.dec()
            subscribers = self._subscriptions.get(key)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscriptions[key]
            if not self._subscriptions:
                self.listener.want(False)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscriptions.values())

    async def _pump(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that lands as the wait ends, and this loop would then outlive stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_seconds):
                    await self._hint_for_someone()
            self._wake.clear()
            try:
                await self._read()
            except (TimeoutError, OSError, asyncpg.PostgresError):
                log.warning("reading new events failed; retrying on the next tick", exc_info=True)

    async def _hint_for_someone(self) -> None:
        """Until a hint arrives while someone here is subscribed. The events of a hint nobody
        here follows would be read only to be dropped, and a subscriber that comes later reads
        its own start from the database before it takes anything pushed (`live.progress`); so
        while nobody is subscribed, the tick alone reads, keeping the highest sequence (and the
        holes) current. A process serving only queries and mutations then spends no query per
        change (one read per submission on the busiest write)."""
        while True:
            await self._wake.wait()
            if self._subscriptions:
                return
            self._wake.clear()

    async def _read(self) -> None:
        while True:
            now = time.monotonic()
            self._holes = {s: t for s, t in self._holes.items() if now - t < HOLE_SECONDS}
            rows = await events.after(self._pool, self._high, list(self._holes), READ_BATCH)
            self.reads += 1
            if rows:
                # once per read, never per row or subscriber: the newest event's wait
                HUB_LAG.observe(max(time.time() - rows[-1].created_at.timestamp(), 0.0))
            expected = self._high + 1
            for row in rows:
                seq = row.seq
                if seq in self._holes:
                    del self._holes[seq]
                elif seq > self._high:
                    # sequences skipped on the way are holes: not committed yet, or never
                    for missing in range(expected, min(seq, expected + MAX_NEW_HOLES)):
                        self._holes.setdefault(missing, now)
                    expected = seq + 1
                    self._high = seq
            await self._prepared(rows)
            self._dispatch(rows)
            if len(rows) < READ_BATCH:
                return

    async def _prepared(self, rows: list[EventRow]) -> None:
        """Only rows someone here follows are prepared; a failure costs speed, not events."""
        if self._prepare is None:
            return
        followed = [
            row
            for row in rows
            if ("application", row.application_id) in self._subscriptions
            or ("citizen", row.citizen_id) in self._subscriptions
        ]
        if not followed:
            return
        try:
            await self._prepare(followed)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            log.warning("preparing events for subscribers failed", exc_info=True)

    def _dispatch(self, rows: list[EventRow]) -> None:
        """Each subscription gets the rows of its stream in one call: one change is often
        two or three events (the task's, the application's status), and 10,000 subscribers
        then cost one hand-over each, not three."""
        by_key: dict[Key, list[EventRow]] = {}
        staff = STAFF_KEY in self._subscriptions
        tickets = TICKETS_KEY in self._subscriptions
        for row in rows:
            for key in (("application", row.application_id), ("citizen", row.citizen_id)):
                if key[1] is not None and key in self._subscriptions:
                    by_key.setdefault(key, []).append(row)
            if staff and row.application_id is not None:
                by_key.setdefault(STAFF_KEY, []).append(row)
            if tickets and row.ticket_id is not None:
                by_key.setdefault(TICKETS_KEY, []).append(row)
        for key, keyed in by_key.items():
            for subscription in list(self._subscriptions.get(key, ())):
                subscription.push(keyed)
