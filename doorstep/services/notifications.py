"""Notifications: queue in the caller's transaction; deliver from a worker, at least once.

Delivering one row:
1. lock the row (another worker holding it means skip) and check it is still due;
2. mark it 'sending' with the attempt recorded, and COMMIT;
3. call the provider outside any row lock;
4. record the result, guarded by the claim: news that came first (a receipt) wins.
A row found 'sending' past its lease crashed between 3 and 4. It is looked up at the provider
(QuerySendDetails by phone, day and OutId = the row id) before it would ever be sent again; so
is a row whose last attempt timed out after the request left. Only "not there" sends again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from doorstep.config import SmsSettings
from doorstep.domain.calendar import local_date
from doorstep.domain.delivery import DUE, DeliveryStatus, may_move, retry_delay
from doorstep.domain.pii import mask_secrets, unseal_sms_params
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.i18n import translate
from doorstep.notify.channels import (
    Channel,
    DeliveryResult,
    Outcome,
    OutgoingSms,
    PushAnswer,
    PushTarget,
)
from doorstep.notify.policy import (
    NON_ESSENTIAL_KINDS,
    PUSH,
    SMS,
    ChannelChoice,
    cap_wait,
    choose_channel,
    parse_clock,
    quiet_until,
)
from doorstep.notify.sms_text import FittedSms, check_identifiers, digest_line, fit_sms
from doorstep.observability.metrics import SMS_RECONCILIATIONS, SMS_RESULTS, provider_code
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store import outbox as store
from doorstep.store import push as push_store
from doorstep.store import sms_inbound as inbound_store
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import OutboxRow, PollRow, SiblingRow

log = logging.getLogger(__name__)

S = DeliveryStatus


async def queue(
    conn: Connection,
    *,
    citizen_id: int | None,
    phone: str,
    kind: str,
    template: str,
    params: dict[str, Any],
    language: str,
    urgent: bool = False,
    extend_code: str | None = None,
) -> int:
    """Write the outbox row inside the caller's transaction; enqueue after commit.

    An identifier that could never be sent (a malformed number or code) is refused here, in the
    caller's transaction, rather than failing later in a worker. `extend_code` marks an SMS
    that asks a question (domain.sms_reply.question_code): the reply comes back with it.
    """
    check_identifiers(params)
    return await store.insert(
        conn,
        citizen_id=citizen_id,
        phone=phone,
        kind=kind,
        template=template,
        params=params,
        language=language,
        urgent=urgent,
        extend_code=extend_code,
    )


@dataclass(frozen=True)
class _Send:
    message: OutgoingSms
    attempt: int
    retries: int
    since: datetime
    citizen_id: int | None = None


@dataclass(frozen=True)
class _LookUp:
    outbox_id: int
    phone: str
    attempt: int
    since: datetime
    days: list[date]


@dataclass(frozen=True)
class _PushSend:
    outbox_id: int
    targets: list[PushTarget]
    payload: dict[str, Any]
    urgent: bool
    attempt: int
    retries: int
    since: datetime
    citizen_id: int | None


@dataclass(frozen=True)
class _Done:
    status: str | None
    enqueue: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Again:
    """The row is due again at once (a lost push attempt): claim it afresh."""


class PushSender(Protocol):
    name: str

    async def send(
        self, targets: list[PushTarget], payload: dict[str, Any], *, urgent: bool = False
    ) -> list[PushAnswer]: ...

    async def close(self) -> None: ...


async def deliver(
    deps: Deps, channel: Channel, outbox_id: int, *, push: PushSender | None = None
) -> str | None:
    """Send one outbox row if it is still due. Returns its status now, None if nothing to do.

    `channel` carries SMS; `push`, when given, Web Push to citizens with a live subscription.
    """
    for _ in range(3):  # a look-up that finds nothing, or a lost push, lets this job send
        step = await _claim(deps, channel, outbox_id, push)
        if isinstance(step, _Again):
            continue
        if isinstance(step, _Done):
            await deps.after_commit(step.enqueue)
            return step.status
        if isinstance(step, _LookUp):
            found = await _reconcile(deps, channel, step)
            if found is not None:
                return found
            continue
        if isinstance(step, _PushSend):
            assert push is not None
            try:
                answers = await push.send(step.targets, step.payload, urgent=step.urgent)
            except Exception as exc:  # recorded, never lost
                log.exception("push of outbox row %s failed", outbox_id)
                answers = [
                    PushAnswer(t.subscription_id, Outcome.RETRY, error=repr(exc)[:300])
                    for t in step.targets
                ]
            return await _record_push(deps, step, answers)
        try:
            result = await channel.send(step.message)
        except Exception as exc:  # a channel fault is recorded, never lost
            log.exception("delivery of outbox row %s failed", outbox_id)
            result = DeliveryResult(outcome=Outcome.UNKNOWN, error=repr(exc)[:500])
        return await _record(deps, channel, step, result)
    return None


async def _claim(
    deps: Deps, channel: Channel, outbox_id: int, push: PushSender | None
) -> _Send | _PushSend | _LookUp | _Done | _Again:
    sms = deps.settings.sms
    sign_name = deps.settings.sms_sign_name
    async with transaction(deps.pool) as conn:
        row = await store.lock_row(conn, outbox_id, sms.sending_lease_seconds)
        if row is None:
            return _Done(None)
        status = S(row.status)
        if row.merged_into is not None:
            return _Done(None)  # it goes (or went) inside another row's SMS
        if status is S.SENDING:
            # in flight elsewhere, unless the claim outlived its lease (a crash)
            if not row.stale:
                return _Done(None)
            if row.channel == "push":
                # push services cannot be asked; a repeated push replaces the first on the
                # device (same tag), so it simply goes again
                assert row.sending_since is not None  # stale: a claim with a start
                await store.finish(
                    conn,
                    outbox_id,
                    row.sending_since,
                    status=S.TEMPORARY_FAILURE,
                    error="push attempt lost",
                )
                return _Again()
            return await _claim_look_up(conn, row)
        if status not in DUE or not row.due:
            return _Done(None)
        if row.reconcile_first:
            return await _claim_look_up(conn, row)
        try:
            params = unseal_sms_params(dict(row.params), deps.settings.data_key)
            fitted = fit_sms(
                row.template,
                params,
                row.language,
                sign_name=sign_name,
                param_limit=sms.param_limit,
                max_parts=sms.max_parts,
            )
        except (KeyError, IndexError, ValueError) as exc:
            # a template that cannot be filled will never send: stop, do not retry forever
            log.exception("outbox row %s: template %s cannot be rendered", outbox_id, row.template)
            await store.fail(
                conn, outbox_id, status=S.TECHNICAL_FAILURE, error=f"render: {exc!r}"[:500]
            )
            return _Done(S.TECHNICAL_FAILURE)
        if await _opted_out(conn, row, push_possible=push is not None):
            await store.fail(
                conn,
                outbox_id,
                status=S.PERMANENT_FAILURE,
                error="the citizen stopped non-essential SMS (TD)",
            )
            await store.record_decision(
                conn, outbox_id, row.citizen_id, decision="channel", reason="opted_out"
            )
            return _Done(S.PERMANENT_FAILURE)
        choice = await _decide_channel(conn, row, push_possible=push is not None)
        if choice.channel == PUSH:
            return await _claim_push(deps, conn, row)
        paused = await store.active_pause(conn, channel.name)
        hold = (
            (paused.paused_until, "paused")
            if paused is not None
            else await _policy_hold(conn, row, sms)
        )
        if hold is not None:
            until, reason = hold
            await store.hold(conn, outbox_id, until=until, reason=reason)
            await store.record_decision(
                conn, outbox_id, row.citizen_id, decision="held", reason=reason, until=until
            )
            return _Done(status)
        template = row.template
        digest = await _digest(conn, row, sign_name, sms)
        if digest is not None:
            template, fitted = "sms.digest", digest
        # the stored text never shows a log-in code; the message sent does
        claim = await store.claim_send(
            conn,
            outbox_id,
            channel=channel.name,
            body=mask_secrets(fitted.body, params),
            parts=fitted.parts,
        )
    message = OutgoingSms(
        outbox_id=outbox_id,
        phone=row.phone,
        template=template,
        language=row.language,
        params=fitted.params,
        body=fitted.body,
        extend_code=row.extend_code,
    )
    return _Send(
        message=message,
        attempt=claim.attempts,
        retries=row.retries,
        since=claim.sending_since,
        citizen_id=row.citizen_id,
    )


def _digest_number(row: OutboxRow, sms: SmsSettings) -> str | None:
    """The application a citizen's non-urgent update is about, if it may join a digest."""
    params = row.params
    # a question is asked in its own words, with its own extend code: never folded in a digest
    if (
        row.urgent
        or row.citizen_id is None
        or sms.digest_seconds <= 0
        or row.extend_code is not None
        or not isinstance(params, dict)
        or row.template == "sms.digest"
    ):
        return None
    number = params.get("number")
    return str(number) if number else None


