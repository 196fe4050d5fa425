"""arq WorkerSettings: deliver notifications; sweep the outbox for rows the fast path missed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine

from doorstep.config import Settings
from doorstep.notify.channels import Channel
from doorstep.notify.select import push_channel, sms_channel
from doorstep.services import (
    broadcasts,
    catalog_admin,
    confirmations,
    delegation,
    escort_worker,
    files,
    holidays,
    notifications,
    push,
    sla,
)
from doorstep.services import ticket_clock as ticket_clock_service
from doorstep.services.deps import Deps, build_calendar
from doorstep.services.proactive import finding
from doorstep.store.db import create_pool
from doorstep.workers.metrics_port import MetricsPort
from doorstep.workers.observed import observed
from doorstep.workers.queue import DELIVER_JOB, LANE_JOB, enqueue_lanes, enqueue_outbox_rows

log = logging.getLogger(__name__)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    pool = await create_pool(settings.database_url, min_size=1, max_size=10)

    async def enqueue(ids: list[int]) -> None:
        await enqueue_outbox_rows(ctx["redis"], ids, settings.queue_name)

    async def lanes(pairs: list[tuple[int, str, int]]) -> None:
        await enqueue_lanes(ctx["redis"], pairs, settings.queue_name)

    ctx["deps"] = Deps(
        pool=pool,
        settings=settings,
        calendar=build_calendar(settings),
        enqueue_outbox=enqueue,
        enqueue_lanes_now=lanes,
    )
    await holidays.refresh(ctx["deps"])
    ctx["calendar_refresh"] = asyncio.create_task(holidays.keep_fresh(ctx["deps"]))
    ctx["channel"] = sms_channel(settings)
    ctx["push"] = push_channel(settings)
    if settings.worker_metrics_port:
        port = ctx["metrics_port"] = MetricsPort(
            settings, settings.host, settings.worker_metrics_port
        )
        port.start()


async def shutdown(ctx: dict[str, Any]) -> None:
    refresh: asyncio.Task[None] | None = ctx.get("calendar_refresh")
    if refresh is not None:
        refresh.cancel()
    port: MetricsPort | None = ctx.get("metrics_port")
    if port is not None:
        port.stop()
    for name in ("channel", "push"):
        sender = ctx.get(name)
        if sender is not None:
            await sender.close()
    deps: Deps | None = ctx.get("deps")
    if deps is not None:
        await files.close_objects(deps)
        await deps.pool.close()


async def deliver_notification(ctx: dict[str, Any], outbox_id: int) -> str | None:
    channel: Channel = ctx["channel"]
    return await notifications.deliver(ctx["deps"], channel, outbox_id, push=ctx.get("push"))


async def deliver_broadcast_lane(ctx: dict[str, Any], broadcast_id: int, language: str) -> str:
    """Drain one broadcast lane in batches of up to 100 numbers per SendBatchSms call."""
    result = await broadcasts.deliver_lane(ctx["deps"], ctx["channel"], broadcast_id, language)
    return (
        f"{result.batches} batches, {result.sent} sent, {result.retried} to retry, "
        f"{result.failed} failed, {result.held} held, {result.reconciled} reconciled"
    )


async def catalog_versions(ctx: dict[str, Any]) -> str:
    """Every minute: catalog versions whose date has come go in force (idempotent)."""
    items, bundles = await catalog_admin.apply_due(ctx["deps"])
    if items or bundles:
        log.info("catalog versions in force: %d items, %d bundles", items, bundles)
    return f"{items} items, {bundles} bundles"


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueue rows still pending: after a Redis flush or a lost enqueue nothing is lost."""
    deps: Deps = ctx["deps"]
    ids = await notifications.pending(deps)
    if ids:
        log.info("re-enqueueing %d pending outbox rows", len(ids))
        await enqueue_outbox_rows(ctx["redis"], ids, deps.settings.queue_name)
    lanes = await broadcasts.restart_lanes(deps)
    if lanes:
        log.info("starting %d stopped broadcast lanes again", len(lanes))
        await enqueue_lanes(ctx["redis"], lanes, deps.settings.queue_name)
    writing = await broadcasts.resume_writing(deps)
    if writing:
        log.info("went on writing %d broadcasts", writing)
    return len(ids) + len(lanes)


async def poll_receipts(ctx: dict[str, Any]) -> int:
    """The backstop for lost delivery receipts: ask the provider about sent rows."""
    moved = await notifications.poll_receipts(ctx["deps"], ctx["channel"])
    if moved:
        log.info("receipt poll moved %d rows to a final status", moved)
    return moved


async def push_fallbacks(ctx: dict[str, Any]) -> int:
    """Every minute: an SMS for each important push nobody opened in time."""
    created = await push.fall_back_unread(ctx["deps"])
    if created:
        log.info("%d unread pushes followed by SMS", len(created))
    return len(created)


