"""Administration's commands: `doorstep enter-holidays`, `create-admin` and `import`, and the
holiday-schedule warnings `doorstep check` prints. Registered on the main group by cli.py; the
helpers they share with the other commands are read from there when a command runs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import click

from doorstep.config import Settings, dev_mode_from_env


def _shared() -> Any:
    from doorstep import cli

    return cli


def schedule_warnings() -> list[str]:
    """The years without an official schedule: the file's and, when the database answers, the
    entered versions count as schedules."""
    from doorstep.domain.calendar import ScheduleError
    from doorstep.services.holidays import database_calendar, load_schedule, schedule_gaps

    path = os.environ.get("DOORSTEP_HOLIDAYS_FILE", "")
    try:
        calendar = load_schedule(path)
    except ScheduleError as exc:
        return [f"DOORSTEP_HOLIDAYS_FILE: refused: {exc}"]
    url = os.environ.get("DATABASE_URL", "")
    if url:
        try:
            calendar = asyncio.run(asyncio.wait_for(database_calendar(url, path), 10))
        except Exception as exc:  # an unreachable database: say so, judge by the file
            return [
                f"holiday schedules entered in the database not read ({type(exc).__name__}); "
                "the years below are judged by DOORSTEP_HOLIDAYS_FILE alone",
                *_gap_lines(schedule_gaps(calendar)),
            ]
    return _gap_lines(schedule_gaps(calendar))


def _gap_lines(years: list[int]) -> list[str]:
    return [
        f"holiday schedule {year}: not entered; deadlines there count the statutory holidays "
        "only (no bridge days, no adjusted weekends) until the official dates are entered"
        for year in years
    ]


@click.command(
    "create-admin",
    help="Make (or re-activate) an admin account from the server's shell: the first admin of "
    "an empty production database, who then adds units, staff and the catalog.",
)
@click.option("--phone", required=True)
@click.option("--name", required=True)
def create_admin(phone: str, name: str) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.i18n import translate
    from doorstep.services import administration

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)  # needs only the database
    try:
        row = asyncio.run(
            _shared()._with_deps(settings, lambda d: administration.bootstrap_admin(d, phone, name))
        )
    except DomainError as exc:
        message = translate("error." + exc.code, "en", **exc.params)
        raise click.ClickException(f"{exc.code}: {message}") from None
    _shared()._say(f"admin {row.name} ({row.phone}) active; log in with asStaff: true")


@click.command(
    "import",
    help="Import a district's units, staff, catalog and data-sharing list from the CSV files in "
    "DIR (units.csv, staff.csv, items.csv, materials.csv, bundles.csv, sharing.csv; see the "
    "README). All or nothing: every problem is listed by file and line and then nothing is "
    "written. --dry-run checks only.",
)
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--by", "phone", required=True, help="The admin importing it (phone).")
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option(
    "--language",
    default="zh_Hans",
    type=click.Choice(["zh_Hans", "zh_Hant", "en"]),
    help="Language of the report.",
)
def import_district(directory: str, phone: str, dry_run: bool, language: str) -> None:
    from doorstep.domain.errors import DomainError
    from doorstep.i18n import translate
    from doorstep.services import district_import, holidays

    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)  # needs only the database

    async def run(deps: Any) -> Any:
        actor = await holidays.cli_actor(deps, phone)
        files = district_import.read_dir(Path(directory))
        return await district_import.import_district(deps, actor, files, dry_run=dry_run)

    try:
        report = asyncio.run(_shared()._with_deps(settings, run))
    except DomainError as exc:
        message = translate("error." + exc.code, language, **exc.params)
        raise click.ClickException(f"{exc.code}: {message}") from None
    for f in report.findings:
        where = f"{f.file}:{f.line}" if f.file else directory
        kind = "warning" if f.warning else "error"
        message = translate("error." + f.code, language, **f.params)
        click.echo(f"{where}: {kind} {f.code}: {message}")
    counts = ", ".join(f"{name} {n}" for name, n in report.rows.items())
    if report.errors:
        _shared()._say(f"{len(report.errors)} problems; nothing written ({counts} rows checked)")
        raise SystemExit(1)
    if dry_run:
        _shared()._say(f"dry run: no problems; nothing written ({counts} rows checked)")
    else:
        _shared()._say(f"imported in one transaction: {counts} rows")


@click.command(
    "enter-holidays",
    help="Enter official holiday schedules as an admin (a file in DOORSTEP_HOLIDAYS_FILE's "
    "format, one new version per year in it, all in one transaction); every process counts "
    "with them within half a minute. Nothing is entered if one year is refused.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "phone", required=True, help="The admin entering it (phone).")
@click.option("--note", default="", help="Why (e.g. 'correction of 2027-10-08').")
def enter_holidays(path: str, phone: str, note: str) -> None:
    from doorstep.domain.calendar import ScheduleError
    from doorstep.domain.errors import DomainError
    from doorstep.domain.schedule_entry import check_entry
    from doorstep.i18n import translate
    from doorstep.services import holidays

    try:
        years = holidays.file_years(path)
        for y in years:
            check_entry(y.year, y.holidays, y.workdays, y.source)
    except ScheduleError as exc:
        raise click.ClickException(f"refused: {exc}") from None
    except DomainError as exc:
        message = translate("error." + exc.code, "en", **exc.params)
        raise click.ClickException(f"{exc.code}: {message}") from None
    _shared()._resolve_urls(allow_embedded=dev_mode_from_env())
    settings = Settings.from_env(dev_mode=True)  # needs only the database

    async def enter(deps: Any) -> list[Any]:
        actor = await holidays.cli_actor(deps, phone)
        return await holidays.enter_schedules(deps, actor, years, note=note, via="cli")

    try:
        entered = asyncio.run(_shared()._with_deps(settings, enter))
    except DomainError as exc:
        message = translate("error." + exc.code, "en", **exc.params)
        raise click.ClickException(f"{exc.code}: {message}") from None
    for v in entered:
        _shared()._say(
            f"{v.year}: version {v.version} in force ({len(v.holidays)} holidays, "
            f"{len(v.workdays)} adjusted working days)"
        )


ADMIN_COMMANDS = (create_admin, import_district, enter_holidays)
