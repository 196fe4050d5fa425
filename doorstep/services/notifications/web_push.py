"""Web Push delivery of an outbox row, and its SMS copy when push fails or goes unread."""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

from doorstep.domain.delivery import DeliveryStatus, retry_delay
from doorstep.i18n import translate
from doorstep.notify.channels import Outcome, PushAnswer, PushTarget
from doorstep.notify.policy import SMS
from doorstep.services.deps import Deps
from doorstep.services.notifications.steps import Done, PushSend
from doorstep.store import push as push_store
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox_delivery
from doorstep.store.outbox import policy as outbox_policy
from doorstep.store.outbox.rows import OutboxRow

S = DeliveryStatus


async def claim_push(deps: Deps, conn: Connection, row: OutboxRow) -> PushSend | Done:
    outbox_id = row.id
    assert row.citizen_id is not None  # push is chosen for citizens only
    targets = [
        PushTarget(r.id, r.endpoint, r.p256dh, r.auth)
        for r in await push_store.for_citizen(conn, row.citizen_id)
    ]
    if not targets:
        # every subscription went away since the decision: the SMS copy goes instead
        await outbox_delivery.fail(
            conn, outbox_id, status=S.PERMANENT_FAILURE, error="no push subscription left"
        )
        fallback = await fall_back_to_sms(conn, outbox_id, reason="push_failed")
        return Done(S.PERMANENT_FAILURE, (fallback,) if fallback else ())
    params: dict[str, Any] = {k: str(v) for k, v in row.params.items()}
    text = translate(row.template, row.language, **params)
    number = params.get("number")
    claim = await outbox_delivery.claim_send(conn, outbox_id, channel="push", body=text, parts=0)
    payload = {
        "id": outbox_id,
        "title": translate("notify.push_title", row.language),
        "body": text,
        "kind": row.kind,
        "tag": f"{row.kind}:{number or outbox_id}",
        "url": f"/applications/{number}" if number else "/",
        "ack": push_ack_token(deps.settings.index_key, outbox_id),
    }
    return PushSend(
        outbox_id=outbox_id,
        targets=targets,
        payload=payload,
        urgent=bool(row.urgent),
        attempt=claim.attempts,
        retries=row.retries,
        since=claim.sending_since,
        citizen_id=row.citizen_id,
    )


async def record_push(deps: Deps, step: PushSend, answers: list[PushAnswer]) -> str:
    push = deps.settings.push
    sent = [a for a in answers if a.outcome is Outcome.SENT]
    gone = [a.subscription_id for a in answers if a.gone]
    codes = ",".join(str(a.status) for a in answers)
    errors = "; ".join(a.error for a in answers if a.error)[:500] or None
    fields: dict[str, Any] = {"error": errors}
    fallback: int | None = None
    if sent:
        status, outcome = S.SENT, Outcome.SENT
        fields["provider_id"] = sent[0].location or f"push:{sent[0].status}"
    elif any(a.outcome is Outcome.RETRY for a in answers) and step.retries + 1 < push.max_retries:
        status, outcome = S.TEMPORARY_FAILURE, Outcome.RETRY
        fields.update(
            next_in_seconds=retry_delay(step.retries + 1, random.random()),
            hold_reason="backoff",
            add_retry=True,
        )
    else:
        status, outcome = S.PERMANENT_FAILURE, Outcome.PERMANENT
    async with transaction(deps.pool) as conn:
        if gone:
            await push_store.remove_by_id(conn, gone)
        if sent:
            await push_store.mark_success(conn, [a.subscription_id for a in sent])
        moved = await outbox_delivery.finish(
            conn, step.outbox_id, step.since, status=status, **fields
        )
        await outbox_delivery.finish_attempt(
            conn,
            step.outbox_id,
            step.attempt,
            outcome=outcome.value,
            provider_code=codes,
            provider_id=fields.get("provider_id"),
            error=errors,
        )
        if moved and status is S.PERMANENT_FAILURE:
            fallback = await fall_back_to_sms(conn, step.outbox_id, reason="push_failed")
        if moved and status is S.TEMPORARY_FAILURE:
            await outbox_policy.record_held(conn, step.outbox_id, step.citizen_id, "retry")
        if not moved:
            current: str | None = await conn.fetchval(
                "select status from outbox where id = $1", step.outbox_id
            )
            return current or status
    if fallback is not None:
        await deps.after_commit([fallback])
    return status


async def fall_back_to_sms(conn: Connection, outbox_id: int, *, reason: str) -> int | None:
    """Queue the SMS copy of a push row (once), with the decisions that explain it."""
    fallback = await push_store.insert_fallback(conn, outbox_id)
    if fallback is None:
        return None
    citizen_id = await conn.fetchval("select citizen_id from outbox where id = $1", outbox_id)
    await outbox_policy.record_decision(
        conn, outbox_id, citizen_id, decision="fallback", reason=reason, detail={"sms": fallback}
    )
    await outbox_policy.record_decision(
        conn,
        fallback,
        citizen_id,
        decision="channel",
        channel=SMS,
        reason=reason,
        detail={"push": outbox_id},
    )
    return fallback


def push_ack_token(key: bytes, outbox_id: int) -> str:
    """The proof a service worker sends back with a receipt: only the push itself carries it."""
    return hmac.new(key, f"push-ack:{outbox_id}".encode(), hashlib.sha256).hexdigest()[:32]
