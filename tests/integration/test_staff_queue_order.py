"""The staff queue stream across citizens: a change whose sequence was taken earlier but that
commits later (another citizen's transaction was still open) still reaches the clerk, once.
Per citizen, events commit in sequence order; across a unit's citizens they need not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.live import staff_queue
from doorstep.live.event_hub import EventHub
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.db import Pool
from tests.integration.helpers import gql

SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'


async def test_a_late_commit_below_the_highest_sent_still_arrives(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tokens: dict[str, str]
) -> None:
    deps = Deps(pool=pool, settings=settings)
    apps = []
    for who in ("citizen", "other_citizen"):
        number = (await gql(client, SUBMIT, token=tokens[who]))["data"]["submitApplication"][
            "number"
        ]
        row = await pool.fetchrow(
            "select id, citizen_id from applications where number = $1", number
        )
        assert row is not None
        apps.append(row)
    actor = await actor_for_token(deps, tokens["staff"])  # cy-psb: a task in both
    assert actor is not None
    hub = EventHub(pool, settings.database_url, poll_seconds=0.2)
    await hub.start()
    stream = staff_queue.unit_queue_updates(deps, hub, actor)
    assert isinstance(stream, AsyncGenerator)
    got: list[int] = []
    try:
        opening = await stream.__anext__()
        assert opening.event is None

        async def consume() -> None:
            async for change in stream:
                got.append(change.seq)

        consumer = asyncio.ensure_future(consume())
        # the first citizen's change takes its sequence and waits; the second commits first
        async with pool.acquire() as slow:
            transaction = slow.transaction()
            await transaction.start()
            early = await events.append(
                slow,
                kind="test.slow",
                actor_kind="staff",
                actor_id=None,
                application_id=apps[0]["id"],
                citizen_id=apps[0]["citizen_id"],
            )
            async with pool.acquire() as fast, fast.transaction():
                late = await events.append(
                    fast,
                    kind="test.fast",
                    actor_kind="staff",
                    actor_id=None,
                    application_id=apps[1]["id"],
                    citizen_id=apps[1]["citizen_id"],
                )
            for _ in range(100):
                if late in got:
                    break
                await asyncio.sleep(0.05)
            assert got == [late] and early < late
            await transaction.commit()
        for _ in range(100):
            if early in got:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # and nothing twice
        assert got == [late, early]
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
    finally:
        await stream.aclose()
        await hub.stop()
    assert hub.subscriber_count == 0
