"""The sweep: delegations whose period ended expire; those about to end are warned of."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.delegation import EXPIRY_WARNING, REQUEST_TTL, DelegationStatus
from doorstep.services.delegation.lifecycle import expire
from doorstep.services.delegation.messages import send_sms
from doorstep.services.deps import Deps
from doorstep.store import delegation as store
from doorstep.store.db import transaction

SWEEP_BATCH = 200


@dataclass(frozen=True)
class SweepCounts:
    expired: int
    warned: int


async def sweep(deps: Deps) -> SweepCounts:
    """Record expiries (they already stopped working at their end) and warn a week ahead.

    Rows are locked with SKIP LOCKED and marked in the same transaction as their SMS, so two
    workers, or a restart, never warn twice.
    """
    expired = warned = 0
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        for row in await store.due_to_expire(conn, REQUEST_TTL.total_seconds(), SWEEP_BATCH):
            was_active = row.status == DelegationStatus.ACTIVE.value
            await expire(conn, row, {"was": row.status})
            if was_active:
                outbox_ids.append(
                    await send_sms(conn, deps, row, to="agent", template="sms.delegation_expired")
                )
            expired += 1
        for row in await store.due_for_warning(conn, EXPIRY_WARNING.total_seconds(), SWEEP_BATCH):
            await store.mark_warned(conn, row.id)
            outbox_ids.append(
                await send_sms(
                    conn,
                    deps,
                    row,
                    to="principal",
                    template="sms.delegation_expiring",
                    with_until=True,
                )
            )
            outbox_ids.append(
                await send_sms(
                    conn,
                    deps,
                    row,
                    to="agent",
                    template="sms.delegation_expiring_agent",
                    with_until=True,
                )
            )
            warned += 1
    await deps.after_commit(outbox_ids)
    return SweepCounts(expired=expired, warned=warned)
