"""A process where nobody follows changes spends no query on them: a hint waits for the tick
while nobody is subscribed, and a subscriber that comes later still misses nothing."""

from __future__ import annotations

import asyncio

from doorstep.config import Settings
from doorstep.live.event_hub import EventHub
from doorstep.store import events
from doorstep.store.db import Pool


async def _change(pool: Pool, citizen_id: int) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await events.append(
            conn,
            kind="citizen.profile_changed",
            actor_kind="citizen",
            actor_id=citizen_id,
            application_id=None,
            citizen_id=citizen_id,
        )


async def test_hints_nobody_follows_are_not_read(pool: Pool, settings: Settings) -> None:
    hub = EventHub(pool, settings.database_url, poll_seconds=3600)  # no tick in this test
    hinted = asyncio.Event()
    hint = hub.listener._on_hint

    def hint_and_note() -> None:
        hint()
        hinted.set()

    hub.listener._on_hint = hint_and_note
    await hub.start()
    try:
        await asyncio.wait_for(hub.listener.connected.wait(), 10)
        citizen_id = await pool.fetchval("select min(id) from citizens")
        await _change(pool, citizen_id)
        await asyncio.wait_for(hinted.wait(), 10)
        await asyncio.sleep(0.05)  # the pump's turn: it reads nothing for nobody
        assert hub.reads == 0
        with hub.subscribe(("citizen", citizen_id)) as subscription:
            seq = await _change(pool, citizen_id)
            await asyncio.wait_for(subscription.wake.wait(), 10)
            assert seq in [row.seq for row in subscription.pending]
        assert hub.reads == 1  # one read, for the subscriber, that also caught up
    finally:
        await hub.stop()