async def _policy_hold(
    conn: Connection, row: OutboxRow, sms: SmsSettings
) -> tuple[datetime, str] | None:
    """Quiet hours, the digest wait and the caps: until when a non-urgent SMS waits, and why."""
    if row.urgent:
        return None
    now: datetime = row.db_now
    night_end = quiet_until(now, parse_clock(sms.quiet_start), parse_clock(sms.quiet_end))
    if night_end is not None:
        return night_end, "quiet_hours"
    if _digest_number(row, sms) is not None:
        gathered = row.created_at + timedelta(seconds=sms.digest_seconds)
        if gathered > now:
            return gathered, "digest"
    if sms.caps:
        longest = max(window for window, _limit in sms.caps)
        # held until this claim commits (as 'sending'), so the next claim to the number sees it
        await store.lock_number(conn, row.phone)
        sent = await store.recent_sends(conn, row.phone, row.id, longest)
        room = cap_wait(sent, now, sms.caps)
        if room is not None:
            return room, "cap"
    return None


async def _opted_out(conn: Connection, row: OutboxRow, *, push_possible: bool) -> bool:
    """A non-essential SMS to a citizen who replied "TD" (a push may still go)."""
    citizen_id = row.citizen_id
    if row.kind not in NON_ESSENTIAL_KINDS or citizen_id is None:
        return False
    if push_possible and row.via != SMS and await push_store.has_live(conn, citizen_id):
        return False
    return await inbound_store.opted_out(conn, citizen_id)


