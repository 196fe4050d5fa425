"""Outbox → arq → channel: delivered once, and nothing lost when the queue loses a job."""

from __future__ import annotations

from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from doorstep.config import Settings
from doorstep.notify.channels import ConsoleChannel, OutgoingSms
from doorstep.services import auth, notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from doorstep.workers.main import sweep_outbox
from doorstep.workers.queue import enqueue_outbox_rows
from tests.integration.helpers import burst_worker, fresh_phone, latest_code


async def _status(pool: Pool, phone: str) -> list[tuple[str, str | None, int]]:
    rows = await pool.fetch(
        "select status, channel, attempts from outbox where phone = $1 order by id", phone
    )
    return [(r["status"], r["channel"], r["attempts"]) for r in rows]


async def _pending(deps: Deps) -> list[int]:
    """Every row the sweeper would pick now (other tests leave rows too: no limit)."""
    return await notifications.pending(deps, older_than_seconds=0, limit=10**6)


async def test_login_code_is_delivered_by_the_worker(settings: Settings, pool: Pool) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))

    async def enqueue(ids: list[int]) -> None:
        await enqueue_outbox_rows(redis, ids, settings.queue_name)

    deps = Deps(pool=pool, settings=settings, enqueue_outbox=enqueue)
    phone = fresh_phone()
    await auth.request_login_code(deps, phone, client_addr="203.0.113.9", language="zh_Hans")
    worker = burst_worker(settings)
    await worker.main()
    await worker.close()
    assert await _status(pool, phone) == [("delivered", "console", 1)]
    body = await pool.fetchval("select body from outbox where phone = $1", phone)
    assert body.startswith("【掌上办】验证码") and "5分钟" in body
    await redis.aclose()


async def test_rows_the_queue_never_saw_are_swept_and_sent_once(
    settings: Settings, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    # no queue at all: as if Redis was flushed right after the commit
    deps = Deps(pool=pool, settings=settings)
    phone = fresh_phone()
    await auth.request_login_code(deps, phone, client_addr=None, language="en")
    # older than every row the session's other tests left waiting (the sweep takes the oldest
    # first, a batch at a time), so this sweep is the one that finds it
    await pool.execute(
        "update outbox set updated_at = now() - interval '1 day' where phone = $1", phone
    )
    assert await _status(pool, phone) == [("created", None, 0)]

    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    ctx = {"deps": deps, "redis": redis}
    assert await sweep_outbox(ctx) >= 1
    # a second sweep before the worker runs must not queue it twice (same job id)
    await sweep_outbox(ctx)
    worker = burst_worker(settings)
    await worker.main()
    await worker.close()
    assert await _status(pool, phone) == [("delivered", "console", 1)]
    # the code is sealed in params and masked in the stored text
    assert await pool.fetchval("select body from outbox where phone = $1", phone) == (
        "【掌上办】Code ******, valid 5 min. Never share it."
    )
    assert await latest_code(pool, phone) in capsys.readouterr().out
    await redis.aclose()


async def test_delivering_twice_sends_once(deps: Deps, pool: Pool) -> None:
    phone = fresh_phone()
    await auth.request_login_code(deps, phone, client_addr=None, language="zh_Hans")
    outbox_id = await pool.fetchval("select id from outbox where phone = $1", phone)

    sent: list[str] = []

    class Counting(ConsoleChannel):
        async def send(self, message: OutgoingSms) -> Any:
            sent.append(message.out_id)
            return await super().send(message)

    assert await notifications.deliver(deps, Counting(), outbox_id) == "delivered"
    assert await notifications.deliver(deps, Counting(), outbox_id) is None
    assert sent == [str(outbox_id)]


async def test_failed_send_stays_pending_for_a_retry(deps: Deps, pool: Pool) -> None:
    phone = fresh_phone()
    await auth.request_login_code(deps, phone, client_addr=None, language="zh_Hans")
    outbox_id = await pool.fetchval("select id from outbox where phone = $1", phone)

    class Broken(ConsoleChannel):
        async def send(self, message: OutgoingSms) -> Any:
            raise ConnectionError("provider unreachable")

    assert await notifications.deliver(deps, Broken(), outbox_id) == "temporary-failure"
    # it waits out its backoff: not due yet, and a job that comes early does nothing
    assert outbox_id not in await _pending(deps)
    assert await notifications.deliver(deps, ConsoleChannel(), outbox_id) is None
    # time passes
    await pool.execute(
        "update outbox set next_attempt_at = now() - interval '1 second' where id = $1", outbox_id
    )
    assert outbox_id in await _pending(deps)
    assert await notifications.deliver(deps, ConsoleChannel(), outbox_id) == "delivered"
    assert await _status(pool, phone) == [("delivered", "console", 2)]
