"""Operators' commands: `doorstep staff-totp`, `api-key`, `sms-templates`, `sms-resume`,
`broadcast`, `vapid` and `holidays`. Registered on the main group by cli.py, like admin_cli.py's;
the helpers they share with the other commands are read from there when a command runs.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import click

from doorstep.config import Settings, dev_mode_from_env


def _shared() -> Any:
    from doorstep import cli

    return cli


@click.command(
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

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    # the data key encrypts the secret: outside dev it must be the service's own
    settings = Settings.from_env(dev_mode=dev_mode_from_env())
    try:
        uri = asyncio.run(
            _shared()._with_deps(
                settings, lambda d: staff_totp.enrol_by_operator(d, phone, reset=reset)
            )
        )
    except DomainError as exc:
        raise click.ClickException(exc.code) from None
    _shared()._say("second factor enrolled; the URI is shown only now (a QR code of it works too):")
    click.echo(uri)


@click.group("api-key", help="API keys of third-party apps (Open311 clients).")
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

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)  # needs only the database
    try:
        issued = asyncio.run(
            _shared()._with_deps(settings, lambda d: api_keys.issue(d, name, list(scopes)))
        )
    except DomainError as exc:
        raise click.ClickException(
            f"{exc.code}: {translate('error.' + exc.code, 'en', **exc.params)}"
        ) from None
    _shared()._say(
        f"key {issued.id} for {issued.name!r} ({', '.join(issued.scopes)}); shown only now:"
    )
    click.echo(issued.key)


@api_key.command("revoke", help="Revoke a key at once (by its id, see `api-key list`).")
@click.argument("key_id", type=int)
def api_key_revoke(key_id: int) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.services import api_keys

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)
    try:
        asyncio.run(_shared()._with_deps(settings, lambda d: api_keys.revoke(d, key_id)))
    except DomainError as exc:
        raise click.ClickException(exc.code) from None
    _shared()._say(f"key {key_id} revoked")


@api_key.command("list", help="Every key: id, app, prefix, scopes, issued, revoked, last used.")
def api_key_list() -> None:
    from doorstep.services import api_keys

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)
    for k in asyncio.run(_shared()._with_deps(settings, api_keys.keys)):
        click.echo(
            f"{k.id}\t{k.name}\t{k.prefix}…\t{','.join(k.scopes)}\t{k.created_at:%Y-%m-%d}\t"
            f"{'revoked ' + format(k.revoked_at, '%Y-%m-%d') if k.revoked_at else 'active'}\t"
            f"{k.last_used_at or '-'}"
        )


@click.command(
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


@click.command(
    "sms-resume",
    help="End a pause of the SMS channel (after topping up the account "
    "or fixing the keys): held messages go out at once.",
)
@click.option("--channel", default="aliyun", show_default=True)
def sms_resume(channel: str) -> None:
    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env()
    released = asyncio.run(_resume_sms(settings, channel))
    _shared()._say(f"{channel} resumed; {released} held message(s) are due now")


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


@click.command(
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
    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--param")
        values[name.strip()] = value
    phones = (
        [line.strip() for line in phones_file if line.strip()] if phones_file is not None else None
    )
    _shared()._say(
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


@click.command(
    help="Make a VAPID key pair for Web Push: VAPID_PRIVATE_KEY for the server, the "
    "public key for the app (PushManager.subscribe's applicationServerKey)."
)
def vapid() -> None:
    from doorstep.notify.webpush import new_vapid_keys

    private, public = new_vapid_keys()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    _shared()._say(
        "keep VAPID_PRIVATE_KEY secret (a fly secret, not the repository); the public key is "
        "also served as the GraphQL field pushPublicKey"
    )


@click.command(
    help="Check a holiday schedule file (DOORSTEP_HOLIDAYS_FILE's format) and print "
    "which years' official schedules are known; exits 1 if the file is refused "
    "or a year within the warning horizon has no schedule."
)
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def holidays(path: str | None) -> None:
    from datetime import timedelta

    from doorstep.domain.calendar import ScheduleError, today_local
    from doorstep.services.deps import SCHEDULE_HORIZON_DAYS
    from doorstep.services.holidays import load_schedule

    try:
        calendar = load_schedule(path or os.environ.get("DOORSTEP_HOLIDAYS_FILE", ""))
    except ScheduleError as exc:
        _shared()._say(f"refused: {exc}")
        raise SystemExit(1) from exc
    today = today_local()
    horizon = today + timedelta(days=SCHEDULE_HORIZON_DAYS)
    for year in range(today.year - 1, horizon.year + 2):
        known = calendar.covers(year)
        click.echo(f"{year}\t{'official schedule' if known else 'statutory holidays only'}")
    missing = calendar.unknown_years(today, SCHEDULE_HORIZON_DAYS)
    if missing:
        _shared()._say(f"deadlines up to {horizon} reach {missing} without an official schedule")
        raise SystemExit(1)


OPS_COMMANDS = (
    staff_totp_command,
    api_key,
    sms_templates_command,
    sms_resume,
    broadcast,
    vapid,
    holidays,
)
