"""Recording what the SMS provider answered; pausing and resuming a channel."""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any

from doorstep.domain.delivery import DeliveryStatus, retry_delay
from doorstep.notify.channels import Channel, DeliveryResult, Outcome
from doorstep.observability.metrics import SMS_RESULTS, provider_code
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.services.notifications.steps import Send
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox_delivery
from doorstep.store.outbox import pauses as outbox_pauses
from doorstep.store.outbox import policy as outbox_policy

log = logging.getLogger(__name__)

S = DeliveryStatus


async def record_sms(deps: Deps, channel: Channel, step: Send, result: DeliveryResult) -> str:
    sms = deps.settings.sms
    SMS_RESULTS.labels(channel.name, result.outcome.value, provider_code(result.code)).inc()
    outbox_id = step.message.outbox_id
    outcome = result.outcome
    fields: dict[str, Any] = {"provider_id": result.provider_id, "error": result.error}
    if outcome is Outcome.SENT:
        status = S.SENT
    elif outcome is Outcome.DELIVERED:
        status = S.DELIVERED
    elif outcome in (Outcome.RETRY, Outcome.UNKNOWN):
        retries = step.retries + 1
        if retries >= sms.max_retries:
            status = S.TECHNICAL_FAILURE
            fields["error"] = f"gave up after {retries} tries: {result.error}"[:500]
        else:
            status = S.TEMPORARY_FAILURE
            fields.update(
                next_in_seconds=retry_delay(retries, random.random()),
                hold_reason="backoff",
                reconcile_first=outcome is Outcome.UNKNOWN,
            )
        fields["add_retry"] = True
    elif outcome is Outcome.DEFER:
        status = S.TEMPORARY_FAILURE
        fields.update(next_at=result.retry_at, hold_reason="provider_limit")
    elif outcome is Outcome.PAUSE:
        status = S.TEMPORARY_FAILURE
        fields.update(hold_reason="paused")
    elif outcome is Outcome.PERMANENT:
        status = S.PERMANENT_FAILURE
    else:
        status = S.TECHNICAL_FAILURE
    async with transaction(deps.pool) as conn:
        if outcome is Outcome.PAUSE:
            fields["next_at"] = await pause_channel(conn, channel.name, result, sms.pause_seconds)
        moved = await outbox_delivery.finish(conn, outbox_id, step.since, status=status, **fields)
        await outbox_delivery.finish_attempt(
            conn,
            outbox_id,
            step.attempt,
            outcome=outcome.value,
            provider_code=result.code,
            provider_id=result.provider_id,
            error=result.error,
        )
        if moved and status is not S.TEMPORARY_FAILURE:
            await outbox_policy.mirror_merged(conn, outbox_id, status)
        if moved and fields.get("hold_reason"):
            reason = "retry" if fields["hold_reason"] == "backoff" else fields["hold_reason"]
            await outbox_policy.record_held(
                conn,
                outbox_id,
                step.citizen_id,
                reason,
                detail={"code": result.code} if result.code else None,
            )
        if not moved:
            # news came first (a receipt, or a look-up after our lease ran out): it stands
            if result.provider_id:
                await outbox_delivery.set_provider_id_if_missing(
                    conn, outbox_id, result.provider_id
                )
            current: str | None = await conn.fetchval(
                "select status from outbox where id = $1", outbox_id
            )
            return current or status
    if status is S.TECHNICAL_FAILURE or outcome is Outcome.PERMANENT:
        log.warning("outbox row %s: %s (%s)", outbox_id, status, result.error)
    return status


async def pause_channel(
    conn: Connection, channel: str, result: DeliveryResult, seconds: int
) -> datetime:
    code = result.code or "unknown"
    until, new = await outbox_pauses.pause(
        conn, channel, code=code, reason=result.error or code, seconds=seconds
    )
    if new:
        log.critical("SMS channel %s paused until %s: %s", channel, until.isoformat(), result.error)
        await event_log.by_system(
            conn,
            "ops.channel_paused",
            {
                "channel": channel,
                "code": code,
                "reason": result.error,
                "until": until.isoformat(),
            },
        )
    return until


async def resume_channel(deps: Deps, channel: str) -> int:
    """An operator ends a pause (credit topped up, keys fixed): held rows are due at once."""
    async with transaction(deps.pool) as conn:
        released = await outbox_pauses.resume(conn, channel)
        await event_log.by_system(
            conn, "ops.channel_resumed", {"channel": channel, "released": released}
        )
    return released
