"""Shared fixtures: a fresh, migrated and seeded database on the given PostgreSQL; Redis.

DATABASE_URL / REDIS_URL name the servers (CI: the machine's; otherwise the embedded ones are
started). Each run works in its own database, dropped at the end, and its own queue name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import io
import logging
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from doorstep.config import Settings, SmsSettings
from doorstep.observability import logs
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, connect, create_pool
from doorstep.store.migrate import migrate
from doorstep.store.seed import load_demo_data

TEST_DATA_KEY = bytes(range(32))
TEST_INDEX_KEY = bytes(range(32, 64))
TEST_CALLBACK_TOKEN = "test-callback-token-0123456789abcdef"


def pytest_configure(config: pytest.Config) -> None:
    """Start the embedded servers (outside any event loop) when no URLs are given."""
    if os.environ.get("DOORSTEP_EMBEDDED_SMOKE"):
        return  # that run starts `doorstep dev`, which starts its own
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        from doorstep import embedded

        state = Path(os.environ.get("DOORSTEP_TEST_STATE_DIR", ".doorstep/test"))
        os.environ.setdefault("DATABASE_URL", embedded.start_postgres(state, "postgres"))
        os.environ.setdefault("REDIS_URL", embedded.start_redis(state))


HANG_DUMP_MARGIN = 5.0
_armed_timers: dict[str, threading.Timer] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    """Arm a dump of every pending asyncio task shortly before pytest-timeout kills a hung test.

    pytest-timeout's own dump shows threads only; in a test stuck on an await, every thread sits
    in the event loop's select, and the task stacks are what says where it waits.
    """
    marker = item.get_closest_marker("timeout")
    timeout = float(marker.args[0] if marker else item.config.getini("timeout") or 0)
    if timeout <= HANG_DUMP_MARGIN:
        return
    timer = threading.Timer(timeout - HANG_DUMP_MARGIN, _dump_pending_tasks, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    _armed_timers[item.nodeid] = timer


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    del location
    timer = _armed_timers.pop(nodeid, None)
    if timer is not None:
        timer.cancel()


def _dump_pending_tasks(nodeid: str) -> None:
    out = sys.stderr
    print(f"\n+++ {nodeid} still running: pending asyncio tasks +++", file=out)
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.Task) and not obj.done():
            obj.print_stack(file=out)
    out.flush()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    smoke = bool(os.environ.get("DOORSTEP_EMBEDDED_SMOKE"))
    skip = pytest.mark.skip(reason="embedded smoke test: run by .ci/run on its own")
    for item in items:
        if ("embedded" in item.keywords) != smoke:
            item.add_marker(skip if not smoke else pytest.mark.skip(reason="not in smoke run"))


def _server_urls() -> tuple[str, str]:
    return os.environ["DATABASE_URL"], os.environ["REDIS_URL"]


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@asynccontextmanager
async def demo_database(name: str) -> AsyncIterator[str]:
    """A new database on the test server, migrated and holding the demo data under the test
    keys; its URL, and the database dropped afterwards."""
    server_url, _ = _server_urls()
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'create database "{name}"')
    url = with_database(server_url, name)
    conn = await connect(url)
    try:
        await migrate(conn)
        async with conn.transaction():
            await load_demo_data(conn, data_key=TEST_DATA_KEY, index_key=TEST_INDEX_KEY)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(run_id: str) -> AsyncIterator[str]:
    async with demo_database(f"doorstep_test_{run_id}") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    _, redis_url = _server_urls()
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        dev_mode=True,
        data_key=TEST_DATA_KEY,
        index_key=TEST_INDEX_KEY,
        # one test client address logs in many people; the per-address limit has its own test
        login_codes_per_client_hour=100_000,
        # likewise the global hourly budget (its own test turns it on)
        login_codes_per_hour=0,
        # the demo citizen files hundreds of tickets; the ticket limits have their own tests
        tickets_per_citizen_hour=100_000,
        tickets_per_citizen_day=100_000,
        tickets_per_client_hour=100_000,
        # likewise the demo citizen's applications (their limits have their own test)
        applications_per_citizen_hour=100_000,
        applications_per_citizen_day=100_000,
        queue_name=f"doorstep:test:{run_id}",
        sms=SmsSettings(callback_token=TEST_CALLBACK_TOKEN),
        # dev: asked of those enrolled (the login helper enrols every staff member it logs in);
        # its own tests turn the requirement on
        staff_totp_required=False,
        files_dir=str(tmp_path_factory.mktemp("files")),
    )


@pytest.fixture(scope="session")
async def pool(settings: Settings) -> AsyncIterator[Pool]:
    p = await create_pool(settings.database_url, min_size=1, max_size=10)
    yield p
    await p.close()


@pytest.fixture
def deps(pool: Pool, settings: Settings) -> Deps:
    return Deps(pool=pool, settings=settings)


@pytest.fixture
async def db_conn(pool: Pool) -> AsyncIterator[asyncpg.Connection[asyncpg.Record]]:
    async with pool.acquire() as conn:
        yield conn  # type: ignore[misc]


@pytest.fixture
def strict_settings(settings: Settings) -> Iterator[Settings]:
    yield dataclasses.replace(settings, login_codes_per_client_hour=3)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The process's log lines as written (JSON, masked), captured; the handlers put back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    logs.configure(json_lines=True, stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
