"""`doorstep import <dir> [--dry-run]`: a whole district's units, staff and catalog from CSV.

All or nothing: every row is written in one transaction, each under a savepoint, with the same
checks as the GraphQL mutations (`services.administration`, `services.catalog_admin`), so a
row the database refuses (an overlap with a unit already there, an unknown parent) is reported
with its file and line and the next row is still checked. A dry run, or a run with any problem,
rolls the whole transaction back: the report lists every problem and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from doorstep.domain.calendar import local_date
from doorstep.domain.district_import import FILES, District, Finding, Row, read_district
from doorstep.domain.errors import DomainError
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.sharing_csv import read_sharing
from doorstep.services import event_log, sharing
from doorstep.services.administration import (
    write_category,
    write_region,
    write_service_area,
    write_staff,
    write_unit,
)
from doorstep.services.catalog_admin import write_bundle, write_item
from doorstep.services.deps import Deps
from doorstep.store import catalog_versions
from doorstep.store.db import Connection

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class ImportReport:
    findings: list[Finding] = field(default_factory=list)
    # rows checked (and, unless a dry run or refused, written) per file
    rows: dict[str, int] = field(default_factory=dict)
    written: bool = False
    dry_run: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.warning]


def read_dir(path: Path) -> dict[str, bytes]:
    """The CSV files of a district's folder (by lower-case name); too big a file is refused
    before it is read."""
    files: dict[str, bytes] = {}
    for entry in sorted(path.iterdir()):
        if entry.is_file() and entry.suffix.lower() == ".csv":
            if entry.stat().st_size > MAX_FILE_BYTES:
                raise DomainError("import.file_too_big", file=entry.name, max=MAX_FILE_BYTES)
            files[entry.name.lower()] = entry.read_bytes()
    return files


Spec = TypeVar("Spec")


async def _each_row(
    conn: Connection,
    rows: list[Row[Spec]],
    write: Callable[[Row[Spec]], Awaitable[object]],
    report: ImportReport,
) -> None:
    for row in rows:
        try:
            async with conn.transaction():  # a savepoint: a refused row leaves nothing
                await write(row)
        except DomainError as exc:
            report.findings.append(Finding(row.file, row.line, exc.code, dict(exc.params)))


async def _sharing(
    conn: Connection, district: District, today: date, staff_id: int | None, report: ImportReport
) -> None:
    """The data-sharing list of sharing.csv as a new version, checked against the units, items
    and bundles this import just wrote too (a problem rolls the whole import back)."""
    rows, effective_from, found = read_sharing(district.sharing, today)
    report.findings.extend(found)
    if found and any(not f.warning for f in found):
        return
    async with conn.transaction():  # a savepoint
        published = await sharing.publish_in(
            conn,
            rows,
            effective_from=effective_from,
            note="district import",
            staff_id=staff_id,
            dry_run=False,
        )
        report.findings.extend(
            Finding("sharing.csv", p.line, p.code, dict(p.params), p.warning)
            for p in published.problems
        )


async def import_district(
    deps: Deps,
    actor: Actor,
    files: Mapping[str, bytes],
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> ImportReport:
    authorize(actor, Operation.DISTRICT_IMPORT)
    today = local_date(now or datetime.now(UTC))
    district: District = read_district(files, today)
    report = ImportReport(findings=list(district.findings), dry_run=dry_run)
    report.rows = {
        name: n
        for name, n in (
            ("units.csv", len(district.units)),
            ("regions.csv", len(district.regions)),
            ("categories.csv", len(district.categories)),
            ("service_areas.csv", len(district.areas)),
            ("staff.csv", len(district.staff)),
            ("items.csv", len(district.items)),
            ("bundles.csv", len(district.bundles)),
            ("sharing.csv", len(district.sharing)),
        )
        if name in files or n
    }
    staff_id = actor.staff_id
    async with deps.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            await _each_row(conn, district.units, lambda r: write_unit(conn, r.spec), report)
            await _each_row(conn, district.regions, lambda r: write_region(conn, r.spec), report)
            await _each_row(
                conn, district.categories, lambda r: write_category(conn, r.spec), report
            )
            await _each_row(
                conn, district.areas, lambda r: write_service_area(conn, r.spec), report
            )
            await _each_row(conn, district.staff, lambda r: write_staff(conn, r.spec), report)
            await _each_row(
                conn, district.items, lambda r: write_item(conn, r.spec, staff_id), report
            )
            await _each_row(
                conn, district.bundles, lambda r: write_bundle(conn, r.spec, staff_id), report
            )
            if district.sharing:
                await _sharing(conn, district, today, staff_id, report)
            if dry_run or report.errors:
                await tx.rollback()
                return report
            await catalog_versions.apply_due(conn, today)
            await event_log.by_staff(
                conn, actor, "admin.district_imported", data={"rows": report.rows}
            )
            await tx.commit()
        except BaseException:
            await tx.rollback()
            raise
    report.written = True
    deps.catalog.invalidate()
    return report


__all__ = ["FILES", "ImportReport", "import_district", "read_dir"]
