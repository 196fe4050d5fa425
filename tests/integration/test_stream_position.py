"""`me { lastSeq }`: the starting point of `myUpdates`, so nothing slips between loading a page
and subscribing to its changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.live import progress
from doorstep.live.event_hub import EventHub
from doorstep.services import applications
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.db import Pool
from tests.integration.helpers import gql

SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'
PAGE = "{ me { lastSeq } myApplications { number status } }"
# the list first: fields run concurrently, the position must still be read before it
PAGE_LIST_FIRST = "{ myApplications { number status } me { lastSeq } }"


@pytest.fixture
async def hub(pool: Pool, settings: Settings) -> AsyncIterator[EventHub]:
    h = EventHub(pool, settings.database_url, poll_seconds=0.2)
    await h.start()
    yield h
    await h.stop()


async def _change(pool: Pool, number: str, kind: str) -> int:
    """A clerk's change to the application: one event in its own transaction."""
    app = await pool.fetchrow("select id, citizen_id from applications where number = $1", number)
    assert app is not None
    async with pool.acquire() as conn, conn.transaction():
        return await events.append(
            conn,
            kind=kind,
            actor_kind="staff",
            actor_id=None,
            application_id=app["id"],
            citizen_id=app["citizen_id"],
        )


async def _first_update(stream: AsyncIterator[progress.ProgressUpdate]) -> int | None:
    try:
        update = await asyncio.wait_for(stream.__anext__(), 3)
    except TimeoutError:
        return None
    return update.seq


async def test_a_change_between_page_load_and_subscribe_arrives(
    client: AsyncTestClient[Any],
    pool: Pool,
    settings: Settings,
    hub: EventHub,
    tokens: dict[str, str],
) -> None:
    token = tokens["citizen"]
    number = (await gql(client, SUBMIT, token=token))["data"]["submitApplication"]["number"]
    page = await gql(client, PAGE, token=token)
    assert "errors" not in page, page
    last_seq = page["data"]["me"]["lastSeq"]
    assert int(last_seq) == await events.last_of_citizen(
        pool,
        await pool.fetchval("select citizen_id from applications where number = $1", number),
    )

    # the clerk acts while the page is open, before it subscribes
    missed = await _change(pool, number, "test.between_load_and_subscribe")
    assert missed > int(last_seq)

    deps = Deps(pool=pool, settings=settings)
    actor = await actor_for_token(deps, token)
    assert actor is not None
    # without a starting point the stream begins after the change: the page never sees it
    blind = progress.my_updates(deps, hub, actor, None)
    assert await _first_update(blind) is None
    await blind.aclose()  # type: ignore[attr-defined]
    # from lastSeq it comes, once
    resumed = progress.my_updates(deps, hub, actor, int(last_seq))
    assert await _first_update(resumed) == missed
    assert await _first_update(resumed) is None
    await resumed.aclose()  # type: ignore[attr-defined]


async def test_the_position_is_read_before_the_page(
    client: AsyncTestClient[Any],
    pool: Pool,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = tokens["citizen"]
    number = (await gql(client, SUBMIT, token=token))["data"]["submitApplication"]["number"]
    committed: list[int] = []

    def while_a_change_commits(read_list: Any) -> Any:
        async def list_while_a_change_commits(*args: Any, **kwargs: Any) -> Any:
            # a change commits just as the list is read: the list shows it, so the position
            # must be older than it (it then comes again in the stream; never in neither)
            deps: Deps = args[0]  # the app's pool: it runs on the app's own loop
            committed.append(await _change(deps.pool, number, "test.during_page_read"))
            return await read_list(*args, **kwargs)

        return list_while_a_change_commits

    # the list as strawberry reads it, and as the precompiled path does (which answers a page)
    for name in ("my_applications", "my_application_rows"):
        monkeypatch.setattr(applications, name, while_a_change_commits(getattr(applications, name)))
    page = await gql(client, PAGE_LIST_FIRST, token=token)
    assert "errors" not in page, page
    assert committed and int(page["data"]["me"]["lastSeq"]) < committed[0]


async def test_staff_have_no_stream(client: AsyncTestClient[Any], tokens: dict[str, str]) -> None:
    page = await gql(client, "{ me { lastSeq } }", token=tokens["staff"])
    assert page["data"]["me"]["lastSeq"] is None
