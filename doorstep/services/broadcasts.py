"""Broadcasts: one SMS template to many citizens (a region, or a list of numbers).

Writing: the audience's outbox rows are inserted set-based (INSERT ... SELECT), a chunk of
citizens per transaction (50,000 by default), each row still one notification of one citizen
with its own status, receipts and "how we told you" (its channel decision is written with it).
The broadcast keeps a cursor (the last citizen written) in the same transaction, so a writer
that stops is taken up where it left off (`resume_writing`).

Delivering goes in lanes: the rows of one broadcast in one language share template and sign
name, so they go up to 100 numbers per SendBatchSms call. A lane job claims a batch with
FOR UPDATE SKIP LOCKED (several jobs drain one lane side by side), marks its rows 'sending'
under one OutId ("b" + a sequence number, recorded on every row of it) and one claim time,
commits, calls Aliyun outside any lock, and records the answer on every row of the batch in one
statement. A batch whose answer was never recorded (the worker died, or the call timed out
after it left) is looked up per number with QuerySendDetails by that OutId before any of its
rows is sent again; only numbers the provider does not know go again, in a later batch.

The policy is the single path's: a paused channel holds the lane, non-urgent broadcasts wait
out quiet hours, the per-number caps hold the numbers that reached them, and the batch's answer
is classified like any SendSms answer (retry with backoff, defer, pause, permanent failure).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.calendar import local_date
from doorstep.domain.delivery import DeliveryStatus, retry_delay
from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.i18n import LANGUAGES
from doorstep.notify.aliyun import BATCH_LIMIT
from doorstep.notify.channels import Channel, DeliveryResult, Lookup, Outcome, OutgoingSms
from doorstep.notify.policy import cap_wait, parse_clock, quiet_until
from doorstep.notify.sms_text import (
    IDENTIFIER_PARAMS,
    FittedSms,
    SmsParamRefused,
    fit_sms,
    sms_templates,
    template_fields,
)
from doorstep.observability.metrics import SMS_RECONCILIATIONS, SMS_RESULTS, provider_code
from doorstep.services.deps import Deps
from doorstep.store import broadcasts as store
from doorstep.store import events
from doorstep.store.broadcasts import AudienceJson, BroadcastRow, DueRow, LostRow
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox_store

log = logging.getLogger(__name__)

S = DeliveryStatus
CHUNK = 50_000
MAX_LIST = 1_000_000
# a lane job beats this often; a lane silent for HEARTBEAT_LOST is started again
HEARTBEAT = 5.0
HEARTBEAT_LOST = 30


@dataclass(frozen=True)
class Started:
    id: int
    total: int
    lanes: list[tuple[int, str, int]]


# a broadcast like one started within this time is refused (broadcast.repeated)
REPEAT_WINDOW_SECONDS = 3600


def _fingerprint(
    template: str,
    values: dict[str, str],
    urgent: bool,
    region: str | None,
    phones: list[str] | None,
) -> str:
    raw = json.dumps(
        [template, values, urgent, region, sorted(set(phones or []))],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _region_ok(region: str) -> bool:
    return region.isascii() and region.isdigit() and len(region) in (2, 4, 6, 9, 12)


def check(
    template: str, params: dict[str, Any], *, sign_name: str, param_limit: int, max_parts: int
) -> dict[str, str]:
    """The broadcast's parameters, refused unless every language renders them uncut."""
    if template not in sms_templates() or template.startswith("sms.plain."):
        raise InvalidInput("broadcast.template_unknown", template=template[:60])
    values = {str(k): " ".join(str(v).split()) for k, v in params.items()}
    for language in LANGUAGES:
        names = template_fields(template, language)
        missing = [n for n in names if not values.get(n)]
        if missing:
            raise InvalidInput("broadcast.param_missing", name=missing[0][:40])
        for name in names:
            # a text read by a whole region is cut by nobody: it is refused for a rewrite
            if len(values[name]) > param_limit:
                raise InvalidInput("broadcast.param_too_long", name=name[:40], limit=param_limit)
            if name in IDENTIFIER_PARAMS and not IDENTIFIER_PARAMS[name].fullmatch(values[name]):
                raise InvalidInput("broadcast.param_invalid", name=name[:40])
        try:
            fitted = fit_sms(
                template,
                values,
                language,
                sign_name=sign_name,
                param_limit=param_limit,
                max_parts=max_parts,
            )
        except SmsParamRefused:
            raise InvalidInput("broadcast.too_long", parts=max_parts) from None
        if fitted.cut:
            raise InvalidInput("broadcast.too_long", parts=max_parts)
    used = {n for language in LANGUAGES for n in template_fields(template, language)}
    return {n: values[n] for n in sorted(used)}


