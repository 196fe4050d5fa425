"""Delivering one outbox row, at least once: claim, send outside any lock, record.

The claim decides the channel (recorded once, kept for every retry), holds a non-urgent SMS
for quiet hours, the digest wait and the caps, and folds waiting updates into a digest.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from doorstep.config import SmsSettings
from doorstep.domain.delivery import DUE, DeliveryStatus
from doorstep.domain.pii import mask_secrets
from doorstep.notify.channels import Channel, DeliveryResult, Outcome, OutgoingSms, PushAnswer
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
from doorstep.notify.sms_text import outbox_sms
from doorstep.services.deps import Deps
from doorstep.services.notifications.digest import digest_number, gather_digest
from doorstep.services.notifications.provider_news import claim_look_up, reconcile
from doorstep.services.notifications.sms_results import record_sms
from doorstep.services.notifications.steps import Again, Done, LookUp, PushSend, PushSender, Send
from doorstep.services.notifications.web_push import claim_push, record_push
from doorstep.store import push as push_store
from doorstep.store import sms_inbound as inbound_store
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox_delivery
from doorstep.store.outbox import pauses as outbox_pauses
from doorstep.store.outbox import policy as outbox_policy
from doorstep.store.outbox.rows import OutboxRow

log = logging.getLogger(__name__)

S = DeliveryStatus


async def deliver(
    deps: Deps, channel: Channel, outbox_id: int, *, push: PushSender | None = None
) -> str | None:
    """Send one outbox row if it is still due. Returns its status now, None if nothing to do.

    `channel` carries SMS; `push`, when given, Web Push to citizens with a live subscription.
    """
    for _ in range(3):  # a look-up that finds nothing, or a lost push, lets this job send
        step = await _claim(deps, channel, outbox_id, push)
        if isinstance(step, Again):
            continue
        if isinstance(step, Done):
            await deps.after_commit(step.enqueue)
            return step.status
        if isinstance(step, LookUp):
            found = await reconcile(deps, channel, step)
            if found is not None:
                return found
            continue
        if isinstance(step, PushSend):
            assert push is not None
            try:
                answers = await push.send(step.targets, step.payload, urgent=step.urgent)
            except Exception as exc:  # recorded, never lost
                log.exception("push of outbox row %s failed", outbox_id)
                answers = [
                    PushAnswer(t.subscription_id, Outcome.RETRY, error=repr(exc)[:300])
                    for t in step.targets
                ]
            return await record_push(deps, step, answers)
        try:
            result = await channel.send(step.message)
        except Exception as exc:  # a channel fault is recorded, never lost
            log.exception("delivery of outbox row %s failed", outbox_id)
            result = DeliveryResult(outcome=Outcome.UNKNOWN, error=repr(exc)[:500])
        return await record_sms(deps, channel, step, result)
    return None


async def _claim(
    deps: Deps, channel: Channel, outbox_id: int, push: PushSender | None
) -> Send | PushSend | LookUp | Done | Again:
    sms = deps.settings.sms
    sign_name = deps.settings.sms_sign_name
    async with transaction(deps.pool) as conn:
        row = await outbox_delivery.lock_row(conn, outbox_id, sms.sending_lease_seconds)
        if row is None:
            return Done(None)
        status = S(row.status)
        if row.merged_into is not None:
            return Done(None)  # it goes (or went) inside another row's SMS
        if status is S.SENDING:
            # in flight elsewhere, unless the claim outlived its lease (a crash)
            if not row.stale:
                return Done(None)
            if row.channel == "push":
                # push services cannot be asked; a repeated push replaces the first on the
                # device (same tag), so it simply goes again
                assert row.sending_since is not None  # stale: a claim with a start
                await outbox_delivery.finish(
                    conn,
                    outbox_id,
                    row.sending_since,
                    status=S.TEMPORARY_FAILURE,
                    error="push attempt lost",
                )
                return Again()
            return await claim_look_up(conn, row)
        if status not in DUE or not row.due:
            return Done(None)
        if row.reconcile_first:
            return await claim_look_up(conn, row)
        try:
            fitted, params = outbox_sms(deps.settings, row.template, row.params, row.language)
        except (KeyError, IndexError, ValueError) as exc:
            # a template that cannot be filled will never send: stop, do not retry forever
            log.exception("outbox row %s: template %s cannot be rendered", outbox_id, row.template)
            await outbox_delivery.fail(
                conn, outbox_id, status=S.TECHNICAL_FAILURE, error=f"render: {exc!r}"[:500]
            )
            return Done(S.TECHNICAL_FAILURE)
        if await _opted_out(conn, row, push_possible=push is not None):
            await outbox_delivery.fail(
                conn,
                outbox_id,
                status=S.PERMANENT_FAILURE,
                error="the citizen stopped non-essential SMS (TD)",
            )
            await outbox_policy.record_decision(
                conn, outbox_id, row.citizen_id, decision="channel", reason="opted_out"
            )
            return Done(S.PERMANENT_FAILURE)
        choice = await _decide_channel(conn, row, push_possible=push is not None)
        if choice.channel == PUSH:
            return await claim_push(deps, conn, row)
        paused = await outbox_pauses.active_pause(conn, channel.name)
        hold = (
            (paused.paused_until, "paused")
            if paused is not None
            else await _policy_hold(conn, row, sms)
        )
        if hold is not None:
            until, reason = hold
            await outbox_delivery.hold(conn, outbox_id, until=until, reason=reason)
            await outbox_policy.record_decision(
                conn, outbox_id, row.citizen_id, decision="held", reason=reason, until=until
            )
            return Done(status)
        template = row.template
        digest = await gather_digest(conn, row, sign_name, sms)
        if digest is not None:
            template, fitted = "sms.digest", digest
        # the stored text never shows a log-in code; the message sent does
        claim = await outbox_delivery.claim_send(
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
    return Send(
        message=message,
        attempt=claim.attempts,
        retries=row.retries,
        since=claim.sending_since,
        citizen_id=row.citizen_id,
    )


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
    if digest_number(row, sms) is not None:
        gathered = row.created_at + timedelta(seconds=sms.digest_seconds)
        if gathered > now:
            return gathered, "digest"
    if sms.caps:
        longest = max(window for window, _limit in sms.caps)
        # held until this claim commits (as 'sending'), so the next claim to the number sees it
        await outbox_policy.lock_number(conn, row.phone)
        sent = await outbox_policy.recent_sends(conn, row.phone, row.id, longest)
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
    decided = await outbox_policy.channel_decision(conn, row.id)
    if decided is not None:
        return ChannelChoice(decided.channel or SMS, decided.reason)
    if row.via is not None:
        choice = ChannelChoice(row.via, "forced")
    else:
        citizen_id = row.citizen_id
        preference = (
            await outbox_policy.channel_preference(conn, citizen_id)
            if citizen_id is not None
            else None
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
    await outbox_policy.record_decision(
        conn,
        row.id,
        row.citizen_id,
        decision="channel",
        channel=choice.channel,
        reason=choice.reason,
    )
    return choice


async def pending(deps: Deps, *, older_than_seconds: int = 20, limit: int = 500) -> list[int]:
    return await outbox_delivery.pending_ids(
        deps.pool, older_than_seconds, limit, lease_seconds=deps.settings.sms.sending_lease_seconds
    )
