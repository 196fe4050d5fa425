"""The working-day calendar's sources, and the official schedules an admin enters.

A year's schedule comes from, first to last: the latest version entered by an admin (GraphQL or
`doorstep holidays enter`), the schedule file (`DOORSTEP_HOLIDAYS_FILE`, read here: the pure
calendar in domain/calendar.py does no I/O), the `chinesecalendar` package, and else the
statutory holidays. Each process keeps the calendar in `Deps.calendar` and re-reads the entered
versions when they change (`refresh`, polled by `keep_fresh`), so an entry reaches every API
process and worker within a poll; the process that took the entry swaps at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from doorstep.domain.calendar import (
    DEFAULT_CALENDAR,
    ScheduleError,
    WorkingCalendar,
    YearSchedule,
    local_date,
    parse_schedule,
    with_schedule,
)
from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.schedule_entry import FIRST_YEAR, LAST_YEAR, check_entry
from doorstep.services import event_log
from doorstep.store import holidays as store
from doorstep.store.db import Queryable, create_pool, transaction

if TYPE_CHECKING:
    from doorstep.services.deps import Deps

log = logging.getLogger(__name__)

# How far ahead a missing holiday schedule is worth a warning: past the longest time limit plus
# an extension (about 60 working days).
SCHEDULE_HORIZON_DAYS = 120
REFRESH_SECONDS = 30.0


def schedule_gaps(calendar: WorkingCalendar, now: datetime | None = None) -> list[int]:
    """Years a deadline counted now may reach whose official schedule is not entered: they
    count the statutory holidays only, so on-call is warned (log, /readyz, /metrics, check)."""
    return calendar.unknown_years(local_date(now or datetime.now(UTC)), SCHEDULE_HORIZON_DAYS)


def file_years(path: str | None) -> list[YearSchedule]:
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ScheduleError(f"{path}: {exc}") from exc
    return parse_schedule(data)


def load_schedule(path: str | None) -> WorkingCalendar:
    """The calendar of the library plus the years of the schedule file at `path`, if any."""
    return with_schedule(file_years(path))


def _entered(row: store.ScheduleRow) -> YearSchedule:
    return YearSchedule(
        row.year, frozenset(row.holidays), frozenset(row.workdays), f"{row.source} (v{row.version})"
    )


async def load_calendar(db: Queryable, path: str | None) -> tuple[WorkingCalendar, int]:
    """The calendar with the entered versions over the file's years, and the stamp it is of."""
    stamp = await store.stamp(db)
    years = {y.year: y for y in file_years(path)}
    years.update({r.year: _entered(r) for r in await store.in_force(db)})
    calendar = with_schedule(years.values()) if years else DEFAULT_CALENDAR
    return calendar, stamp


async def refresh(deps: Deps) -> bool:
    """Re-read the entered schedules if they changed since this process read them."""
    if await store.stamp(deps.pool) == deps.calendar_stamp:
        return False
    deps.calendar, deps.calendar_stamp = await load_calendar(deps.pool, deps.settings.holidays_file)
    log.info("working-day calendar re-read (schedule stamp %s)", deps.calendar_stamp)
    return True


async def keep_fresh(deps: Deps, every: float = REFRESH_SECONDS) -> None:
    """Poll for entered schedules until cancelled; a failed poll is tried again next time."""
    while True:
        try:
            await refresh(deps)
        except Exception:  # the database away: the calendar in hand stays in use
            log.warning("re-reading the holiday schedules failed", exc_info=True)
        await asyncio.sleep(every)


# an entered version of a year's schedule, as the store reads it (with who entered it)
ScheduleVersion = store.ScheduleRow


@dataclass(frozen=True)
class YearStatus:
    year: int
    # "entered" (an admin's version), "file", "library" or "statutory" (the fallback)
    basis: str
    in_force: ScheduleVersion | None
    versions: tuple[ScheduleVersion, ...]
    # the rest days deadlines count on weekdays this year (the fallback's, when not entered)
    weekday_rest_days: tuple[date, ...]


