"""The staff second factor: TOTP (RFC 6238, 30-second steps, 6 digits) through pyotp.

Enrolment makes a secret, keeps it encrypted (AES-256-GCM under the data key) and returns the
otpauth URI once, for the staff member's authenticator app; it is never shown again. A code is
good once: the step it was made in must be later than the last step accepted (a code seen over
a shoulder or replayed within its window opens nothing). One step of clock drift either way
is allowed.
"""

from __future__ import annotations

import hmac
import time

import pyotp

from doorstep.domain import pii
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.store import auth as store
from doorstep.store import events
from doorstep.store.db import Connection, transaction

PURPOSE = b"staff_totp"
ISSUER = "掌上办 Doorstep"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def _uri(secret: str, phone: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=phone, issuer_name=ISSUER)


async def _enrol(deps: Deps, conn: Connection, staff_id: int, phone: str) -> str:
    secret = pyotp.random_base32()
    await store.put_totp(
        conn, staff_id, pii.encrypt(secret, deps.settings.data_key, purpose=PURPOSE)
    )
    await events.append(
        conn,
        kind="staff.totp_enrolled",
        actor_kind="staff",
        actor_id=staff_id,
        data={"staff_id": staff_id},
    )
    return _uri(secret, phone)


async def enrol_self(deps: Deps, actor: Actor) -> str:
    """A signed-in staff member without a second factor enrols one: the URI, once. Replacing
    an enrolled factor is the operators' (`doorstep staff-totp --reset`), so a stolen session
    cannot swap it."""
    authorize(actor, Operation.STAFF_TOTP_ENROL)
    assert actor.staff_id is not None
    async with transaction(deps.pool) as conn:
        staff = await store.staff_by_id(conn, actor.staff_id)
        assert staff is not None
        if await store.totp_of(conn, actor.staff_id, lock=True) is not None:
            raise Conflict("staff_totp.already_enrolled")
        return await _enrol(deps, conn, actor.staff_id, staff.phone)


async def enrol_for(deps: Deps, actor: Actor, staff_id: int) -> str:
    """An admin enrols another staff member, or replaces a lost factor: the URI, once, to hand
    over in person. The new secret ends the old one."""
    authorize(actor, Operation.STAFF_TOTP_ENROL_OTHER)
    async with transaction(deps.pool) as conn:
        staff = await store.staff_by_id(conn, staff_id)
        if staff is None or not staff.active:
            raise NotFound("staff.not_found")
        uri = await _enrol(deps, conn, staff.id, staff.phone)
        await event_log.by_staff(
            conn, actor, "staff.totp_enrolled_by_admin", data={"staff_id": staff.id}
        )
    return uri


async def enrol_by_operator(deps: Deps, raw_phone: str, *, reset: bool) -> str:
    """`doorstep staff-totp <phone>`: how the first admin (and anyone who lost their
    authenticator) enrols; the operator hands the URI over in person."""
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        raise NotFound("login.not_staff") from None
    async with transaction(deps.pool) as conn:
        staff = await store.staff_by_phone(conn, phone)
        if staff is None or not staff.active:
            raise NotFound("login.not_staff")
        if await store.totp_of(conn, staff.id, lock=True) is not None and not reset:
            raise Conflict("staff_totp.already_enrolled")
        return await _enrol(deps, conn, staff.id, phone)


async def is_enrolled(conn: Connection, staff_id: int) -> bool:
    return await store.totp_of(conn, staff_id) is not None


async def check(deps: Deps, conn: Connection, staff_id: int, code: str) -> bool:
    """Whether the code is this staff member's, now, and not used before; a good code moves
    the last accepted step (inside the caller's transaction)."""
    row = await store.totp_of(conn, staff_id, lock=True)
    if row is None or len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(pii.decrypt(row.secret_enc, deps.settings.data_key, purpose=PURPOSE))
    now_step = int(time.time()) // STEP_SECONDS
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step <= row.last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            await store.accept_totp_step(conn, staff_id, step)
            return True
    return False