async def file_retention(ctx: dict[str, Any]) -> str:
    """Hourly: delete material files kept past their retention (services.files)."""
    deleted = await files.purge_expired(ctx["deps"])
    if deleted:
        log.info("material files past retention deleted: %d", deleted)
    return f"{deleted} deleted"


async def delegation_sweep(ctx: dict[str, Any]) -> str:
    """Every minute: record expired delegations and warn a week before one ends (once);
    record confirmations of agents' money-moving actions that ran out or lost their
    delegation."""
    counts = await delegation.sweep(ctx["deps"])
    closed = await confirmations.sweep(ctx["deps"])
    if counts.expired or counts.warned or closed:
        log.info(
            "delegations: %d expired, %d warned; %d confirmations closed",
            counts.expired,
            counts.warned,
            closed,
        )
    return f"{counts.expired} expired, {counts.warned} warned, {closed} confirmations closed"


async def sla_alerts(ctx: dict[str, Any]) -> str:
    """Every minute: reminders at 75% of a task's time, escalation once it is overdue."""
    counts = await sla.raise_alerts(ctx["deps"])
    if counts.reminders or counts.escalations:
        log.info("SLA: %d reminders, %d escalations", counts.reminders, counts.escalations)
    return f"{counts.reminders} reminders, {counts.escalations} escalations"


async def offer_rules(ctx: dict[str, Any]) -> str:
    """Every 15 minutes: every published rule over all citizens, set-based in SQL (服务找人).
    A fact recorded or corrected re-runs its rules for that citizen at once; this is the
    sweep that catches time passing (birthdays, days without activity, expiry)."""
    result = await finding.evaluate_all(ctx["deps"])
    log.info(
        "offer rules: %d created, %d expired in %.1f s (%s)",
        result.created,
        result.expired,
        result.seconds,
        ", ".join(f"{r.code} v{r.version} +{r.created}/-{r.lapsed}" for r in result.rules),
    )
    return f"{result.created} created, {result.expired} expired"


async def offer_notices(ctx: dict[str, Any]) -> int:
    """Every minute: tell people of new offers; welfare findings become community visits."""
    return await finding.notify_new_offers(ctx["deps"])


async def ticket_clock(ctx: dict[str, Any]) -> str:
    """Every minute: ticket reminders at 75% and escalations when overdue (acknowledge, handle,
    rectify), once per deadline; follow-up asks again after a day, then closes unconfirmed."""
    counts = await ticket_clock_service.run(ctx["deps"])
    alerts = sum(counts.alerts.values())
    if alerts or counts.asked_again or counts.closed_unconfirmed:
        log.info(
            "tickets: %s; %d asked again, %d closed unconfirmed",
            counts.alerts,
            counts.asked_again,
            counts.closed_unconfirmed,
        )
    return f"{alerts} alerts, {counts.asked_again} asked again, {counts.closed_unconfirmed} closed"


async def escort_reminders(ctx: dict[str, Any]) -> int:
    """Every minute: 陪同办's day-before reminder SMS, once per booking (from 09:00 local)."""
    return await escort_worker.send_reminders(ctx["deps"])


def _every(
    job: WorkerCoroutine,
    *,
    second: set[int],
    minute: set[int] | None = None,
    run_at_startup: bool = False,
    timeout: int | None = None,
) -> CronJob:
    """A periodic job: observed, run by one worker at a time, its result not kept."""
    return cron(
        observed(job, cron=True),
        minute=minute,
        second=second,
        unique=True,
        run_at_startup=run_at_startup,
        keep_result=0,
        timeout=timeout,
    )


def worker_settings(settings: Settings) -> dict[str, Any]:
    return {
        # keep_result=0: a finished job's id is free again, so the sweeper can retry a row
        "functions": [
            func(observed(deliver_notification), name=DELIVER_JOB, keep_result=0, max_tries=5),
            # a lane job drains its lane (a million rows take minutes)
            func(
                observed(deliver_broadcast_lane),
                name=LANE_JOB,
                keep_result=0,
                max_tries=5,
                timeout=3600,
            ),
        ],
        "cron_jobs": [
            _every(sweep_outbox, second={0, 15, 30, 45}, run_at_startup=True),
            _every(poll_receipts, second={5}),
            _every(push_fallbacks, second={10}),
            _every(sla_alerts, second={20}, run_at_startup=True),
            _every(delegation_sweep, second={40}),
            _every(file_retention, minute={7}, second={55}),
            _every(
                offer_rules, minute={3, 18, 33, 48}, second={50}, run_at_startup=True, timeout=900
            ),
            _every(offer_notices, second={25}),
            _every(escort_reminders, second={52}),
            _every(catalog_versions, second={45}, run_at_startup=True),
            _every(ticket_clock, second={35}, run_at_startup=True),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        "queue_name": settings.queue_name,
        "max_jobs": 20,
        "handle_signals": True,
    }
