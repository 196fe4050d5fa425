"""Putting jobs on the arq queue. Job ids come from the rows, so a repeat is a no-op."""

from __future__ import annotations

import asyncio
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


# arq's enqueue_job as one script for many jobs: its WATCH, EXISTS and MULTI/PSETEX/ZADD/EXEC are
# three round trips per job. The same keys, the same job bytes, the same rule: a job whose id is
# queued, running or has a result is not queued again.
# KEYS: the queue, then each job's job key and result key; ARGV: the expiry (ms), then each
# job's bytes, score and id.
_ENQUEUE = """
local queued = 0
for i = 0, (#KEYS - 1) / 2 - 1 do
  local job_key, result_key = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  if redis.call('exists', job_key, result_key) == 0 then
    redis.call('psetex', job_key, ARGV[1], ARGV[2 + 3 * i])
    redis.call('zadd', KEYS[1], ARGV[3 + 3 * i], ARGV[4 + 3 * i])
    queued = queued + 1
  end
end
return queued
"""
# jobs per script call: a sweep after an outage may find thousands of rows, and one script
# blocks the Redis server while it runs
SCRIPT_JOBS = 200

Carried = dict[str, Any]


async def enqueue_outbox_rows(redis: ArqRedis, outbox_ids: list[int], queue_name: str) -> None:
    """One delivery job per row, carrying the current request's id."""
    carried = _request()
    await enqueue_outbox_jobs(redis, [(outbox_id, carried) for outbox_id in outbox_ids], queue_name)


async def enqueue_outbox_jobs(
    redis: ArqRedis, jobs: list[tuple[int, Carried]], queue_name: str
) -> None:
    """Delivery jobs for (outbox id, what the job carries) in one round trip per
    `SCRIPT_JOBS`."""
    script = redis.register_script(_ENQUEUE)
    for start in range(0, len(jobs), SCRIPT_JOBS):
        keys: list[str] = [queue_name]
        args: list[Any] = [redis.expires_extra_ms]
        for outbox_id, carried in jobs[start : start + SCRIPT_JOBS]:
            job_id = outbox_job_id(queue_name, outbox_id)
            now = timestamp_ms()
            keys += (job_key_prefix + job_id, result_key_prefix + job_id)
            job = serialize_job(
                DELIVER_JOB, (outbox_id,), carried, None, now, serializer=redis.job_serializer
            )
            args += (job, now, job_id)
        await script(keys=keys, args=args)


class OutboxBatches:
    """Concurrent requests' enqueues share round trips: while one batch is on its way to Redis,
    the rows that come in wait and go together in the next. Each caller returns once its own
    rows are in Redis, or with the error that kept them out, as it would with a call of its own
    (one script call costs 85 µs of client CPU; ten jobs in one, 24 µs each)."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self._redis = redis
        self._queue_name = queue_name
        self._waiting: list[tuple[int, Carried, asyncio.Future[None]]] = []
        self._sending: asyncio.Task[None] | None = None

    async def enqueue(self, outbox_ids: list[int]) -> None:
        if not outbox_ids:
            return
        carried = _request()
        done = asyncio.get_running_loop().create_future()
        self._waiting.extend((outbox_id, carried, done) for outbox_id in outbox_ids)
        if self._sending is None:
            self._sending = asyncio.create_task(self._send_while_waiting())
        await done

    async def _send_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await enqueue_outbox_jobs(
                        self._redis, [(row, carried) for row, carried, _ in batch], self._queue_name
                    )
                except BaseException as exc:  # every caller of the batch hears it
                    heard = exc if isinstance(exc, Exception) else ConnectionError("stopped")
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(heard)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._sending = None
            left, self._waiting = self._waiting, []  # only when stopped half-way
            for _, _, done in left:
                if not done.done():
                    done.set_exception(ConnectionError("stopped"))

    async def close(self) -> None:
        """Wait for what is on its way (at shutdown, before the connection is closed)."""
        if self._sending is not None:
            await asyncio.shield(self._sending)


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
