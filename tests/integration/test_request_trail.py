"""A request's id follows the work it causes: the jobs it enqueues carry it, and their log
lines show it. Every job's result and every cron's last success reach /metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.services import notifications
from doorstep.store.db import Pool
from doorstep.workers.main import shutdown, startup, worker_settings
from doorstep.workers.observed import observed
from doorstep.workers.queue import outbox_job_id
from tests.integration.helpers import REQUEST_CODE, burst_worker, fresh_phone
from tests.integration.test_metrics import scrape, value


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    r = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    yield r
    await r.aclose()


async def test_the_request_id_reaches_the_job_and_its_log_lines(
    client: AsyncTestClient[Any],
    pool: Pool,
    settings: Settings,
    redis: ArqRedis,
    log_output: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    phone = fresh_phone()
    response = await client.post(
        "/graphql",
        json={"query": REQUEST_CODE, "variables": {"p": phone}},
        headers={"X-Request-ID": "trail-0123456789"},
    )
    assert response.headers["x-request-id"] == "trail-0123456789"
    assert "errors" not in response.json(), response.json()
    outbox_id = await pool.fetchval(
        "select id from outbox where phone = $1 and kind = 'login_code'", phone
    )
    job_id = outbox_job_id(settings.queue_name, outbox_id)
    info = await Job(job_id, redis, _queue_name=settings.queue_name).info()
    assert info is not None and info.kwargs == {"request_id": "trail-0123456789"}

    real_deliver = notifications.deliver

    async def deliver(deps: Any, channel: Any, row_id: int, **kwargs: Any) -> Any:
        # a line written inside the job, as any of its modules' lines would be (the queue
        # may hold other tests' rows too)
        logging.getLogger("doorstep.services.notifications").info(
            "delivering row %s to %s", row_id, phone if row_id == outbox_id else "someone"
        )
        return await real_deliver(deps, channel, row_id, **kwargs)

    monkeypatch.setattr(notifications, "deliver", deliver)
    before = await scrape(client)
    worker = burst_worker(settings)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert await pool.fetchval("select status from outbox where id = $1", outbox_id) in (
        "delivered",
        "sent",
    )
    records = [json.loads(line) for line in log_output.getvalue().splitlines()]
    ours = [r for r in records if r["message"].startswith(f"delivering row {outbox_id} ")]
    assert len(ours) == 1, records
    assert ours[0]["request_id"] == "trail-0123456789"
    assert ours[0]["job_id"] == job_id
    assert phone not in log_output.getvalue()
    after = await scrape(client)
    grown = value(
        after, "doorstep_worker_jobs_total", job="deliver_notification", result="ok"
    ) - value(before, "doorstep_worker_jobs_total", job="deliver_notification", result="ok")
    assert grown >= 1


async def test_cron_success_and_job_failures_reach_metrics(
    client: AsyncTestClient[Any], settings: Settings, redis: ArqRedis
) -> None:
    ctx: dict[str, Any] = {"settings": settings, "redis": redis}
    await startup(ctx)
    try:
        sweep = next(
            c for c in worker_settings(settings)["cron_jobs"] if c.name == "cron:sweep_outbox"
        )
        await sweep.coroutine({**ctx, "job_id": "cron:sweep_outbox:test"})

        async def broken(ctx: dict[str, Any]) -> None:
            raise RuntimeError("the provider's SDK broke")

        before = await scrape(client)
        with pytest.raises(RuntimeError):
            await observed(broken, cron=True)(ctx)
    finally:
        await shutdown(ctx)
    after = await scrape(client)
    last = value(after, "doorstep_cron_last_success_timestamp_seconds", cron="sweep_outbox")
    assert last > 0
    assert value(after, "doorstep_cron_last_success_timestamp_seconds", cron="broken") == 0
    assert (
        value(after, "doorstep_worker_jobs_total", job="broken", result="failed")
        - value(before, "doorstep_worker_jobs_total", job="broken", result="failed")
        == 1
    )
