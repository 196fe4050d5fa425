"""Holiday schedule versions: one row per entry, the latest version of a year is in force."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store import rows
from doorstep.store.db import Connection, Queryable
from doorstep.store.typed import fetch_int


class ScheduleRow(rows.Row):
    id: int
    year: int
    version: int
    holidays: list[date]
    workdays: list[date]
    source: str
    note: str
    entered_via: str
    created_at: datetime
    entered_by_name: str | None
    entered_by_phone: str | None


_SELECT = """
select h.id, h.year, h.version, h.holidays, h.workdays, h.source, h.note, h.entered_via,
       h.created_at, s.name as entered_by_name, s.phone as entered_by_phone
from holiday_schedules h left join staff_members s on s.id = h.entered_by_staff_id
"""


async def insert(
    conn: Connection,
    *,
    year: int,
    holidays: list[date],
    workdays: list[date],
    source: str,
    note: str,
    staff_id: int,
    via: str,
) -> int:
    """A new version of `year`; two entries at once for one year queue on the lock."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('holiday_schedules'), $1)", year)
    return await fetch_int(
        conn,
        """insert into holiday_schedules
               (year, version, holidays, workdays, source, note, entered_by_staff_id, entered_via)
           select $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7
           from holiday_schedules where year = $1
           returning id""",
        year,
        sorted(holidays),
        sorted(workdays),
        source,
        note,
        staff_id,
        via,
    )


async def by_id(db: Queryable, row_id: int) -> ScheduleRow:
    return await rows.fetchrow_one(db, ScheduleRow, _SELECT + "where h.id = $1", row_id)


async def in_force(db: Queryable) -> list[ScheduleRow]:
    """The latest version of every year."""
    return await rows.fetch(
        db,
        ScheduleRow,
        _SELECT + "where h.version = (select max(version) from holiday_schedules x "
        "where x.year = h.year) order by h.year",
    )


async def versions(db: Queryable, year: int) -> list[ScheduleRow]:
    return await rows.fetch(db, ScheduleRow, _SELECT + "where h.year = $1 order by h.version", year)


async def stamp(db: Queryable) -> int:
    """Changes with every entry: a process re-reads the schedules when it moves."""
    return await fetch_int(db, "select coalesce(max(id), 0) from holiday_schedules")
