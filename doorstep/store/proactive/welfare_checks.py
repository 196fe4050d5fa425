"""SQL for welfare checks: the visits a community unit makes to people at risk."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.proactive.offers import WORK_COLUMNS, work_from
from doorstep.store.proactive.rows import CheckRow
from doorstep.store.rows import fetch, fetchrow

CHECK_COLUMNS = f"""w.id, w.opportunity_id, w.citizen_id, w.unit_id, w.status, w.due_on,
    w.outcome, w.note, w.created_at, w.done_at, c.phone as citizen_phone,
    c.region_code as citizen_region_code, {WORK_COLUMNS}"""

_CHECK_FROM = work_from("welfare_checks", "w")


async def checks_of_units(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int
) -> list[CheckRow]:
    return await fetch(
        db,
        CheckRow,
        f"""select {CHECK_COLUMNS} {_CHECK_FROM}
            where w.unit_id = any($1::bigint[]) and w.status = any($2::text[])
            order by w.due_on, w.id limit $3""",
        unit_ids,
        statuses,
        limit,
    )


async def check_for_update(conn: Connection, check_id: int) -> CheckRow | None:
    return await fetchrow(
        conn,
        CheckRow,
        f"select {CHECK_COLUMNS} {_CHECK_FROM} where w.id = $1 for update of w, p",
        check_id,
    )


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