async def start(
    deps: Deps,
    actor: Actor | None,
    *,
    template: str,
    params: dict[str, Any],
    region: str | None = None,
    phones: list[str] | None = None,
    urgent: bool = False,
    chunk: int = CHUNK,
) -> Started:
    """Start a broadcast: check, record it, write its rows chunk by chunk, enqueue its lanes.

    `actor` None: an operator at the console (`doorstep broadcast`).
    """
    if (region is None) == (phones is None):
        raise InvalidInput("broadcast.audience_required")
    if region is not None and not _region_ok(region):
        raise InvalidInput("broadcast.region_invalid")
    if phones is not None and len(phones) > MAX_LIST:
        raise InvalidInput("broadcast.list_too_long", limit=MAX_LIST)
    if actor is not None:
        authorize(
            actor,
            Operation.BROADCAST_SEND,
            Target(regions=(region,) if region is not None else ("",)),
        )
    sms = deps.settings.sms
    values = check(
        template,
        params,
        sign_name=deps.settings.sms_sign_name,
        param_limit=sms.param_limit,
        max_parts=sms.max_parts,
    )
    # the same message to the same people again soon is a second click, not a second notice
    fingerprint = _fingerprint(template, values, urgent, region, phones)
    audience: AudienceJson = (
        {"region": region, "fingerprint": fingerprint}
        if region is not None
        else {"phones": len(phones or []), "fingerprint": fingerprint}
    )
    async with transaction(deps.pool) as conn:
        if await store.started_recently(conn, audience["fingerprint"], REPEAT_WINDOW_SECONDS):
            raise Conflict("broadcast.repeated")
        citizen_ids: list[int] | None = None
        if phones is not None:
            citizen_ids = await store.citizens_by_phone(conn, sorted(set(phones)))
        if citizen_ids is not None and not citizen_ids:
            raise InvalidInput("broadcast.audience_empty")
        if region is not None and not await store.region_has_citizens(conn, region):
            raise InvalidInput("broadcast.audience_empty")
        broadcast_id = await store.create(
            conn,
            template=template,
            params=values,
            kind="broadcast",
            urgent=urgent,
            audience=audience,
            staff_id=actor.staff_id if actor is not None else None,
        )
        await events.append(
            conn,
            kind="broadcast.started",
            actor_kind="staff" if actor is not None else "system",
            actor_id=actor.staff_id if actor is not None else None,
            data={
                "broadcast": broadcast_id,
                "template": template,
                "audience": audience,
                "urgent": urgent,
            },
        )
    total, lanes = await write(deps, broadcast_id, citizen_ids=citizen_ids, chunk=chunk)
    return Started(id=broadcast_id, total=total, lanes=lanes)


async def write(
    deps: Deps, broadcast_id: int, *, citizen_ids: list[int] | None = None, chunk: int = CHUNK
) -> tuple[int, list[tuple[int, str, int]]]:
    """Write the broadcast's rows after its cursor, one chunk per transaction; enqueue lanes
    after each commit. Returns (rows in total, lanes)."""
    lanes: set[tuple[int, str, int]] = set()
    while True:
        async with transaction(deps.pool) as conn:
            b = await store.get(conn, broadcast_id)
            assert b is not None
            if b.state == "queued":
                break
            if citizen_ids is not None:
                rest = [i for i in citizen_ids if i > b.cursor][:chunk]
                result = await store.write_list_chunk(conn, broadcast_id, rest, chunk)
            else:
                region = b.audience.get("region")
                assert region is not None  # a broadcast without a list has a region
                result = await store.write_region_chunk(conn, broadcast_id, region, chunk)
            new = (
                await store.open_lanes(conn, broadcast_id, list(result.languages))
                if result.languages
                else []
            )
            if result.seen == 0:
                done = await store.mark_queued(conn, broadcast_id)
                await events.append(
                    conn,
                    kind="broadcast.queued",
                    actor_kind="system",
                    actor_id=None,
                    data={"broadcast": broadcast_id, "total": done.total},
                )
        if result.seen == 0:
            break
        lanes |= set(new)
        await deps.enqueue_lanes(sorted(new))
    async with transaction(deps.pool) as conn:
        b = await store.get(conn, broadcast_id)
        assert b is not None
        total = int(b.total)
    return total, sorted(lanes)


