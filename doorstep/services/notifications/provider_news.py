"""News from the provider: look-ups after an unrecorded attempt, receipts and polls."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from doorstep.domain.calendar import local_date
from doorstep.domain.delivery import DeliveryStatus, may_move
from doorstep.notify.channels import Channel, ProviderRecord
from doorstep.observability.metrics import SMS_RECONCILIATIONS
from doorstep.services.deps import Deps
from doorstep.services.notifications.steps import LookUp
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox_delivery
from doorstep.store.outbox import policy as outbox_policy
from doorstep.store.outbox import receipts as outbox_receipts
from doorstep.store.outbox.rows import OutboxRow, PollRow

log = logging.getLogger(__name__)

S = DeliveryStatus


async def claim_look_up(conn: Connection, row: OutboxRow) -> LookUp:
    since = await outbox_delivery.claim_lookup(conn, row.id)
    last = row.last_attempt_at or since
    # the provider files a message under its Beijing send day; an attempt near midnight
    # may sit on either side
    days = sorted({local_date(last), local_date(since)})
    return LookUp(outbox_id=row.id, phone=row.phone, attempt=row.attempts, since=since, days=days)


async def reconcile(deps: Deps, channel: Channel, step: LookUp) -> str | None:
    """Ask the provider about an attempt whose outcome we never recorded.

    Returns the row's status if the provider knew the message (or could not be asked); None if
    the message is not there, and the row is due to be sent again.
    """
    lookup = await channel.lookup(step.phone, step.days, str(step.outbox_id))
    async with transaction(deps.pool) as conn:
        if lookup.error is not None:
            SMS_RECONCILIATIONS.labels("unrecorded_attempt", "error").inc()
            # cannot tell: stay 'sending'; the sweeper tries again once the lease runs out
            log.warning(
                "outbox row %s: look-up failed (%s); will ask again", step.outbox_id, lookup.error
            )
            return S.SENDING
        best = lookup.best()
        SMS_RECONCILIATIONS.labels(
            "unrecorded_attempt", best.status.value if best is not None else "not_found"
        ).inc()
        if best is not None:
            if await record_found(conn, step.outbox_id, step.since, step.attempt, best):
                await outbox_policy.mirror_merged(conn, step.outbox_id, best.status)
            log.info(
                "outbox row %s: found at the provider (%s); not sent again",
                step.outbox_id,
                best.status,
            )
            return best.status
        await record_not_found(
            conn,
            step.outbox_id,
            step.since,
            step.attempt,
            error="not found at the provider after an unrecorded attempt",
        )
    return None


async def record_found(
    conn: Connection, outbox_id: int, since: datetime, attempt: int, best: ProviderRecord
) -> bool:
    """A look-up found the message: the row takes the provider's status (True if it moved),
    and its open attempt (if any) the outcome."""
    moved = await outbox_delivery.finish(
        conn,
        outbox_id,
        since,
        status=best.status,
        provider_id=best.biz_id,
        receipt_code=best.err_code,
    )
    if attempt:
        await outbox_delivery.finish_attempt(
            conn,
            outbox_id,
            attempt,
            outcome=f"reconciled:{best.status}",
            provider_code=best.err_code,
            provider_id=best.biz_id,
        )
    return moved


async def record_not_found(
    conn: Connection, outbox_id: int, since: datetime, attempt: int, *, error: str
) -> None:
    """A look-up did not find the message: the row is due to be sent again."""
    await outbox_delivery.finish(conn, outbox_id, since, status=S.TEMPORARY_FAILURE, error=error)
    if attempt:
        await outbox_delivery.finish_attempt(
            conn, outbox_id, attempt, outcome="reconciled:not-found"
        )


async def apply_provider_news(
    conn: Connection,
    outbox_id: int,
    status: DeliveryStatus,
    *,
    provider_id: str | None,
    code: str | None,
) -> bool:
    """Move a row to what the provider reported, unless it is final or already past that."""
    row = await outbox_receipts.lock_for_news(conn, outbox_id)
    if row is None or not may_move(S(row.status), status):
        return False
    await outbox_receipts.apply_news(
        conn, outbox_id, status=status, provider_id=provider_id, receipt_code=code
    )
    await outbox_policy.mirror_merged(conn, outbox_id, status)
    return True


async def poll_receipts(deps: Deps, channel: Channel, *, limit: int = 200) -> int:
    """The backstop for lost receipts: ask the provider about sent rows that heard nothing.

    Returns how many rows moved to a final status.
    """
    sms = deps.settings.sms
    rows = await outbox_receipts.claim_for_poll(
        deps.pool,
        channel.name,
        after_seconds=sms.receipt_poll_after_seconds,
        give_up_hours=sms.receipt_poll_give_up_hours,
        limit=limit,
    )

    async def one(row: PollRow) -> bool:
        sent = row.last_attempt_at or row.sent_at
        days = sorted({local_date(sent), local_date(row.sent_at)})
        # a broadcast row went under its batch's OutId, any other under its own id
        out_id = row.batch_out_id or str(row.id)
        lookup = await channel.lookup(row.phone, days, out_id, row.provider_id)
        best = lookup.best()
        if lookup.error is not None or best is None or best.status is S.SENT:
            SMS_RECONCILIATIONS.labels(
                "receipt_poll", "error" if lookup.error is not None else "no_news"
            ).inc()
            return False
        SMS_RECONCILIATIONS.labels("receipt_poll", best.status.value).inc()
        async with transaction(deps.pool) as conn:
            moved = await apply_provider_news(
                conn, row.id, best.status, provider_id=None, code=best.err_code
            )
            await outbox_receipts.insert_receipt(
                conn,
                outbox_id=row.id,
                source="poll",
                dedupe_key=f"poll:{row.id}:{best.status}:{best.receive_date or ''}",
                biz_id=row.provider_id,
                out_id=out_id,
                phone=row.phone,
                success=best.status is S.DELIVERED,
                err_code=best.err_code,
                err_msg=None,
                send_time=best.send_date,
                report_time=best.receive_date,
                applied=moved,
            )
        return moved

    results = await asyncio.gather(*(one(r) for r in rows))
    return sum(results)
