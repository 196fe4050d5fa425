"""Every job and cron run under its request id and job id, counted and timed.

A job enqueued while an HTTP request was answered carries that request's id (`request_id`
keyword, `workers.queue`), so its log lines can be found with the request's. Results go to
Redis (`observability.state`): workers usually run on machines of their own, and every API
process reads them at scrape; a cron's last success too, for the "crons stale" alert.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from arq.worker import Retry

from doorstep.observability import requests
from doorstep.observability.logs import job_id
from doorstep.observability.metrics import JOB_SECONDS
from doorstep.observability.state import cron_success_key, job_results_key

log = logging.getLogger(__name__)

# a hash not written for this long goes (a test run's, a renamed queue's); the crons write
# theirs every minute or so
KEY_TTL_SECONDS = 30 * 86400

Job = TypeVar("Job", bound=Callable[..., Awaitable[Any]])


async def _record(ctx: dict[str, Any], name: str, result: str, *, cron: bool) -> None:
    redis = ctx.get("redis")
    if redis is None:
        return
    queue = ctx["settings"].queue_name
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(job_results_key(queue), f"{name}:{result}", 1)
            pipe.expire(job_results_key(queue), KEY_TTL_SECONDS)
            if cron and result == "ok":
                pipe.hset(cron_success_key(queue), name, f"{time.time():.3f}")
                pipe.expire(cron_success_key(queue), KEY_TTL_SECONDS)
            await pipe.execute()
    except Exception:  # counting must never fail the job it counts
        log.warning("could not record the result of %s", name, exc_info=True)


def observed(function: Job, *, cron: bool = False) -> Job:
    name = function.__name__

    @functools.wraps(function)
    async def run(ctx: dict[str, Any], *args: Any, request_id: str | None = None, **kw: Any) -> Any:
        request_token = requests.request_id.set(request_id)
        job_token = job_id.set(ctx.get("job_id"))
        started = time.perf_counter()
        result = "failed"
        try:
            value = await function(ctx, *args, **kw)
            result = "ok"
            return value
        except Retry:
            result = "retry"
            raise
        except asyncio.CancelledError:
            result = "cancelled"
            raise
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
            await _record(ctx, name, result, cron=cron)
            job_id.reset(job_token)
            requests.request_id.reset(request_token)

    return cast(Job, run)
