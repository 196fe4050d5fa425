"""arq WorkerSettings: deliver notifications; sweep the outbox for rows the fast path missed."""

from __future__ import annotations

import logging
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from doorstep.config import Settings
from doorstep.notify.channels import Channel, ConsoleChannel
from doorstep.services import notifications, sla
from doorstep.services.deps import Deps
from doorstep.store.db import create_pool
from doorstep.workers.queue import DELIVER_JOB, enqueue_outbox_rows

log = logging.getLogger(__name__)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    pool = await create_pool(settings.database_url, min_size=1, max_size=5)

    async def enqueue(ids: list[int]) -> None:
        await enqueue_outbox_rows(ctx["redis"], ids, settings.queue_name)

    ctx["deps"] = Deps(pool=pool, settings=settings, enqueue_outbox=enqueue)
    ctx["channel"] = ConsoleChannel()


async def shutdown(ctx: dict[str, Any]) -> None:
    deps: Deps | None = ctx.get("deps")
    if deps is not None:
        await deps.pool.close()


async def deliver_notification(ctx: dict[str, Any], outbox_id: int) -> str | None:
    channel: Channel = ctx["channel"]
    return await notifications.deliver(ctx["deps"], channel, outbox_id)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueue rows still pending: after a Redis flush or a lost enqueue nothing is lost."""
    deps: Deps = ctx["deps"]
    ids = await notifications.pending(deps)
    if ids:
        log.info("re-enqueueing %d pending outbox rows", len(ids))
        await enqueue_outbox_rows(ctx["redis"], ids, deps.settings.queue_name)
    return len(ids)


async def sla_alerts(ctx: dict[str, Any]) -> str:
    """Every minute: reminders at 75% of a task's time, escalation once it is overdue."""
    counts = await sla.raise_alerts(ctx["deps"])
    if counts.reminders or counts.escalations:
        log.info("SLA: %d reminders, %d escalations", counts.reminders, counts.escalations)
    return f"{counts.reminders} reminders, {counts.escalations} escalations"


def worker_settings(settings: Settings) -> dict[str, Any]:
    return {
        # keep_result=0: a finished job's id is free again, so the sweeper can retry a row
        "functions": [func(deliver_notification, name=DELIVER_JOB, keep_result=0,
                           max_tries=5)],
        "cron_jobs": [cron(sweep_outbox, second={0, 15, 30, 45}, unique=True, run_at_startup=True,
                           keep_result=0),
                      cron(sla_alerts, second={20}, unique=True, run_at_startup=True,
                           keep_result=0)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        "queue_name": settings.queue_name,
        "max_jobs": 20,
        "handle_signals": True,
    }
