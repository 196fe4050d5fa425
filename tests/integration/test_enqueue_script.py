"""The outbox's enqueue script makes the job arq's own enqueue_job makes, once."""

from __future__ import annotations

import uuid

from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import job_key_prefix
from arq.jobs import Job, JobStatus

from doorstep.config import Settings
from doorstep.observability.requests import request_id
from doorstep.workers.queue import DELIVER_JOB, enqueue_outbox_rows, outbox_job_id


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
            for outbox_id in (41, 42):
                await redis.delete(job_key_prefix + outbox_job_id(queue, outbox_id))
            await redis.delete(queue)
        await redis.aclose()
