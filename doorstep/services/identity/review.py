"""Who holds a resident ID that two accounts proved (a conflict): a person decides.

A conflict opens when a check passes for an ID another account already holds (a new phone
number, a relative's old account, or a takeover). A supervisor or admin looks at both and
either moves the ID to the new account (the old one holds no ID from then on) or keeps it
where it is. Each decision is written to both people's event streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doorstep.domain import pii
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.identity import mask_phone
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.mirror import mirror
from doorstep.services import event_log, privacy
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.store import identity as store
from doorstep.store.db import transaction

MAX_REASON_CHARS = 500


class Decision(StrEnum):
    # the ID moves to the account that proved it now
    MOVE = "moved"
    # the ID stays with the account that holds it
    KEEP = "kept"


@dataclass(frozen=True)
class ConflictView:
    id: int
    claimant_id: int
    holder_id: int
    resident_id_masked: str
    status: str
    holder_method: str | None
    holder_verified_at: datetime | None
    # who the two people are, as much as a reviewer needs to call them
    claimant_name: str | None
    claimant_phone_masked: str
    holder_name: str | None
    holder_phone_masked: str
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime


_view = mirror(
    ConflictView,
    store.ConflictRow,
    claimant_phone_masked=lambda r: mask_phone(r.claimant_phone),
    holder_phone_masked=lambda r: mask_phone(r.holder_phone),
)


async def list_conflicts(
    deps: Deps, actor: Actor, *, open_only: bool = True, limit: int = 50, before_id: int | None
) -> list[ConflictView]:
    authorize(actor, Operation.IDENTITY_CONFLICT_READ)
    assert actor.staff_id is not None
    async with deps.pool.acquire() as conn:
        rows = await store.conflicts(
            conn, open_only=open_only, limit=max(1, min(limit, 100)), before_id=before_id
        )
        # both people see in "who looked at my data" that a reviewer did
        for row in rows:
            for citizen_id in (row.claimant_id, row.holder_id):
                await privacy.record_staff_read(
                    conn, actor, citizen_id, what="identity", purpose="identity_review"
                )
    return [_view(r) for r in rows]


async def decide(
    deps: Deps, actor: Actor, conflict_id: int, decision: Decision, reason: str
) -> ConflictView:
    authorize(actor, Operation.IDENTITY_CONFLICT_DECIDE)
    assert actor.staff_id is not None
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput("identity.reason_invalid", limit=MAX_REASON_CHARS)
    async with transaction(deps.pool) as conn:
        row = await store.conflict_for_update(conn, conflict_id)
        if row is None:
            raise NotFound("identity.conflict_not_found")
        if row.status != "open":
            raise Conflict("identity.conflict_decided")
        check = await store.verification(conn, row.verification_id)
        assert check is not None
        if decision is Decision.MOVE:
            await store.lock_index(conn, check.resident_id_index)
            await store.unbind(conn, row.holder_id)
            claimant = await store.holder(conn, row.claimant_id)
            assert claimant is not None
            if claimant.resident_id_index not in (None, check.resident_id_index):
                raise Conflict("resident_id.mismatch")
            resident_id = await binding.bind_checked(
                deps, conn, row.claimant_id, check, method="review", staff_id=actor.staff_id
            )
            # the card goes with the ID: the vault's index of it, as services.vault makes it
            card = pii.blind_index(f"resident_id_card:{resident_id}", deps.settings.index_key)
            await store.drop_id_cards(conn, row.holder_id, card)
        await store.decide_conflict(conn, conflict_id, decision.value, actor.staff_id, reason)
        for citizen_id in (row.claimant_id, row.holder_id):
            await event_log.by_staff(
                conn,
                actor,
                "identity.conflict_decided",
                citizen_id,
                {"conflict": conflict_id, "decision": decision.value},
            )
        decided = await store.conflict_for_update(conn, conflict_id)
    assert decided is not None
    return _view(decided)
