"""A small migration runner: plain SQL files applied in order, each once, under an advisory lock.

Why our own and not dbmate: it needs no extra binary, runs over the same asyncpg connection as
the service, and the advisory lock lets two processes (two release commands, a dev server and a
test run) call it at once safely: the second waits, then finds nothing left to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from doorstep.store.db import Connection
from doorstep.store.rows import Row, fetch
from doorstep.store.typed import fetch_column, fetch_optional

# Any constant: every migrator takes this same lock.
_LOCK_KEY = 0x646F6F72  # "door"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    folder = resources.files("doorstep.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        version_text, _, rest = entry.name.partition("_")
        found.append(Migration(int(version_text), rest.removesuffix(".sql"), entry.read_text()))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found


class MigrationMismatch(RuntimeError):
    pass


class _AppliedRow(Row):
    version: int
    checksum: str


async def migrate(conn: Connection, progress: Callable[[str], None] | None = None) -> list[str]:
    """Apply every migration not yet applied; returns the names applied now."""
    say = progress or (lambda _msg: None)
    applied_now: list[str] = []
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """create table if not exists schema_migrations (
                   version int primary key,
                   name text not null,
                   checksum text not null,
                   applied_at timestamptz not null default now())"""
        )
        done = {
            r.version: r.checksum
            for r in await fetch(
                conn, _AppliedRow, "select version, checksum from schema_migrations"
            )
        }
        pending = available_migrations()
        for migration in pending:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationMismatch(
                        f"migration {migration.version}_{migration.name} was changed after it "
                        "was applied; add a new migration instead"
                    )
                continue
            say(f"applying {migration.version:04d}_{migration.name}")
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(f"{migration.version:04d}_{migration.name}")
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


async def pending_migrations(conn: Connection) -> list[Migration]:
    """The migrations of this release the database has not applied (all of them when empty)."""
    available = available_migrations()
    ledger = "select to_regclass('schema_migrations')::text"
    if await fetch_optional(conn, str, ledger) is None:
        return available
    applied = set(await fetch_column(conn, int, "select version from schema_migrations"))
    return [m for m in available if m.version not in applied]
