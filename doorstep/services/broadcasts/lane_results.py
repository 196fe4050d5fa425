"""Recording a batch's answer on every row of it, and looking up a batch whose answer was lost."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta

from doorstep.domain.calendar import local_date
from doorstep.domain.delivery import DeliveryStatus, retry_delay
from doorstep.notify.channels import Channel, DeliveryResult, Lookup, Outcome
from doorstep.observability.metrics import SMS_RECONCILIATIONS, SMS_RESULTS, provider_code
from doorstep.services.broadcasts.steps import Batch, LaneResult, Lost
from doorstep.services.deps import Deps
from doorstep.services.notifications import provider_news
from doorstep.store.broadcasts import lanes as store
from doorstep.store.broadcasts.rows import LostRow
from doorstep.store.db import transaction

log = logging.getLogger(__name__)

S = DeliveryStatus


async def record_batch(
    deps: Deps, channel: Channel, step: Batch, answer: DeliveryResult, result: LaneResult
) -> None:
    sms = deps.settings.sms
    outcome = answer.outcome
    n = len(step.ids)
    # counted per message, as a single send is: a batch of 100 is 100 results
    SMS_RESULTS.labels(channel.name, outcome.value, provider_code(answer.code)).inc(n)
    delays: list[float | None] = [None] * n
    hold_reason: str | None = None
    next_at: datetime | None = None
    add_retry = False
    if outcome is Outcome.SENT:
        statuses = [S.SENT.value] * n
    elif outcome is Outcome.DELIVERED:
        statuses = [S.DELIVERED.value] * n
    elif outcome in (Outcome.RETRY, Outcome.UNKNOWN):
        add_retry, hold_reason = True, "backoff"
        statuses = []
        for i, retries in enumerate(step.retries):
            if retries + 1 >= sms.max_retries:
                statuses.append(S.TECHNICAL_FAILURE.value)
            else:
                statuses.append(S.TEMPORARY_FAILURE.value)
                delays[i] = retry_delay(retries + 1, random.random())
    elif outcome is Outcome.DEFER:
        statuses, hold_reason, next_at = (
            [S.TEMPORARY_FAILURE.value] * n,
            "provider_limit",
            answer.retry_at,
        )
    elif outcome is Outcome.PAUSE:
        statuses, hold_reason = [S.TEMPORARY_FAILURE.value] * n, "paused"
    elif outcome is Outcome.PERMANENT:
        statuses = [S.PERMANENT_FAILURE.value] * n
    else:
        statuses = [S.TECHNICAL_FAILURE.value] * n
    async with transaction(deps.pool) as conn:
        if outcome is Outcome.PAUSE:
            from doorstep.services.notifications.sms_results import pause_channel

            next_at = await pause_channel(conn, channel.name, answer, sms.pause_seconds)
        done = await store.finish_batch(
            conn,
            step.ids,
            step.since,
            statuses=statuses,
            delays=delays,
            next_at=next_at,
            provider_id=answer.provider_id,
            error=answer.error,
            hold_reason=hold_reason,
            reconcile_first=outcome is Outcome.UNKNOWN,
            add_retry=add_retry,
            outcome=outcome.value,
            code=answer.code,
        )
        if hold_reason is not None:
            reason = "retry" if hold_reason == "backoff" else hold_reason
            await store.record_held(conn, done, reason, answer.code)
    for r in done:
        result.statuses[r.status] = result.statuses.get(r.status, 0) + 1
    if outcome in (Outcome.SENT, Outcome.DELIVERED):
        result.sent += len(done)
    elif any(s == S.TEMPORARY_FAILURE.value for s in statuses):
        result.retried += len(done)
    else:
        result.failed += len(done)
        log.warning("broadcast batch %s: %s (%s)", step.out_id, statuses[0], answer.error)


async def reconcile_batch(deps: Deps, channel: Channel, step: Lost, result: LaneResult) -> None:
    """Ask the provider about each number of a batch whose outcome we never recorded."""

    async def ask(row: LostRow) -> Lookup:
        last = row.last_attempt_at or step.since
        days = sorted(
            {local_date(last), local_date(last + timedelta(seconds=1)), local_date(step.since)}
        )
        return await channel.lookup(row.phone, days, row.batch_out_id)

    lookups = await asyncio.gather(*(ask(r) for r in step.rows))
    async with transaction(deps.pool) as conn:
        for row, lookup in zip(step.rows, lookups, strict=True):
            if lookup.error is not None:
                SMS_RECONCILIATIONS.labels("broadcast_batch", "error").inc()
                continue  # cannot tell: stays 'sending'; asked again after the lease
            best = lookup.best()
            SMS_RECONCILIATIONS.labels(
                "broadcast_batch", best.status.value if best is not None else "not_found"
            ).inc()
            if best is not None:
                await provider_news.record_found(conn, row.id, step.since, row.attempts, best)
                result.reconciled += 1
            else:
                await provider_news.record_not_found(
                    conn,
                    row.id,
                    step.since,
                    row.attempts,
                    error="not found at the provider after an unrecorded batch",
                )
                result.resent_after_lookup += 1
