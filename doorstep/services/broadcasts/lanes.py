"""Delivering a broadcast lane (one broadcast, one language), and restarting lanes nobody drains."""

from __future__ import annotations

import asyncio
import logging

from doorstep.notify.channels import Channel, DeliveryResult, Outcome
from doorstep.notify.sms_text import fit_sms
from doorstep.services.broadcasts.lane_claim import claim_lane
from doorstep.services.broadcasts.lane_results import reconcile_batch, record_batch
from doorstep.services.broadcasts.steps import Held, Lane, LaneResult, Lost, OptedOut
from doorstep.services.deps import Deps
from doorstep.store.broadcasts import lanes as broadcasts_lanes
from doorstep.store.broadcasts import writing as broadcasts_writing

log = logging.getLogger(__name__)

# a lane job beats this often; a lane silent for HEARTBEAT_LOST is started again
HEARTBEAT = 5.0
HEARTBEAT_LOST = 30


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
        b = await broadcasts_writing.get(conn, broadcast_id)
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
    lane = Lane(broadcast=b, language=language, fitted=fitted)
    while max_batches is None or result.batches < max_batches:
        now = loop.time()
        if now - last_beat > HEARTBEAT:
            await broadcasts_lanes.beat(deps.pool, broadcast_id, language)
            last_beat = now
        # lost batches appear only once a lease runs out: look for them now and then
        look_for_lost = now - last_lost > HEARTBEAT
        if look_for_lost:
            last_lost = now
        step = await claim_lane(deps, channel, lane, look_for_lost=look_for_lost)
        if step is None:
            if not look_for_lost or lane.frontier:
                # one last look, from the lane's first row, before the job ends
                last_lost, lane.frontier = -1e9, 0
                continue
            break
        if isinstance(step, OptedOut):
            result.failed += step.count
            continue
        if isinstance(step, Held):
            result.held += step.count
            if step.count == 0:
                break
            continue
        if isinstance(step, Lost):
            await reconcile_batch(deps, channel, step, result)
            last_lost = -1e9  # there may be more
            continue
        try:
            answer = await channel.send_batch(step.messages, step.out_id)
        except Exception as exc:  # a channel fault is recorded, never lost
            log.exception("broadcast %s batch %s failed", broadcast_id, step.out_id)
            answer = DeliveryResult(outcome=Outcome.UNKNOWN, error=repr(exc)[:500])
        await record_batch(deps, channel, step, answer, result)
        result.batches += 1
    return result


async def restart_lanes(
    deps: Deps, *, quiet_seconds: int = HEARTBEAT_LOST
) -> list[tuple[int, str, int]]:
    """Lanes nobody drains although rows are due: after a Redis flush, a killed worker."""
    return await broadcasts_lanes.restart_lanes(
        deps.pool, quiet_seconds, deps.settings.sms.sending_lease_seconds
    )


async def counts(deps: Deps, broadcast_id: int) -> dict[str, int]:
    return await broadcasts_lanes.counts(deps.pool, broadcast_id)
