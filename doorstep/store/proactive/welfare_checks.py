"""SQL for welfare checks: the visits a community unit makes to people at risk."""

from __future__ import annotations

from doorstep.store.db import Connection
from doorstep.store.proactive.offers import WORK_COLUMNS, work_from
from doorstep.store.proactive.rows import CheckRow
from doorstep.store.rows import fetchrow_by
from doorstep.store.unit_work import UnitQueue

CHECK_COLUMNS = f"""w.id, w.opportunity_id, w.citizen_id, w.unit_id, w.status, w.due_on,
    w.outcome, w.note, w.created_at, w.done_at, c.phone as citizen_phone,
    c.region_code as citizen_region_code, {WORK_COLUMNS}"""

_CHECKS = f"select {CHECK_COLUMNS} {work_from('welfare_checks', 'w')}"


checks_of_units = UnitQueue(CheckRow, _CHECKS, "w", "w.due_on, w.id")


async def check_for_update(conn: Connection, check_id: int) -> CheckRow | None:
    return await fetchrow_by(conn, CheckRow, _CHECKS, "w.id", check_id, lock=True, lock_of="w, p")


async def finish_check(
    conn: Connection, check_id: int, *, outcome: str, note: str | None, staff_id: int | None
) -> None:
    await conn.execute(
        """update welfare_checks set status = 'done', outcome = $2, note = $3, staff_id = $4,
                  done_at = now() where id = $1""",
        check_id,
        outcome,
        note,
        staff_id,
    )