async def _decide_channel(
    conn: Connection, row: OutboxRow, *, push_possible: bool
) -> ChannelChoice:
    """The row's channel: decided once, recorded with its reason, kept for every retry."""
    decided = await store.channel_decision(conn, row.id)
    if decided is not None:
        return ChannelChoice(decided.channel or SMS, decided.reason)
    if row.via is not None:
        choice = ChannelChoice(row.via, "forced")
    else:
        citizen_id = row.citizen_id
        preference = (
            await store.channel_preference(conn, citizen_id) if citizen_id is not None else None
        )
        live = (
            push_possible and citizen_id is not None and await push_store.has_live(conn, citizen_id)
        )
        choice = choose_channel(
            has_account=citizen_id is not None,
            kind=row.kind,
            prefers_sms=preference == "sms",
            has_live_push=live,
        )
    await store.record_decision(
        conn,
        row.id,
        row.citizen_id,
        decision="channel",
        channel=choice.channel,
        reason=choice.reason,
    )
    return choice


async def _claim_push(deps: Deps, conn: Connection, row: OutboxRow) -> _PushSend | _Done:
    outbox_id = row.id
    assert row.citizen_id is not None  # push is chosen for citizens only
    targets = [
        PushTarget(r.id, r.endpoint, r.p256dh, r.auth)
        for r in await push_store.for_citizen(conn, row.citizen_id)
    ]
    if not targets:
        # every subscription went away since the decision: the SMS copy goes instead
        await store.fail(
            conn, outbox_id, status=S.PERMANENT_FAILURE, error="no push subscription left"
        )
        fallback = await fall_back_to_sms(conn, outbox_id, reason="push_failed")
        return _Done(S.PERMANENT_FAILURE, (fallback,) if fallback else ())
    params: dict[str, Any] = {k: str(v) for k, v in row.params.items()}
    text = translate(row.template, row.language, **params)
    number = params.get("number")
    claim = await store.claim_send(conn, outbox_id, channel="push", body=text, parts=0)
    payload = {
        "id": outbox_id,
        "title": translate("notify.push_title", row.language),
        "body": text,
        "kind": row.kind,
        "tag": f"{row.kind}:{number or outbox_id}",
        "url": f"/applications/{number}" if number else "/",
        "ack": push_ack_token(deps.settings.index_key, outbox_id),
    }
    return _PushSend(
        outbox_id=outbox_id,
        targets=targets,
        payload=payload,
        urgent=bool(row.urgent),
        attempt=claim.attempts,
        retries=row.retries,
        since=claim.sending_since,
        citizen_id=row.citizen_id,
    )


