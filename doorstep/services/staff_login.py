"""What a staff log-in needs beyond the SMS code, and the record of every staff log-in.

Staff, supervisors and admins hold other people's data: after the SMS code they give a TOTP
code (services.staff_totp) once enrolled, and outside dev they must be enrolled. Every try to
open a staff session, good or bad, is recorded (who, when, from which address as the trusted
proxies name it, and why it failed) for admins to read.
"""

from __future__ import annotations

from doorstep.domain.identity import mask_phone
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.observability.metrics import STAFF_LOGINS
from doorstep.services import staff_totp
from doorstep.services.deps import Deps
from doorstep.store import auth as store
from doorstep.store.db import Connection

TOTP_REQUIRED = "login.totp_required"
TOTP_WRONG = "login.totp_wrong"
NOT_ENROLLED = "login.totp_not_enrolled"
NOT_STAFF = "login.not_staff"


async def second_factor(
    deps: Deps, conn: Connection, phone: str, totp_code: str | None
) -> tuple[int | None, str | None]:
    """(staff id, None) when the log-in may go on; else (staff id or None, failure code)."""
    staff = await store.staff_by_phone(conn, phone)
    if staff is None or not staff.active:
        return None, NOT_STAFF
    if not await staff_totp.is_enrolled(conn, staff.id):
        return (staff.id, NOT_ENROLLED) if deps.settings.staff_totp_required else (staff.id, None)
    code = (totp_code or "").strip()
    if not code:
        return staff.id, TOTP_REQUIRED
    if not await staff_totp.check(deps, conn, staff.id, code):
        return staff.id, TOTP_WRONG
    return staff.id, None


async def record(
    conn: Connection,
    phone: str,
    *,
    staff_id: int | None,
    client_addr: str | None,
    failure: str | None,
) -> None:
    if staff_id is None:
        staff = await store.staff_by_phone(conn, phone)
        staff_id = staff.id if staff else None
    STAFF_LOGINS.labels("success" if failure is None else "failure", failure or "").inc()
    await store.record_staff_login(
        conn,
        staff_id=staff_id,
        phone_masked=mask_phone(phone),
        client_addr=(client_addr or None) and client_addr[:64],
        success=failure is None,
        reason=failure,
    )


LoginRecord = store.StaffLoginRecordRow


async def list_logins(
    deps: Deps,
    actor: Actor,
    *,
    staff_id: int | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[LoginRecord]:
    authorize(actor, Operation.STAFF_LOGINS_READ)
    return await store.staff_logins(
        deps.pool, staff_id=staff_id, limit=max(1, min(limit, 200)), before_id=before_id
    )
