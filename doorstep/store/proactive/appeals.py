"""SQL for appeals against an offer, decided by the rule's owning unit."""

from __future__ import annotations

from doorstep.store.db import Connection
from doorstep.store.proactive.offers import WORK_COLUMNS, work_from
from doorstep.store.proactive.rows import AppealRow
from doorstep.store.rows import fetchrow_by
from doorstep.store.typed import fetch_int
from doorstep.store.unit_work import UnitQueue

APPEAL_COLUMNS = f"""ap.id, ap.opportunity_id, ap.citizen_id, ap.unit_id, ap.reason, ap.status,
    ap.decision_note, ap.created_at, ap.decided_at,
    c.resident_id_masked as citizen_resident_id_masked, {WORK_COLUMNS}"""

_APPEALS = f"select {APPEAL_COLUMNS} {work_from('offer_appeals', 'ap')}"


async def insert_appeal(
    conn: Connection, *, opportunity_id: int, citizen_id: int, unit_id: int, reason: str
) -> int:
    return await fetch_int(
        conn,
        """insert into offer_appeals (opportunity_id, citizen_id, unit_id, reason)
           values ($1, $2, $3, $4) returning id""",
        opportunity_id,
        citizen_id,
        unit_id,
        reason,
    )


appeals_of_units = UnitQueue(AppealRow, _APPEALS, "ap", "ap.id")


async def appeal_for_update(conn: Connection, appeal_id: int) -> AppealRow | None:
    return await fetchrow_by(
        conn, AppealRow, _APPEALS, "ap.id", appeal_id, lock=True, lock_of="ap, p"
    )


async def decide_appeal(
    conn: Connection, appeal_id: int, *, status: str, staff_id: int | None, note: str
) -> None:
    await conn.execute(
        """update offer_appeals set status = $2, reviewer_staff_id = $3, decision_note = $4,
                  decided_at = now() where id = $1""",
        appeal_id,
        status,
        staff_id,
        note,
    )
