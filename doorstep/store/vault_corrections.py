"""SQL for corrections of vault facts ("this data is wrong"): flagged, listed, resolved."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow_by
from doorstep.store.typed import fetch_optional, next_in_sequence
from doorstep.store.unit_work import UnitQueue


class CorrectionRow(Row):
    id: int
    number: str
    citizen_id: int
    fact_key: str
    unit_id: int
    flagged_value: Json
    note: str
    status: str
    corrected_value: Json
    resolution_note: str | None
    resolved_at: datetime | None
    rerun: dict[str, Json] | None
    created_at: datetime
    unit_code: str
    unit_name: str
    unit_region_code: str


class UnitCorrectionRow(CorrectionRow):
    """A correction as the unit's staff see it: with whose fact it is."""

    citizen_name: str | None
    citizen_resident_id_masked: str | None


CORRECTION_COLUMNS = """k.id, k.number, k.citizen_id, k.fact_key, k.unit_id, k.flagged_value,
    k.note, k.status, k.corrected_value, k.resolution_note, k.resolved_at, k.rerun,
    k.created_at, u.code as unit_code, u.name as unit_name, u.region_code as unit_region_code"""


async def next_correction_serial(conn: Connection) -> int:
    return await next_in_sequence(conn, "correction_serial")


async def insert_correction(
    conn: Connection,
    *,
    number: str,
    citizen_id: int,
    fact_key: str,
    unit_id: int,
    flagged_value: object,
    note: str,
) -> int | None:
    """A new open correction; None if one is already open for this citizen and fact."""
    return await fetch_optional(
        conn,
        int,
        """insert into fact_corrections (number, citizen_id, fact_key, unit_id, flagged_value,
                                         note)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (citizen_id, fact_key) where status = 'open' do nothing
           returning id""",
        number,
        citizen_id,
        fact_key,
        unit_id,
        flagged_value,
        note,
    )


async def correction_by_number(
    db: Queryable, number: str, *, lock: bool = False
) -> CorrectionRow | None:
    select = f"select {CORRECTION_COLUMNS} from fact_corrections k join units u on u.id = k.unit_id"
    return await fetchrow_by(db, CorrectionRow, select, "k.number", number, lock=lock, lock_of="k")


async def corrections_of_citizen(db: Queryable, citizen_id: int) -> list[CorrectionRow]:
    return await fetch(
        db,
        CorrectionRow,
        f"""select {CORRECTION_COLUMNS} from fact_corrections k
            join units u on u.id = k.unit_id where k.citizen_id = $1
            order by k.id desc limit 100""",
        citizen_id,
    )


corrections_of_units = UnitQueue(
    UnitCorrectionRow,
    f"""select {CORRECTION_COLUMNS}, c.name as citizen_name,
               c.resident_id_masked as citizen_resident_id_masked
        from fact_corrections k
        join units u on u.id = k.unit_id
        join citizens c on c.id = k.citizen_id""",
    "k",
    "k.id",
)


async def resolve_correction(
    conn: Connection,
    correction_id: int,
    *,
    status: str,
    corrected_value: object,
    note: str | None,
    staff_id: int | None,
    rerun: Mapping[str, object] | None,
) -> None:
    await conn.execute(
        """update fact_corrections set status = $2, corrected_value = $3,
                  resolution_note = $4, resolved_by_staff_id = $5, resolved_at = now(),
                  rerun = $6
           where id = $1""",
        correction_id,
        status,
        corrected_value,
        note,
        staff_id,
        rerun,
    )
