"""An idle subscriber is offered each change at once (`deliver`); what it declines comes the
queued way. Whichever way each change takes, the subscriber has every one, in order, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.live import progress
from doorstep.live.event_hub import EventHub
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.db import Pool
from tests.integration.helpers import gql

SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'
CHANGES = 30


async def _append(pool: Pool, application_id: int, citizen_id: int, kind: str) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await events.append(
            conn,
            kind=kind,
            actor_kind="staff",
            actor_id=None,
            application_id=application_id,
            citizen_id=citizen_id,
        )


async def test_changes_offered_at_once_or_queued_arrive_in_order_once(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tokens: dict[str, str]
) -> None:
    deps = Deps(pool=pool, settings=settings)
    number = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"][
        "number"
    ]
    app = await pool.fetchrow("select id, citizen_id from applications where number = $1", number)
    assert app is not None
    actor = await actor_for_token(deps, tokens["citizen"])
    assert actor is not None
    hub = EventHub(pool, settings.database_url, poll_seconds=0.2)
    await hub.start()
    got: list[tuple[str, int]] = []
    all_in = asyncio.Event()
    offered = 0

    def record(way: str, seq: int) -> None:
        got.append((way, seq))
        if len(got) >= CHANGES:
            all_in.set()

    def deliver(update: progress.ProgressUpdate) -> bool:
        nonlocal offered
        offered += 1
        if offered % 3 == 0:  # a socket that has no room just now, say
            return False
        record("at once", update.seq)
        return True

    stream = progress.application_progress(deps, hub, actor, number, None, deliver)
    assert isinstance(stream, AsyncGenerator)
    opening = await stream.__anext__()
    assert opening.event is None

    async def consume() -> None:
        async for update in stream:
            record("queued", update.seq)
            await asyncio.sleep(0.01)  # busy a moment: what comes meanwhile must queue

    consumer = asyncio.ensure_future(consume())
    try:
        appended = []
        for i in range(CHANGES):
            appended.append(await _append(pool, app["id"], app["citizen_id"], f"test.{i}"))
            if i % 4 == 0:  # some changes together, some apart
                await asyncio.sleep(0.05)
        await asyncio.wait_for(all_in.wait(), 30)
        await asyncio.sleep(0.3)  # nothing more may come
        assert [seq for _, seq in got] == appended
        ways = {way for way, _ in got}
        assert ways == {"at once", "queued"}, got
    finally:
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await stream.aclose()
        await hub.stop()
    # the subscription left the hub with its stream
    assert hub.subscriber_count == 0