async def resume_writing(deps: Deps, *, older_than_seconds: int = 600) -> int:
    """Go on writing region broadcasts whose writer stopped (a list is not kept: it is written
    in one go by its caller, or started again). Two writers at once are safe (the chunk locks
    the broadcast and rows are unique per citizen), only wasteful: hence the wait."""
    resumed = 0
    for b in await store.writing(deps.pool, older_than_seconds):
        if "region" in b.audience:
            await write(deps, b.id)
            resumed += 1
    return resumed


# -- delivery ---------------------------------------------------------------------------------


@dataclass
class LaneResult:
    batches: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    held: int = 0
    reconciled: int = 0
    resent_after_lookup: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Batch:
    ids: list[int]
    citizen_ids: list[int | None]
    retries: list[int]
    messages: list[OutgoingSms]
    out_id: str
    since: datetime


@dataclass(frozen=True)
class _Lost:
    rows: list[LostRow]
    since: datetime


@dataclass(frozen=True)
class _Held:
    count: int


@dataclass(frozen=True)
class _OptedOut:
    """A whole batch of citizens who stopped non-essential SMS since the rows were written."""

    count: int


async def deliver_lane(
    deps: Deps,
    channel: Channel,
    broadcast_id: int,
    language: str,
    *,
    max_batches: int | None = None,
) -> LaneResult:
    """Drain one lane: batches until nothing is due (or `max_batches`)."""
    result = LaneResult()
    loop = asyncio.get_running_loop()
    last_beat = last_lost = -1e9
    async with deps.pool.acquire() as conn:
        b = await store.get(conn, broadcast_id)
    if b is None:
        return result
    sms = deps.settings.sms
    fitted = fit_sms(
        b.template,
        b.params,
        language,
        sign_name=deps.settings.sms_sign_name,
        param_limit=sms.param_limit,
        max_parts=sms.max_parts,
    )
    lane = _Lane(broadcast=b, language=language, fitted=fitted)
    while max_batches is None or result.batches < max_batches:
        now = loop.time()
        if now - last_beat > HEARTBEAT:
            await store.beat(deps.pool, broadcast_id, language)
            last_beat = now
        # lost batches appear only once a lease runs out: look for them now and then
        look_for_lost = now - last_lost > HEARTBEAT
        if look_for_lost:
            last_lost = now
        step = await _claim(deps, channel, lane, look_for_lost=look_for_lost)
        if step is None:
            if not look_for_lost or lane.frontier:
                # one last look, from the lane's first row, before the job ends
                last_lost, lane.frontier = -1e9, 0
                continue
            break
        if isinstance(step, _OptedOut):
            result.failed += step.count
            continue
        if isinstance(step, _Held):
            result.held += step.count
            if step.count == 0:
                break
            continue
        if isinstance(step, _Lost):
            await _reconcile(deps, channel, step, result)
            last_lost = -1e9  # there may be more
            continue
        try:
            answer = await channel.send_batch(step.messages, step.out_id)
        except Exception as exc:  # a channel fault is recorded, never lost
            log.exception("broadcast %s batch %s failed", broadcast_id, step.out_id)
            answer = DeliveryResult(outcome=Outcome.UNKNOWN, error=repr(exc)[:500])
        await _record(deps, channel, step, answer, result)
        result.batches += 1
    return result


@dataclass
class _Lane:
    broadcast: BroadcastRow
    language: str
    fitted: FittedSms
    # the highest id this job claimed: the next claim starts after it; rows left behind
    # (backoff, released) are found by going back to 0 before the job ends
    frontier: int = 0


