"""Delivery through Aliyun (real SDK → fake Dysmsapi): claim, send, record; never twice.

A worker killed between the provider call and its record is played by a channel that raises a
BaseException (as a kill would end the job: nothing after it runs).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from doorstep.config import Settings
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.notify.channels import DeliveryResult, OutgoingSms
from doorstep.services import auth, notifications, sms_receipts
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from doorstep.workers.queue import enqueue_outbox_rows
from tests.fakes.aliyun_sms import FakeDysmsapi
from tests.integration.helpers import WorkerKilled, burst_worker, fresh_phone, latest_code


@pytest.fixture
def sms_deps(pool: Pool, aliyun_settings: Settings) -> Deps:
    return Deps(pool=pool, settings=aliyun_settings)


async def _queue(
    deps: Deps,
    phone: str | None = None,
    *,
    template: str = "sms.task_rejected",
    params: dict[str, Any] | None = None,
    language: str = "zh_Hans",
) -> int:
    async with transaction(deps.pool) as conn:
        return await notifications.queue(
            conn,
            citizen_id=None,
            phone=phone or fresh_phone(),
            kind="test",
            template=template,
            params=params
            or {
                "number": "2026004183",
                "item": "城乡居民基本医疗保险参保登记",
                "reason": "户口本首页与本人页照片不清晰，请重新拍照上传",
            },
            language=language,
        )


async def _row(pool: Pool, outbox_id: int) -> dict[str, Any]:
    row = await pool.fetchrow(
        """select status, attempts, retries, hold_reason, reconcile_first, provider_id, body,
                  channel, next_attempt_at > now() as waiting, sent_at is not null as has_sent_at
           from outbox where id = $1""",
        outbox_id,
    )
    assert row is not None
    return dict(row)


async def _attempts(pool: Pool, outbox_id: int) -> list[tuple[int, str | None]]:
    rows = await pool.fetch(
        "select attempt, outcome from outbox_attempts where outbox_id = $1 order by attempt",
        outbox_id,
    )
    return [(r["attempt"], r["outcome"]) for r in rows]


async def _time_passes(pool: Pool, outbox_id: int) -> None:
    """The row's wait is over (instead of sleeping through a backoff or a lease)."""
    await pool.execute(
        """update outbox set next_attempt_at = least(next_attempt_at, now() - interval '1 s'),
                  sending_since = sending_since - interval '1 hour',
                  last_attempt_at = last_attempt_at - interval '1 second'
           where id = $1""",
        outbox_id,
    )


async def _pending(deps: Deps) -> list[int]:
    """Every row the sweeper would pick now (other tests leave rows too: no limit)."""
    return await notifications.pending(deps, older_than_seconds=0, limit=10**6)