async def enter_schedule(
    deps: Deps,
    actor: Actor,
    *,
    year: int,
    holidays: list[date],
    workdays: list[date],
    source: str,
    note: str = "",
    via: str = "graphql",
) -> ScheduleVersion:
    """A new version of `year`'s official schedule, in force at once in this process and
    within a poll in every other; the versions before it are kept."""
    entry = YearSchedule(year, frozenset(holidays), frozenset(workdays), source)
    (version,) = await enter_schedules(deps, actor, [entry], note=note, via=via)
    return version


async def enter_schedules(
    deps: Deps, actor: Actor, entries: list[YearSchedule], *, note: str = "", via: str
) -> list[ScheduleVersion]:
    """Several years at once (a file): each checked first, all entered in one transaction."""
    authorize(actor, Operation.HOLIDAYS_MANAGE)
    checked = [check_entry(e.year, e.holidays, e.workdays, e.source) for e in entries]
    assert actor.staff_id is not None
    entered = []
    async with transaction(deps.pool) as conn:
        for entry in checked:
            row_id = await store.insert(
                conn,
                year=entry.year,
                holidays=list(entry.holidays),
                workdays=list(entry.workdays),
                source=entry.source,
                note=" ".join(note.split())[:500],
                staff_id=actor.staff_id,
                via=via,
            )
            row = await store.by_id(conn, row_id)
            await event_log.by_staff(
                conn,
                actor,
                "holidays.entered",
                data={"year": row.year, "version": row.version, "via": via},
            )
            entered.append(row)
    await refresh(deps)
    return entered


async def year_statuses(deps: Deps, actor: Actor, first: int, last: int) -> list[YearStatus]:
    """Where each year's working days come from, with its versions."""
    authorize(actor, Operation.HOLIDAYS_READ)
    for year in (first, last):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInput("holidays.year_invalid", first=FIRST_YEAR, last=LAST_YEAR)
    last = min(last, first + 10)
    file_known = {y.year for y in file_years(deps.settings.holidays_file)}
    out = []
    for year in range(first, last + 1):
        versions = tuple(await store.versions(deps.pool, year))
        calendar = deps.calendar
        if versions:
            basis = "entered"
        elif year in file_known:
            basis = "file"
        elif calendar.covers(year):
            basis = "library"
        else:
            basis = "statutory"
        rest = _weekday_rest_days(calendar, year)
        out.append(YearStatus(year, basis, versions[-1] if versions else None, versions, rest))
    return out


def _weekday_rest_days(calendar: WorkingCalendar, year: int) -> tuple[date, ...]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        if d.weekday() < 5 and not calendar.is_working_day(d):
            out.append(d)
        d = date.fromordinal(d.toordinal() + 1)
    return tuple(out)


async def database_calendar(url: str, path: str | None) -> WorkingCalendar:
    """For a command that reads the calendar once (`doorstep check`): its own connection."""
    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        calendar, _stamp = await load_calendar(pool, path)
    finally:
        await pool.close()
    return calendar


async def cli_actor(deps: Deps, phone: str) -> Actor:
    """The admin a command acts as (`--by PHONE`): named, so each version says who entered it."""
    from doorstep.domain.errors import Forbidden, InvalidInput
    from doorstep.domain.identity import normalize_phone
    from doorstep.domain.policy import Role
    from doorstep.store.auth import staff_by_phone

    try:
        e164 = normalize_phone(phone)
    except ValueError:
        raise InvalidInput("phone.invalid") from None
    async with deps.pool.acquire() as conn:
        row = await staff_by_phone(conn, e164)
    if row is None or not row.active or row.role != Role.ADMIN:
        raise Forbidden("admin.not_an_admin")
    return Actor(role=Role.ADMIN, staff_id=row.id, region_code=row.region_code)
