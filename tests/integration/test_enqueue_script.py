"""The outbox's enqueue script makes the job arq's own enqueue_job makes, once, for many rows
in one call; concurrent requests' rows share calls."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix
from arq.jobs import Job, JobStatus
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.observability.requests import request_id
from doorstep.store.db import Pool
from doorstep.workers import queue as queue_module
from doorstep.workers.queue import (
    DELIVER_JOB,
    SCRIPT_JOBS,
    OutboxBatches,
    enqueue_outbox_rows,
    outbox_job_id,
)
from tests.integration.delegation_helpers import gql_as
from tests.integration.helpers import fresh_phone, login

SUBMIT_NEWBORN = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'


async def _forget(redis: ArqRedis, queue: str, outbox_ids: Iterable[int]) -> None:
    """A test's jobs and queue, gone from the shared Redis."""
    await redis.delete(*(job_key_prefix + outbox_job_id(queue, n) for n in outbox_ids), queue)


async def test_the_same_job_as_arq_makes_and_never_twice(settings: Settings) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    ours = f"test-enqueue-{uuid.uuid4().hex[:8]}"
    theirs = f"{ours}-arq"
    token = request_id.set("req-123")
    try:
        await enqueue_outbox_rows(redis, [41, 42], ours)
        await enqueue_outbox_rows(redis, [41], ours)  # a repeat: nothing more
        await redis.enqueue_job(
            DELIVER_JOB,
            41,
            request_id="req-123",
            _job_id=outbox_job_id(theirs, 41),
            _queue_name=theirs,
        )
        assert await redis.zcard(ours) == 2
        mine = await Job(outbox_job_id(ours, 41), redis, _queue_name=ours).info()
        arqs = await Job(outbox_job_id(theirs, 41), redis, _queue_name=theirs).info()
        assert mine is not None and arqs is not None
        assert mine.function == arqs.function == DELIVER_JOB
        assert mine.args == arqs.args == (41,)
        assert mine.kwargs == arqs.kwargs == {"request_id": "req-123"}
        assert mine.job_try == arqs.job_try
        status = await Job(outbox_job_id(ours, 42), redis, _queue_name=ours).status()
        assert status is JobStatus.queued
        ttl = await redis.pttl(job_key_prefix + outbox_job_id(ours, 41))
        arq_ttl = await redis.pttl(job_key_prefix + outbox_job_id(theirs, 41))
        assert abs(ttl - arq_ttl) < 60_000 and ttl > 0
    finally:
        request_id.reset(token)
        for queue in (ours, theirs):
            await _forget(redis, queue, [41, 42])
        await redis.aclose()


async def test_concurrent_enqueues_share_round_trips_and_each_waits_for_its_own(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    queue = f"test-batches-{uuid.uuid4().hex[:8]}"
    calls: list[int] = []
    real = queue_module.enqueue_outbox_jobs

    async def counted(r: ArqRedis, jobs: list[tuple[int, dict[str, Any]]], name: str) -> None:
        calls.append(len(jobs))
        await real(r, jobs, name)

    monkeypatch.setattr(queue_module, "enqueue_outbox_jobs", counted)
    batches = OutboxBatches(redis, queue)

    async def one(outbox_id: int) -> bool:
        token = request_id.set(f"req-{outbox_id}")
        try:
            await batches.enqueue([outbox_id])
        finally:
            request_id.reset(token)
        # returned only once its own job is there
        found: int = await redis.exists(job_key_prefix + outbox_job_id(queue, outbox_id))
        return found == 1

    try:
        assert all(await asyncio.gather(*(one(n) for n in range(1, 31))))
        assert sum(calls) == 30 and len(calls) < 30, calls
        assert await redis.zcard(queue) == 30
        info = await Job(outbox_job_id(queue, 7), redis, _queue_name=queue).info()
        assert info is not None and info.kwargs == {"request_id": "req-7"}
    finally:
        await batches.close()
        await _forget(redis, queue, range(1, 31))
        await redis.aclose()


async def test_a_failed_batch_reaches_every_caller_in_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))

    async def refused(r: ArqRedis, jobs: list[tuple[int, dict[str, Any]]], name: str) -> None:
        await asyncio.sleep(0.01)
        raise ConnectionError("redis went away")

    monkeypatch.setattr(queue_module, "enqueue_outbox_jobs", refused)
    batches = OutboxBatches(redis, "test-batches-refused")
    try:
        results = await asyncio.gather(
            *(batches.enqueue([n]) for n in range(5)), return_exceptions=True
        )
        assert [type(r) for r in results] == [ConnectionError] * 5
        # and the next caller is not left waiting behind the failure
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(batches.enqueue([9]), timeout=5)
    finally:
        await batches.close()
        await redis.aclose()


async def test_more_jobs_than_one_script_call_takes(settings: Settings) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    queue = f"test-enqueue-many-{uuid.uuid4().hex[:8]}"
    many = list(range(1, SCRIPT_JOBS * 2 + 2))
    try:
        await enqueue_outbox_rows(redis, many, queue)
        await enqueue_outbox_rows(redis, many, queue)  # repeats: nothing more
        assert await redis.zcard(queue) == len(many)
    finally:
        await _forget(redis, queue, many)
        await redis.aclose()


async def test_a_submission_stands_when_redis_is_out_of_reach(
    settings: Settings, pool: Pool
) -> None:
    """The enqueue is the fast path only: with Redis gone after start-up the application is
    submitted all the same, its SMS left for the sweeper."""
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        token = await login(client, pool, fresh_phone())
        gone = ArqRedis(host="127.0.0.1", port=1)  # nothing listens there
        app.state.deps.enqueue_outbox = OutboxBatches(gone, settings.queue_name).enqueue
        body = await gql_as(client, SUBMIT_NEWBORN, {}, token=token)
        assert "errors" not in body, body
        number = body["data"]["submitApplication"]["number"]
        status = await pool.fetchval(
            "select status from outbox where params->>'number' = $1 "
            "and kind = 'application.submitted'",
            number,
        )
        assert status == "created"  # not sent: the sweeper enqueues it
        await gone.aclose()
