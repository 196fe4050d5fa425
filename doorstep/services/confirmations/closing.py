"""Confirmations that end without an answer (expired, or their delegation ended), and the
events and agent SMS every step records."""

from __future__ import annotations

from typing import Any

from doorstep.domain.delegation import (
    ConfirmationStatus,
)
from doorstep.services import acting
from doorstep.services.confirmations.views import status_of
from doorstep.services.deps import Deps
from doorstep.store import confirmations as store
from doorstep.store.confirmations import ConfirmationRow
from doorstep.store.db import Connection, transaction

SWEEP_BATCH = 200


# -- ends without an answer -----------------------------------------------------------------


async def cancel_confirmations(conn: Connection, delegation_id: int) -> int:
    """A delegation that ends (revoked, expired) cancels what waits for its principal's
    confirmation, in the same transaction. Returns how many."""
    rows = await store.pending_of_delegation(conn, delegation_id)
    for row in rows:
        await cancel_confirmation(conn, row)
    return len(rows)


async def cancel_confirmation(conn: Connection, row: ConfirmationRow) -> None:
    await store.decide(conn, row.id, status="cancelled", by="delegation")
    await record_event(conn, row, "confirmation.cancelled", actor_id=None, actor_kind="system")


async def close_unanswered(
    conn: Connection, row: ConfirmationRow, status: ConfirmationStatus, outbox_ids: list[int]
) -> None:
    """Record that a pending confirmation expired (the agent is told) or was cancelled by its
    delegation's end (the agent heard of that already)."""
    if status is ConfirmationStatus.EXPIRED:
        await store.decide(conn, row.id, status=status.value, by="system")
        await record_event(conn, row, "confirmation.expired", actor_id=None, actor_kind="system")
        outbox_ids.append(await tell_agent(conn, row, "sms.confirmation_expired"))
    elif status is ConfirmationStatus.CANCELLED:
        await cancel_confirmation(conn, row)


async def sweep(deps: Deps) -> int:
    """Record confirmations that ran out of time or lost their delegation (they stopped
    counting at that moment already); rows are locked with SKIP LOCKED, so two workers never
    close one twice."""
    closed = 0
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        for row in await store.due(conn, SWEEP_BATCH):
            status = status_of(row)
            if status is ConfirmationStatus.PENDING:
                continue
            await close_unanswered(conn, row, status, outbox_ids)
            closed += 1
    await deps.after_commit(outbox_ids)
    return closed


# -- shared helpers ----------------------------------------------------------------------------


async def record_event(
    conn: Connection,
    row: ConfirmationRow,
    kind: str,
    *,
    actor_id: int | None,
    actor_kind: str = "citizen",
    data: dict[str, Any] | None = None,
) -> None:
    data = {"confirmation_id": row.id, "bundle": row.bundle_code, **(data or {})}
    await acting.record_event(
        conn, row, row.delegation_id, kind, actor_id=actor_id, actor_kind=actor_kind, data=data
    )


async def tell_agent(conn: Connection, row: ConfirmationRow, template: str) -> int:
    params: dict[str, Any] = {
        "name": acting.who(row.principal_name, row.principal_phone),
        "bundle": row.bundle_name,
    }
    if row.application_number is not None:
        params["number"] = row.application_number
    agent = acting.Reached(row.agent_id, row.agent_phone, row.agent_language)
    return await acting.tell(conn, agent, template, params)