async def _claim(
    deps: Deps, channel: Channel, lane: _Lane, *, look_for_lost: bool
) -> _Batch | _Lost | _Held | _OptedOut | None:
    sms = deps.settings.sms
    b, language, fitted = lane.broadcast, lane.language, lane.fitted
    broadcast_id = b.id
    async with transaction(deps.pool) as conn:
        if look_for_lost:
            lost = await store.lock_lost(
                conn, broadcast_id, language, sms.sending_lease_seconds, BATCH_LIMIT
            )
            if lost:
                since = await store.claim_lookups(conn, [r.id for r in lost])
                return _Lost(rows=list(lost), since=since)
        state = await store.lane_clock(conn, channel.name)
        if state.paused_until is not None:
            return _Held(
                await store.hold_lane(
                    conn, broadcast_id, language, until=state.paused_until, reason="paused"
                )
            )
        now = state.now
        if not b.urgent:
            night_end = quiet_until(now, parse_clock(sms.quiet_start), parse_clock(sms.quiet_end))
            if night_end is not None:
                return _Held(
                    await store.hold_lane(
                        conn, broadcast_id, language, until=night_end, reason="quiet_hours"
                    )
                )
        rows = await store.lock_due(
            conn, broadcast_id, language, BATCH_LIMIT, after_id=lane.frontier
        )
        if not rows:
            return None
        lane.frontier = rows[-1].id
        if not b.urgent:
            # a "TD" that came after the rows were written still stops them
            stopped = [r for r in rows if r.opted_out]
            if stopped:
                await store.fail_opted_out(conn, [r.id for r in stopped])
                rows = [r for r in rows if not r.opted_out]
                if not rows:
                    return _OptedOut(len(stopped))
        if sms.caps and not b.urgent:
            rows = await _apply_caps(conn, rows, now, sms.caps)
            if not rows:
                return _Held(BATCH_LIMIT)  # the whole batch waits; try the next one
        ids = [r.id for r in rows]
        out_id, since = await store.claim_batch(
            conn, ids, channel=channel.name, body=fitted.body, parts=fitted.parts
        )
    messages = [
        OutgoingSms(
            outbox_id=r.id,
            phone=r.phone,
            template=b.template,
            language=language,
            params=fitted.params,
            body=fitted.body,
        )
        for r in rows
    ]
    return _Batch(
        ids=ids,
        citizen_ids=[r.citizen_id for r in rows],
        retries=[r.retries for r in rows],
        messages=messages,
        out_id=out_id,
        since=since,
    )


async def _apply_caps(
    conn: Connection, rows: list[DueRow], now: datetime, caps: tuple[tuple[int, int], ...]
) -> list[DueRow]:
    longest = max(window for window, _limit in caps)
    sent: dict[str, list[datetime]] = {}
    for send in await store.recent_sends(
        conn, [r.phone for r in rows], [r.id for r in rows], longest
    ):
        sent.setdefault(send.phone, []).append(send.last_attempt_at)
    keep, held = [], []
    for r in rows:
        room = cap_wait(sent.get(r.phone, []), now, caps) if r.phone in sent else None
        if room is None:
            keep.append(r)
        else:
            held.append((r, room))
    if held:
        await store.hold_rows(
            conn,
            [r.id for r, _ in held],
            [r.citizen_id for r, _ in held],
            [u for _, u in held],
            "cap",
        )
    return keep


async def _record(
    deps: Deps, channel: Channel, step: _Batch, answer: DeliveryResult, result: LaneResult
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


async def _reconcile(deps: Deps, channel: Channel, step: _Lost, result: LaneResult) -> None:
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
                await outbox_store.finish(
                    conn,
                    row.id,
                    step.since,
                    status=best.status,
                    provider_id=best.biz_id,
                    receipt_code=best.err_code,
                )
                if row.attempts:
                    await outbox_store.finish_attempt(
                        conn,
                        row.id,
                        row.attempts,
                        outcome=f"reconciled:{best.status}",
                        provider_code=best.err_code,
                        provider_id=best.biz_id,
                    )
                result.reconciled += 1
            else:
                await outbox_store.finish(
                    conn,
                    row.id,
                    step.since,
                    status=S.TEMPORARY_FAILURE,
                    error="not found at the provider after an unrecorded batch",
                )
                if row.attempts:
                    await outbox_store.finish_attempt(
                        conn, row.id, row.attempts, outcome="reconciled:not-found"
                    )
                result.resent_after_lookup += 1


async def restart_lanes(
    deps: Deps, *, quiet_seconds: int = HEARTBEAT_LOST
) -> list[tuple[int, str, int]]:
    """Lanes nobody drains although rows are due: after a Redis flush, a killed worker."""
    return await store.restart_lanes(
        deps.pool, quiet_seconds, deps.settings.sms.sending_lease_seconds
    )


async def counts(deps: Deps, broadcast_id: int) -> dict[str, int]:
    return await store.counts(deps.pool, broadcast_id)
