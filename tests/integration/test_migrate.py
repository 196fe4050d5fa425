"""Migrations: each applied once, in order, even when two processes migrate at the same time."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import asyncpg
import pytest
from click.testing import CliRunner

from doorstep.cli import main
from doorstep.store.db import connect
from doorstep.store.migrate import (
    MigrationMismatch,
    available_migrations,
    migrate,
    pending_migrations,
)
from tests.conftest import with_database


async def _fresh_database() -> tuple[str, str]:
    server = os.environ["DATABASE_URL"]
    name = f"doorstep_migrate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'create database "{name}"')
    await admin.close()
    return name, with_database(server, name)


async def _drop(name: str) -> None:
    admin = await asyncpg.connect(os.environ["DATABASE_URL"])
    await admin.execute(f'drop database if exists "{name}" with (force)')
    await admin.close()


async def test_concurrent_migrators_apply_each_migration_once() -> None:
    name, url = await _fresh_database()
    try:
        conns = [await connect(url) for _ in range(4)]
        results = await asyncio.gather(*(migrate(c) for c in conns))
        for c in conns:
            await c.close()
        applied = [name for result in results for name in result]
        expected = [f"{m.version:04d}_{m.name}" for m in available_migrations()]
        assert sorted(applied) == sorted(expected)  # every one exactly once, across all four
        conn = await connect(url)
        rows = await conn.fetch("select version from schema_migrations order by version")
        assert [r["version"] for r in rows] == [m.version for m in available_migrations()]
        assert await migrate(conn) == []  # nothing left to do
        await conn.close()
    finally:
        await _drop(name)


async def test_two_migrate_processes_at_once() -> None:
    """The real CLI, twice in parallel, as two release commands would run it."""
    name, url = await _fresh_database()
    try:
        env = {**os.environ, "DATABASE_URL": url}
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "doorstep", "migrate", env=env, stderr=asyncio.subprocess.PIPE
            )
            for _ in range(2)
        ]
        outputs = [(await p.communicate())[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        conn = await connect(url)
        count = await conn.fetchval("select count(*) from schema_migrations")
        assert count == len(available_migrations())
        await conn.close()
    finally:
        await _drop(name)


async def test_changed_migration_is_refused(db_conn: asyncpg.Connection[asyncpg.Record]) -> None:
    first = available_migrations()[0]
    await db_conn.execute(
        "update schema_migrations set checksum = 'x' where version = $1", first.version
    )
    try:
        with pytest.raises(MigrationMismatch):
            await migrate(db_conn)
    finally:
        await db_conn.execute(
            "update schema_migrations set checksum = $2 where version = $1",
            first.version,
            first.checksum,
        )


async def test_pending_migrations_name_what_the_database_lacks() -> None:
    name, url = await _fresh_database()
    try:
        conn = await connect(url)
        assert await pending_migrations(conn) == available_migrations()  # no ledger at all
        await migrate(conn)
        assert await pending_migrations(conn) == []
        last = available_migrations()[-1]
        await conn.execute("delete from schema_migrations where version = $1", last.version)
        assert await pending_migrations(conn) == [last]
        await conn.close()
    finally:
        await _drop(name)


async def test_serve_and_worker_refuse_an_unmigrated_database_in_one_line() -> None:
    """Not a traceback from deep in start-up: the line names the command that fixes it."""
    name, url = await _fresh_database()
    try:
        env = {**os.environ, "DATABASE_URL": url, "DOORSTEP_DEV": "1"}
        for command in ("serve", "worker"):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "doorstep", command, env=env, stderr=asyncio.subprocess.PIPE
            )
            _out, err = await asyncio.wait_for(process.communicate(), 60)
            text = err.decode()
            assert process.returncode == 2, text
            count = len(available_migrations())
            assert f"refusing to start: the database lacks {count} migration(s)" in text
            assert "run `doorstep migrate` first" in text and "Traceback" not in text
    finally:
        await _drop(name)


async def test_check_names_an_unmigrated_database() -> None:
    name, url = await _fresh_database()
    try:
        env = {"DATABASE_URL": url, "DOORSTEP_DEV": ""}
        result = await asyncio.to_thread(CliRunner().invoke, main, ["check"], env=env)
        assert result.exit_code == 1
        assert "✗ DATABASE_URL: the database lacks" in result.output
        conn = await connect(url)
        await migrate(conn)
        await conn.close()
        result = await asyncio.to_thread(CliRunner().invoke, main, ["check"], env=env)
        assert "DATABASE_URL: the database lacks" not in result.output
    finally:
        await _drop(name)