async def test_sent_with_biz_id_and_the_body_the_phone_shows(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    outbox_id = await _queue(sms_deps)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    row = await _row(pool, outbox_id)
    [message] = fake_aliyun.messages
    assert (row["status"], row["attempts"], row["channel"]) == ("sent", 1, "aliyun")
    assert row["provider_id"] == message.biz_id
    assert row["body"] == message.content
    assert message.out_id == str(outbox_id)
    assert await _attempts(pool, outbox_id) == [(1, "sent")]
    # a second job for the same row does nothing
    assert await notifications.deliver(sms_deps, channel, outbox_id) is None
    assert len(fake_aliyun.messages) == 1


@pytest.mark.parametrize(
    ("code", "http_status"),
    [("Throttling.User", 400), ("isp.SYSTEM_ERROR", 200), ("ServiceUnavailable", 503)],
)
async def test_transient_errors_back_off_then_send(
    sms_deps: Deps,
    channel: AliyunSmsChannel,
    fake_aliyun: FakeDysmsapi,
    pool: Pool,
    code: str,
    http_status: int,
) -> None:
    outbox_id = await _queue(sms_deps)
    fake_aliyun.answer_next(code, http_status=http_status)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "temporary-failure"
    row = await _row(pool, outbox_id)
    assert (row["retries"], row["hold_reason"], row["waiting"]) == (1, "backoff", True)
    assert not row["reconcile_first"]  # the provider said no: nothing went out
    # too early: the job does nothing, and the sweeper does not pick it
    assert await notifications.deliver(sms_deps, channel, outbox_id) is None
    assert outbox_id not in await _pending(sms_deps)
    await _time_passes(pool, outbox_id)
    assert outbox_id in await _pending(sms_deps)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    assert len(fake_aliyun.messages) == 1
    assert await _attempts(pool, outbox_id) == [(1, "retry"), (2, "sent")]


async def test_retries_run_out_as_a_technical_failure(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    outbox_id = await _queue(sms_deps)
    await pool.execute(
        "update outbox set retries = $2 where id = $1",
        outbox_id,
        sms_deps.settings.sms.max_retries - 1,
    )
    fake_aliyun.answer_next("Throttling.User", http_status=400)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "technical-failure"
    assert outbox_id not in await _pending(sms_deps)


@pytest.mark.parametrize(
    "code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL"]
)
async def test_permanent_refusals_are_final(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool, code: str
) -> None:
    outbox_id = await _queue(sms_deps)
    fake_aliyun.answer_next(code)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "permanent-failure"
    await _time_passes(pool, outbox_id)
    assert outbox_id not in await _pending(sms_deps)
    assert await notifications.deliver(sms_deps, channel, outbox_id) is None
    assert fake_aliyun.messages == []


async def test_per_number_limit_defers_to_the_next_window(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    outbox_id = await _queue(sms_deps)
    fake_aliyun.answer_next("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "temporary-failure"
    row = await _row(pool, outbox_id)
    assert (row["hold_reason"], row["waiting"], row["retries"]) == ("provider_limit", True, 0)
    # the window is the next full hour in Beijing (the rule itself is a unit test)
    minute = await pool.fetchval(
        "select extract(minute from next_attempt_at at time zone 'Asia/Shanghai') "
        "from outbox where id = $1",
        outbox_id,
    )
    assert minute == 0


async def test_out_of_credit_pauses_the_channel_and_alerts_once(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    first, second = await _queue(sms_deps), await _queue(sms_deps)
    alerts_before = await pool.fetchval(
        "select count(*) from events where kind = 'ops.channel_paused'"
    )
    try:
        fake_aliyun.answer_next("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
        assert await notifications.deliver(sms_deps, channel, first) == "temporary-failure"
        calls = len(fake_aliyun.calls)
        # the next row waits without a call to the provider
        assert await notifications.deliver(sms_deps, channel, second) == "created"
        assert len(fake_aliyun.calls) == calls
        for outbox_id in (first, second):
            row = await _row(pool, outbox_id)
            assert (row["hold_reason"], row["waiting"]) == ("paused", True)
        assert (
            await pool.fetchval("select count(*) from events where kind = 'ops.channel_paused'")
            == alerts_before + 1
        )
        # credit is topped up; the operator resumes
        assert await notifications.resume_channel(sms_deps, "aliyun") >= 2
        assert await notifications.deliver(sms_deps, channel, first) == "sent"
        assert await notifications.deliver(sms_deps, channel, second) == "sent"
        assert len(fake_aliyun.messages) == 2
    finally:
        await pool.execute("delete from channel_pauses")


async def test_a_lost_answer_is_looked_up_not_resent(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    outbox_id = await _queue(sms_deps)
    fake_aliyun.drop_next(after=True)  # the message went out, the answer never came
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "temporary-failure"
    assert (await _row(pool, outbox_id))["reconcile_first"]
    await _time_passes(pool, outbox_id)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "delivered"
    assert len(fake_aliyun.messages) == 1
    assert len(fake_aliyun.calls_of("QuerySendDetails")) >= 1
    assert await _attempts(pool, outbox_id) == [(1, "reconciled:delivered")]


async def test_a_worker_killed_after_the_provider_call_never_resends(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    class DiesAfterSending:
        name = "aliyun"

        async def send(self, message: OutgoingSms) -> DeliveryResult:
            await channel.send(message)
            raise WorkerKilled

    outbox_id = await _queue(sms_deps)
    with pytest.raises(WorkerKilled):
        await notifications.deliver(sms_deps, DiesAfterSending(), outbox_id)  # type: ignore[arg-type]
    assert (await _row(pool, outbox_id))["status"] == "sending"
    # another job while the claim is fresh: hands off
    assert await notifications.deliver(sms_deps, channel, outbox_id) is None
    assert outbox_id not in await _pending(sms_deps)
    await _time_passes(pool, outbox_id)  # the lease runs out
    assert outbox_id in await _pending(sms_deps)
    fake_aliyun.messages[0].send_status = 1  # no receipt yet
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    assert len(fake_aliyun.messages) == 1
    assert await notifications.deliver(sms_deps, channel, outbox_id) is None
    assert len(fake_aliyun.messages) == 1


async def test_a_worker_killed_before_the_provider_call_sends_once(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    class DiesBeforeSending:
        name = "aliyun"

        async def send(self, message: OutgoingSms) -> DeliveryResult:
            raise WorkerKilled

    outbox_id = await _queue(sms_deps)
    with pytest.raises(WorkerKilled):
        await notifications.deliver(sms_deps, DiesBeforeSending(), outbox_id)  # type: ignore[arg-type]
    await _time_passes(pool, outbox_id)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    assert len(fake_aliyun.messages) == 1
    assert await _attempts(pool, outbox_id) == [(1, "reconciled:not-found"), (2, "sent")]


async def test_look_up_that_fails_keeps_the_row_for_later(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    outbox_id = await _queue(sms_deps)
    fake_aliyun.drop_next(after=True)
    await notifications.deliver(sms_deps, channel, outbox_id)
    await _time_passes(pool, outbox_id)
    fake_aliyun.answer_next("isp.SYSTEM_ERROR", action="QuerySendDetails")
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sending"
    await _time_passes(pool, outbox_id)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "delivered"
    assert len(fake_aliyun.messages) == 1


async def test_a_receipt_that_beats_the_record_stands(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    class ReceiptFirst:
        name = "aliyun"

        async def send(self, message: OutgoingSms) -> DeliveryResult:
            result = await channel.send(message)
            summary = await sms_receipts.record_reports(
                sms_deps, [fake_aliyun.messages[-1].report()]
            )
            assert summary.accepted == 1
            return result

    outbox_id = await _queue(sms_deps)
    status = await notifications.deliver(sms_deps, ReceiptFirst(), outbox_id)  # type: ignore[arg-type]
    assert status == "delivered"
    row = await _row(pool, outbox_id)
    assert (row["status"], row["provider_id"]) == ("delivered", fake_aliyun.messages[0].biz_id)
    assert await _attempts(pool, outbox_id) == [(1, "sent")]


async def test_poll_backstop_for_lost_receipts(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    waiting, delivered, failed, fresh = [await _queue(sms_deps) for _ in range(4)]
    for outbox_id in (waiting, delivered, failed, fresh):
        assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    by_out_id = {m.out_id: m for m in fake_aliyun.messages}
    by_out_id[str(waiting)].send_status = 1
    by_out_id[str(failed)].send_status, by_out_id[str(failed)].err_code = 2, "MK:0001"
    after = sms_deps.settings.sms.receipt_poll_after_seconds
    await pool.execute(
        "update outbox set sent_at = sent_at - make_interval(secs => $2 + 60) "
        "where id = any($1::bigint[])",
        [waiting, delivered, failed],
        after,
    )
    assert await notifications.poll_receipts(sms_deps, channel) == 2
    statuses = {
        r["id"]: r["status"]
        for r in await pool.fetch(
            "select id, status from outbox where id = any($1::bigint[])",
            [waiting, delivered, failed, fresh],
        )
    }
    assert statuses == {
        waiting: "sent",
        delivered: "delivered",
        failed: "permanent-failure",
        fresh: "sent",
    }
    assert await pool.fetchval("select receipt_code from outbox where id = $1", failed) == "MK:0001"
    # polled rows are not asked again at once
    calls = len(fake_aliyun.calls_of("QuerySendDetails"))
    assert await notifications.poll_receipts(sms_deps, channel) == 0
    assert len(fake_aliyun.calls_of("QuerySendDetails")) == calls


async def test_the_worker_uses_aliyun_when_keys_are_set(
    aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(aliyun_settings.redis_url))

    async def enqueue(ids: list[int]) -> None:
        await enqueue_outbox_rows(redis, ids, aliyun_settings.queue_name)

    deps = Deps(pool=pool, settings=aliyun_settings, enqueue_outbox=enqueue)
    phone = fresh_phone()
    await auth.request_login_code(deps, phone, client_addr=None, language="en")
    worker = burst_worker(aliyun_settings)
    await worker.main()
    await worker.close()
    await redis.aclose()
    row = await pool.fetchrow(
        "select status, channel, params, body from outbox where phone = $1", phone
    )
    assert row is not None and (row["status"], row["channel"]) == ("sent", "aliyun")
    code = await latest_code(pool, phone)
    [message] = fake_aliyun.sent_to(phone)
    assert message.params == {"code": code}
    assert message.content == f"【掌上办】Code {code}, valid 5 min. Never share it."
    # nothing at rest shows the code
    assert code not in json.dumps(row["params"]) and code not in row["body"]
    assert row["body"] == "【掌上办】Code ******, valid 5 min. Never share it."


async def test_a_long_reason_is_replaced_by_where_to_read_it(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    reason = "申请表第三页“家庭成员情况”栏未填写完整，" * 6  # a clerk's long note
    outbox_id = await _queue(
        sms_deps,
        template="sms.materials_requested",
        params={"number": "2026004183", "reason": reason},
    )
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    [message] = fake_aliyun.messages
    # never cut (half a reason misleads): where the whole can be read, within Aliyun's limit
    assert message.params["reason"] == "详见掌上办或办事窗口"
    assert message.content == (await _row(pool, outbox_id))["body"]
    # the stored parameters keep the whole reason (the app shows it in full)
    assert (
        await pool.fetchval("select params->>'reason' from outbox where id = $1", outbox_id)
        == reason
    )


async def test_an_identifier_that_cannot_be_sent_is_refused_at_queue_time(
    sms_deps: Deps, pool: Pool
) -> None:
    from doorstep.notify.sms_text import SmsParamRefused

    before = await pool.fetchval("select count(*) from outbox")
    with pytest.raises(SmsParamRefused):
        await _queue(
            sms_deps, template="sms.application_completed", params={"number": "2026-0041-83"}
        )
    assert await pool.fetchval("select count(*) from outbox") == before


async def test_a_sealed_log_in_code_is_sent_once_after_a_crash(
    sms_deps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    """The code is sealed at rest, yet a worker that died before the
    provider call is looked up, then sent with the very code the citizen must type."""

    class DiesBeforeSending:
        name = "aliyun"

        async def send(self, message: OutgoingSms) -> DeliveryResult:
            raise WorkerKilled

    phone = fresh_phone()
    await auth.request_login_code(sms_deps, phone, client_addr=None, language="en")
    outbox_id = await pool.fetchval("select id from outbox where phone = $1", phone)
    with pytest.raises(WorkerKilled):
        await notifications.deliver(sms_deps, DiesBeforeSending(), outbox_id)  # type: ignore[arg-type]
    await _time_passes(pool, outbox_id)
    assert await notifications.deliver(sms_deps, channel, outbox_id) == "sent"
    code = await latest_code(pool, phone)
    [message] = fake_aliyun.sent_to(phone)
    assert message.params == {"code": code}
    assert await _attempts(pool, outbox_id) == [(1, "reconciled:not-found"), (2, "sent")]
    row = await pool.fetchrow("select params, body from outbox where id = $1", outbox_id)
    assert row is not None
    assert code not in json.dumps(row["params"]) and code not in row["body"]
    # a data key that does not open it stops the row (technical failure), never sends garbage
    wrong = Deps(pool=pool, settings=dataclasses.replace(sms_deps.settings, data_key=bytes(32)))
    phone2 = fresh_phone()
    await auth.request_login_code(sms_deps, phone2, client_addr=None, language="en")
    second = await pool.fetchval("select id from outbox where phone = $1", phone2)
    assert await notifications.deliver(wrong, channel, second) == "technical-failure"
    assert fake_aliyun.sent_to(phone2) == []
