"""Putting jobs on the arq queue. Job ids come from the rows, so a repeat is a no-op."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from doorstep.observability.requests import request_id

DELIVER_JOB = "deliver_notification"
LANE_JOB = "deliver_broadcast_lane"
# lane jobs per (broadcast, language) at once: several batches in flight, one row each
LANE_WIDTH = 8


def outbox_job_id(queue_name: str, outbox_id: int) -> str:
    # arq job ids are global to the Redis server: name the queue so two deployments (or test
    # runs) sharing one Redis never mistake each other's rows for their own
    return f"{queue_name}:outbox:{outbox_id}"


def _request() -> dict[str, Any]:
    """The id of the request (or job) that enqueues, for the job's log lines."""
    current = request_id.get()
    return {"request_id": current} if current else {}


# arq's enqueue_job as one script: its WATCH, EXISTS and MULTI/PSETEX/ZADD/EXEC are three
# round trips per job (a tenth of a submission's CPU). The same keys, the same job bytes, the
# same rule: a job whose id is queued, running or has a result is not queued again.
_ENQUEUE = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


async def enqueue_outbox_rows(redis: ArqRedis, outbox_ids: list[int], queue_name: str) -> None:
    if not outbox_ids:
        return
    carried = _request()
    script = redis.register_script(_ENQUEUE)
    for outbox_id in outbox_ids:
        job_id = outbox_job_id(queue_name, outbox_id)
        now = timestamp_ms()
        job = serialize_job(
            DELIVER_JOB, (outbox_id,), carried, None, now, serializer=redis.job_serializer
        )
        await script(
            keys=[job_key_prefix + job_id, result_key_prefix + job_id, queue_name],
            args=[redis.expires_extra_ms, job, now, job_id],
        )


def lane_job_id(
    queue_name: str, broadcast_id: int, language: str, generation: int, slot: int
) -> str:
    return f"{queue_name}:lane:{broadcast_id}:{language}:{generation}:{slot}"


async def enqueue_lanes(
    redis: ArqRedis, lanes: list[tuple[int, str, int]], queue_name: str, width: int = LANE_WIDTH
) -> None:
    """`width` jobs per lane; a slot whose job is queued or running already is left as it is.
    The sweeper starts a stopped lane under its next generation (fresh job ids)."""
    carried = _request()
    for broadcast_id, language, generation in lanes:
        for slot in range(width):
            await redis.enqueue_job(
                LANE_JOB,
                broadcast_id,
                language,
                **carried,
                _job_id=lane_job_id(queue_name, broadcast_id, language, generation, slot),
                _queue_name=queue_name,
            )
