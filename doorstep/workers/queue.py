"""Putting jobs on the arq queue. Job ids come from the rows, so a repeat is a no-op."""

from __future__ import annotations

from arq.connections import ArqRedis

DELIVER_JOB = "deliver_notification"


def outbox_job_id(queue_name: str, outbox_id: int) -> str:
    # arq job ids are global to the Redis server: name the queue so two deployments (or test
    # runs) sharing one Redis never mistake each other's rows for their own
    return f"{queue_name}:outbox:{outbox_id}"


async def enqueue_outbox_rows(redis: ArqRedis, outbox_ids: list[int], queue_name: str) -> None:
    for outbox_id in outbox_ids:
        await redis.enqueue_job(DELIVER_JOB, outbox_id,
                                _job_id=outbox_job_id(queue_name, outbox_id),
                                _queue_name=queue_name)