async def _record_push(deps: Deps, step: _PushSend, answers: list[PushAnswer]) -> str:
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
        moved = await store.finish(conn, step.outbox_id, step.since, status=status, **fields)
        await store.finish_attempt(
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
            until = await conn.fetchval(
                "select next_attempt_at from outbox where id = $1", step.outbox_id
            )
            await store.record_decision(
                conn, step.outbox_id, step.citizen_id, decision="held", reason="retry", until=until
            )
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
    await store.record_decision(
        conn, outbox_id, citizen_id, decision="fallback", reason=reason, detail={"sms": fallback}
    )
    await store.record_decision(
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


async def _digest(
    conn: Connection, row: OutboxRow, sign_name: str, sms: SmsSettings
) -> FittedSms | None:
    """Gather the application's other waiting updates into this row's SMS, if there are any."""
    number = _digest_number(row, sms)
    if number is None:
        return None
    siblings = await store.lock_siblings(conn, row.id, row.phone, number)
    members: list[OutboxRow | SiblingRow] = sorted(
        [row, *await store.merged_rows(conn, row.id), *siblings], key=lambda r: r.id
    )
    if len(members) < 2:
        return None
    latest = members[-1]
    params = {
        "number": number,
        "count": str(len(members)),
        "latest": digest_line(latest.kind, latest.template, latest.params, row.language),
    }
    try:
        fitted = fit_sms(
            "sms.digest",
            params,
            row.language,
            sign_name=sign_name,
            param_limit=sms.param_limit,
            max_parts=sms.max_parts,
        )
    except (KeyError, IndexError, ValueError):
        log.exception("outbox row %s: digest cannot be rendered; sending alone", row.id)
        return None
    if siblings:
        ids = [s.id for s in siblings]
        await store.merge(conn, row.id, ids)
        for sibling in siblings:
            await store.record_decision(
                conn,
                sibling.id,
                sibling.citizen_id,
                decision="merged",
                reason="digest",
                detail={"into": row.id},
            )
        await store.record_decision(
            conn,
            row.id,
            row.citizen_id,
            decision="digest",
            reason="digest",
            detail={"count": len(members), "merged": ids},
        )
    return fitted


async def _claim_look_up(conn: Connection, row: OutboxRow) -> _LookUp:
    since = await store.claim_lookup(conn, row.id)
    last = row.last_attempt_at or since
    # the provider files a message under its Beijing send day; an attempt near midnight
    # may sit on either side
    days = sorted({local_date(last), local_date(since)})
    return _LookUp(outbox_id=row.id, phone=row.phone, attempt=row.attempts, since=since, days=days)


async def _reconcile(deps: Deps, channel: Channel, step: _LookUp) -> str | None:
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
            if await store.finish(
                conn,
                step.outbox_id,
                step.since,
                status=best.status,
                provider_id=best.biz_id,
                receipt_code=best.err_code,
            ):
                await store.mirror_merged(conn, step.outbox_id, best.status)
            if step.attempt:
                await store.finish_attempt(
                    conn,
                    step.outbox_id,
                    step.attempt,
                    outcome=f"reconciled:{best.status}",
                    provider_code=best.err_code,
                    provider_id=best.biz_id,
                )
            log.info(
                "outbox row %s: found at the provider (%s); not sent again",
                step.outbox_id,
                best.status,
            )
            return best.status
        await store.finish(
            conn,
            step.outbox_id,
            step.since,
            status=S.TEMPORARY_FAILURE,
            error="not found at the provider after an unrecorded attempt",
        )
        if step.attempt:
            await store.finish_attempt(
                conn, step.outbox_id, step.attempt, outcome="reconciled:not-found"
            )
    return None


async def _record(deps: Deps, channel: Channel, step: _Send, result: DeliveryResult) -> str:
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
            fields["next_at"] = await _pause(conn, channel.name, result, sms.pause_seconds)
        moved = await store.finish(conn, outbox_id, step.since, status=status, **fields)
        await store.finish_attempt(
            conn,
            outbox_id,
            step.attempt,
            outcome=outcome.value,
            provider_code=result.code,
            provider_id=result.provider_id,
            error=result.error,
        )
        if moved and status is not S.TEMPORARY_FAILURE:
            await store.mirror_merged(conn, outbox_id, status)
        if moved and fields.get("hold_reason"):
            reason = "retry" if fields["hold_reason"] == "backoff" else fields["hold_reason"]
            until = await conn.fetchval(
                "select next_attempt_at from outbox where id = $1", outbox_id
            )
            await store.record_decision(
                conn,
                outbox_id,
                step.citizen_id,
                decision="held",
                reason=reason,
                until=until,
                detail={"code": result.code} if result.code else None,
            )
        if not moved:
            # news came first (a receipt, or a look-up after our lease ran out): it stands
            if result.provider_id:
                await store.set_provider_id_if_missing(conn, outbox_id, result.provider_id)
            current: str | None = await conn.fetchval(
                "select status from outbox where id = $1", outbox_id
            )
            return current or status
    if status is S.TECHNICAL_FAILURE or outcome is Outcome.PERMANENT:
        log.warning("outbox row %s: %s (%s)", outbox_id, status, result.error)
    return status


async def _pause(conn: Connection, channel: str, result: DeliveryResult, seconds: int) -> datetime:
    code = result.code or "unknown"
    until, new = await store.pause(
        conn, channel, code=code, reason=result.error or code, seconds=seconds
    )
    if new:
        log.critical("SMS channel %s paused until %s: %s", channel, until.isoformat(), result.error)
        await events.append(
            conn,
            kind="ops.channel_paused",
            actor_kind="system",
            actor_id=None,
            data={
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
        released = await store.resume(conn, channel)
        await events.append(
            conn,
            kind="ops.channel_resumed",
            actor_kind="system",
            actor_id=None,
            data={"channel": channel, "released": released},
        )
    return released


async def pending(deps: Deps, *, older_than_seconds: int = 20, limit: int = 500) -> list[int]:
    return await store.pending_ids(
        deps.pool, older_than_seconds, limit, lease_seconds=deps.settings.sms.sending_lease_seconds
    )


# -- news from the provider: receipts, polls ------------------------------------------------


async def apply_provider_news(
    conn: Connection,
    outbox_id: int,
    status: DeliveryStatus,
    *,
    provider_id: str | None,
    code: str | None,
) -> bool:
    """Move a row to what the provider reported, unless it is final or already past that."""
    row = await store.lock_for_news(conn, outbox_id)
    if row is None or not may_move(S(row.status), status):
        return False
    await store.apply_news(
        conn, outbox_id, status=status, provider_id=provider_id, receipt_code=code
    )
    await store.mirror_merged(conn, outbox_id, status)
    return True


async def poll_receipts(deps: Deps, channel: Channel, *, limit: int = 200) -> int:
    """The backstop for lost receipts: ask the provider about sent rows that heard nothing.

    Returns how many rows moved to a final status.
    """
    sms = deps.settings.sms
    rows = await store.claim_for_poll(
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
            await store.insert_receipt(
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


# -- "how we told you" ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionView:
    decision: str
    reason: str
    channel: str | None
    until: datetime | None
    at: datetime


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    channel: str | None
    status: str
    text: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    merged_into: int | None
    fallback_of: int | None
    decisions: list[DecisionView]


async def my_notifications(deps: Deps, actor: Actor, *, limit: int = 20) -> list[NotificationView]:
    """The citizen's notifications, newest first, each with every decision made about it."""
    authorize(actor, Operation.NOTIFICATIONS_OWN, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    rows = await store.of_citizen(deps.pool, actor.citizen_id, max(1, min(limit, 100)))
    decided: dict[int, list[DecisionView]] = {}
    for d in await store.decisions_of(deps.pool, [r.id for r in rows]):
        decided.setdefault(d.outbox_id, []).append(
            DecisionView(
                decision=d.decision,
                reason=d.reason,
                channel=d.channel,
                until=d.until,
                at=d.created_at,
            )
        )
    return [
        NotificationView(
            id=r.id,
            kind=r.kind,
            channel=r.channel,
            status=r.status,
            text=r.body if r.status != S.CREATED else None,
            created_at=r.created_at,
            sent_at=r.sent_at,
            delivered_at=r.delivered_at,
            opened_at=r.opened_at,
            merged_into=r.merged_into,
            fallback_of=r.fallback_of,
            decisions=decided.get(r.id, []),
        )
        for r in rows
    ]
