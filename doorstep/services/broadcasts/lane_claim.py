"""Claiming a batch of a lane: lost batches first, then the policy (pause, quiet hours, caps)."""

from __future__ import annotations

from datetime import datetime

from doorstep.notify.aliyun import BATCH_LIMIT
from doorstep.notify.channels import Channel, OutgoingSms
from doorstep.notify.policy import cap_wait, parse_clock, quiet_until
from doorstep.services.broadcasts.steps import Batch, Held, Lane, Lost, OptedOut
from doorstep.services.deps import Deps
from doorstep.store.broadcasts import claiming as store
from doorstep.store.broadcasts.rows import DueRow
from doorstep.store.db import Connection, transaction


async def claim_lane(
    deps: Deps, channel: Channel, lane: Lane, *, look_for_lost: bool
) -> Batch | Lost | Held | OptedOut | None:
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
                return Lost(rows=list(lost), since=since)
        state = await store.lane_clock(conn, channel.name)
        if state.paused_until is not None:
            return Held(
                await store.hold_lane(
                    conn, broadcast_id, language, until=state.paused_until, reason="paused"
                )
            )
        now = state.now
        if not b.urgent:
            night_end = quiet_until(now, parse_clock(sms.quiet_start), parse_clock(sms.quiet_end))
            if night_end is not None:
                return Held(
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
                    return OptedOut(len(stopped))
        if sms.caps and not b.urgent:
            rows = await apply_caps(conn, rows, now, sms.caps)
            if not rows:
                return Held(BATCH_LIMIT)  # the whole batch waits; try the next one
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
    return Batch(
        ids=ids,
        citizen_ids=[r.citizen_id for r in rows],
        retries=[r.retries for r in rows],
        messages=messages,
        out_id=out_id,
        since=since,
    )


async def apply_caps(
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
