"""A process where nobody follows changes spends nothing on them: no LISTEN connection (so
PostgreSQL hands it no NOTIFY) and no read, and a subscriber that comes later still misses
nothing."""

from __future__ import annotations

import asyncio
import os

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


async def _listening(pool: Pool) -> int:
    """This process's LISTEN connections."""
    count: int = await pool.fetchval(
        "select count(*) from pg_stat_activity where application_name = $1",
        f"doorstep-listener-{os.getpid()}",
    )
    return count


async def test_nobody_following_means_no_listening_and_no_reads(
    pool: Pool, settings: Settings
) -> None:
    hub = EventHub(pool, settings.database_url, poll_seconds=3600)  # no tick in this test
    hub.listener._linger_seconds = 0.2
    await hub.start()
    try:
        citizen_id = await pool.fetchval("select min(id) from citizens")
        await _change(pool, citizen_id)
        await asyncio.sleep(0.2)
        # nobody follows: PostgreSQL hands its NOTIFYs to no connection of ours, and nothing
        # is read
        assert not hub.listener.connected.is_set() and await _listening(pool) == 0
        assert hub.reads == 0
        with hub.subscribe(("citizen", citizen_id)) as subscription:
            # a change committed before the LISTEN is in place is read when it is
            seq = await _change(pool, citizen_id)
            await asyncio.wait_for(subscription.wake.wait(), 10)
            assert hub.listener.connected.is_set() and await _listening(pool) == 1
            subscription.wake.clear()
            later = await _change(pool, citizen_id)
            await asyncio.wait_for(subscription.wake.wait(), 10)
            assert {seq, later} <= {row.seq for row in subscription.pending}
        # the last follower gone, the connection closes after its linger
        for _ in range(100):
            if await _listening(pool) == 0:
                break
            await asyncio.sleep(0.05)
        assert await _listening(pool) == 0 and not hub.listener.connected.is_set()
        reads = hub.reads
        await _change(pool, citizen_id)
        await asyncio.sleep(0.2)
        assert hub.reads == reads
        # and opens again for the next one
        with hub.subscribe(("citizen", citizen_id)):
            await asyncio.wait_for(hub.listener.connected.wait(), 10)
            assert hub.listener.connections_made == 2
    finally:
        await hub.stop()


async def test_a_follower_coming_back_within_the_linger_keeps_the_connection(
    pool: Pool, settings: Settings
) -> None:
    hub = EventHub(pool, settings.database_url, poll_seconds=3600)
    await hub.start()
    try:
        with hub.subscribe(("citizen", 1)):
            await asyncio.wait_for(hub.listener.connected.wait(), 10)
        with hub.subscribe(("citizen", 2)):
            await asyncio.sleep(0.1)
        assert hub.listener.connected.is_set() and hub.listener.connections_made == 1
    finally:
        await hub.stop()
