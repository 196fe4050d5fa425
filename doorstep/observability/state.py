"""Metrics that are state, read from PostgreSQL and Redis when Prometheus scrapes.

Whichever process sent a message or ran a cron, the database and the queue know the result,
so every API process answers the same here (take `max` across instances, not `sum`). The
queries: `store.ops_state`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from doorstep.config import Settings
from doorstep.domain.calendar import today_local
from doorstep.store import ops_state
from doorstep.store.db import Pool

log = logging.getLogger(__name__)


def cron_success_key(queue_name: str) -> str:
    """The Redis hash of each cron's last successful end (epoch seconds), written by the
    worker (`workers.observed`)."""
    return f"{queue_name}:cron-success"


def job_results_key(queue_name: str) -> str:
    """The Redis hash of finished jobs per `job:result`: counted where every API can read them,
    since workers usually run on machines of their own."""
    return f"{queue_name}:job-results"


class Snapshot(Collector):
    """The families read at one scrape, handed to prometheus_client's text writer."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


async def _database(pool: Pool, settings: Settings) -> list[Metric]:
    outbox_rows = _gauge(
        "doorstep_outbox_rows", "Outbox rows not finished yet, by status", ["status"]
    )
    outbox_oldest = _gauge(
        "doorstep_outbox_oldest_seconds",
        "Age of the oldest outbox row in each unfinished status (sending: since its claim, "
        "sent: since it was sent, waiting for a receipt)",
        ["status"],
    )
    due_age = _gauge(
        "doorstep_outbox_due_seconds",
        "How long the longest-waiting due outbox row has waited to be taken (0: none waits)",
    )
    paused = _gauge(
        "doorstep_sms_channel_paused",
        "1 while the SMS channel is paused (account, keys or signature refused), else 0",
        ["channel", "code"],
    )
    pause_left = _gauge(
        "doorstep_sms_channel_pause_seconds_left",
        "Seconds until a paused SMS channel is tried again",
        ["channel"],
    )
    overdue = _gauge(
        "doorstep_sla_overdue",
        "Open work past its deadline now: application tasks (working days), tickets",
        ["kind"],
    )
    state = await ops_state.read(pool, today_local())
    for status, (count, oldest) in state.outbox.items():
        outbox_rows.add_metric([status], count)
        outbox_oldest.add_metric([status], oldest)
    due_age.add_metric([], state.outbox_due_seconds)
    # the configured channel is always named, so "not paused" is a 0 and not a missing series
    channels = {"aliyun" if settings.sms.aliyun_enabled else "console"}
    for pause in state.pauses:
        channels.discard(pause.channel)
        paused.add_metric([pause.channel, pause.code], 1 if pause.active else 0)
        pause_left.add_metric([pause.channel], pause.seconds_left)
    for channel in channels:
        paused.add_metric([channel, ""], 0)
        pause_left.add_metric([channel], 0)
    overdue.add_metric(["task"], state.overdue_tasks)
    overdue.add_metric(["ticket"], state.overdue_tickets)
    return [outbox_rows, outbox_oldest, due_age, paused, pause_left, overdue]


async def _queue(redis: Any, settings: Settings) -> list[Metric]:
    depth = _gauge("doorstep_queue_depth", "Jobs waiting in the arq queue (due or deferred)")
    depth.add_metric([], await redis.zcard(settings.queue_name))
    crons = _gauge(
        "doorstep_cron_last_success_timestamp_seconds",
        "When each cron last finished without an error (Unix time)",
        ["cron"],
    )
    for name, value in (await redis.hgetall(cron_success_key(settings.queue_name))).items():
        crons.add_metric([_text(name)], float(value))
    jobs = CounterMetricFamily(
        "doorstep_worker_jobs",
        "Background jobs and crons finished on any worker, by job and result (ok, failed)",
        labels=["job", "result"],
    )
    for field, value in (await redis.hgetall(job_results_key(settings.queue_name))).items():
        job, _, result = _text(field).rpartition(":")
        jobs.add_metric([job, result], float(value))
    return [depth, crons, jobs]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _holiday_schedule(missing_years: Iterable[int]) -> Metric:
    missing = _gauge(
        "doorstep_holiday_schedule_missing_years",
        "Years within the deadline horizon without their official holiday schedule: deadlines "
        "there count the statutory holidays only (no bridge days, no 调休) until it is entered",
    )
    missing.add_metric([], len(list(missing_years)))
    return missing


async def read(
    pool: Pool | None,
    redis: Any,
    settings: Settings,
    missing_schedule_years: Iterable[int] | None = None,
) -> Snapshot:
    """Every state family; a source that does not answer is reported as down, not as an
    error of the scrape (what is down is what on-call needs to see)."""
    up = _gauge(
        "doorstep_state_source_up",
        "1 if the source answered the metrics scrape's state queries, else 0",
        ["source"],
    )
    took = _gauge("doorstep_state_read_seconds", "Time the scrape's state queries took", ["source"])
    families: list[Metric] = [up, took]
    if missing_schedule_years is not None:
        families.append(_holiday_schedule(missing_schedule_years))
    sources: list[tuple[str, Any]] = []
    if pool is not None:
        sources.append(("postgres", lambda: _database(pool, settings)))
    if redis is not None:
        sources.append(("redis", lambda: _queue(redis, settings)))
    for name, read_source in sources:
        started = time.perf_counter()
        try:
            families.extend(await read_source())
            up.add_metric([name], 1)
        except Exception:  # any failure: the source is reported down and the scrape goes on
            log.warning("metrics: reading state from %s failed", name, exc_info=True)
            up.add_metric([name], 0)
        took.add_metric([name], time.perf_counter() - started)
    return Snapshot(families)
