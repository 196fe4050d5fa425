"""The binding rule: a resident ID counts for an account only once that account proved it
(online check, the counter, or a reviewer's decision). Forms that carry an ID, and ID cards put
in the vault, are checked against the account's verified ID; the counter records its own
check (a clerk saw the card)."""

from __future__ import annotations

from doorstep.domain import pii
from doorstep.domain.errors import Conflict, Forbidden
from doorstep.domain.identity import birth_date_from_resident_id, mask_resident_id
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store import identity as store
from doorstep.store.db import Connection

COUNTER_CONFLICT = "identity.counter_conflict"


async def require_verified(deps: Deps, conn: Connection, citizen_id: int, resident_id: str) -> None:
    """Refuses unless the account's verified resident ID is this one. Whether another account
    holds the ID is not told (that would let anyone probe IDs)."""
    row = await store.holder(conn, citizen_id)
    assert row is not None
    if row.identity_verified_at is None:
        raise Forbidden("identity.verification_required")
    if row.resident_id_index != pii.blind_index(resident_id, deps.settings.index_key):
        raise Conflict("resident_id.mismatch")


async def record_counter_check(
    deps: Deps,
    conn: Connection,
    citizen_id: int,
    resident_id: str,
    *,
    staff_id: int,
    name: str | None,
    ref: str | None,
) -> None:
    """A clerk checked the ID card in person: the ID is the account's, verified (method
    "counter", the clerk recorded). Refuses an account verified for another ID, and an ID that
    another account holds (a person must sort that out, not the counter's form)."""
    index = pii.blind_index(resident_id, deps.settings.index_key)
    await store.lock_index(conn, index)
    owner = await store.holder_of_index(conn, index)
    if owner is not None and owner.id != citizen_id:
        raise Conflict(COUNTER_CONFLICT)
    row = await store.holder(conn, citizen_id)
    assert row is not None
    if row.resident_id_index is not None and row.resident_id_index != index:
        raise Conflict("resident_id.mismatch")
    if row.identity_verified_at is not None:
        return
    await store.bind_verified(
        conn,
        citizen_id,
        enc=pii.encrypt(resident_id, deps.settings.data_key),
        index=index,
        masked=mask_resident_id(resident_id),
        birth_date=birth_date_from_resident_id(resident_id),
        name=name.strip() if name and name.strip() else None,
        method="counter",
        ref=ref,
        staff_id=staff_id,
    )
    await events.append(
        conn,
        kind="identity.verified",
        actor_kind="staff",
        actor_id=staff_id,
        citizen_id=citizen_id,
        data={"method": "counter", "resident_id": mask_resident_id(resident_id)},
    )


async def bind_checked(
    deps: Deps,
    conn: Connection,
    citizen_id: int,
    check: store.VerificationRow,
    *,
    method: str,
    staff_id: int | None,
) -> str:
    """The resident ID of an online check becomes `citizen_id`'s, verified: the check passed,
    or a reviewer moved the ID to its claimant. The ID in clear, for what follows from it."""
    resident_id = pii.decrypt(check.resident_id_enc, deps.settings.data_key)
    await store.bind_verified(
        conn,
        citizen_id,
        enc=check.resident_id_enc,
        index=check.resident_id_index,
        masked=check.resident_id_masked,
        birth_date=birth_date_from_resident_id(resident_id),
        name=check.name,
        method=method,
        ref=check.certify_id,
        staff_id=staff_id,
    )
    return resident_id
