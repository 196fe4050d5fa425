"""POST /sms/report: Aliyun's delivery reports, applied once, never moving a final status back."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from tests.conftest import TEST_CALLBACK_TOKEN
from tests.fakes.aliyun_sms import FakeDysmsapi, FakeMessage
from tests.integration.helpers import assert_no_trace, fresh_phone, row_counts

OK = {"code": 0, "msg": "接收成功"}


async def _sent(
    aliyun_settings: Settings, pool: Pool, fake: FakeDysmsapi, count: int = 1
) -> list[tuple[int, FakeMessage]]:
    """Rows sent through the fake: (outbox id, the fake's record of it)."""
    deps = Deps(pool=pool, settings=aliyun_settings)
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    out = []
    for _ in range(count):
        async with transaction(pool) as conn:
            outbox_id = await notifications.queue(
                conn,
                citizen_id=None,
                phone=fresh_phone(),
                kind="test",
                template="sms.application_completed",
                params={"number": "2026000017"},
                language="zh_Hans",
            )
        assert await notifications.deliver(deps, channel, outbox_id) == "sent"
        out.append((outbox_id, fake.messages[-1]))
    await channel.close()
    return out


async def _status(pool: Pool, outbox_id: int) -> tuple[str, str | None]:
    row = await pool.fetchrow("select status, receipt_code from outbox where id = $1", outbox_id)
    assert row is not None
    return row["status"], row["receipt_code"]


async def _push(
    client: AsyncTestClient[Any],
    body: Any,
    *,
    raw: bytes | None = None,
    path: str = f"/sms/report?token={TEST_CALLBACK_TOKEN}",
) -> tuple[int, dict[str, Any]]:
    content = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    response = await client.post(
        path, content=content, headers={"Content-Type": "application/json"}
    )
    assert_no_trace(response.text)
    return response.status_code, response.json()


async def test_a_push_delivers_and_a_repeat_changes_nothing(
    client: AsyncTestClient[Any], aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    [(outbox_id, message)] = await _sent(aliyun_settings, pool, fake_aliyun)
    status, body = await _push(client, [message.report()])
    assert status == 200
    assert body == {**OK, "accepted": 1, "duplicates": 0, "unknown": 0, "invalid": 0}
    assert await _status(pool, outbox_id) == ("delivered", "DELIVERED")
    before = await row_counts(pool, "sms_receipts", "outbox", "events")
    status, body = await _push(client, [message.report()])
    assert (status, body["code"], body["duplicates"], body["accepted"]) == (200, 0, 1, 0)
    assert await row_counts(pool, "sms_receipts", "outbox", "events") == before


async def test_a_failure_report_and_no_way_back(
    client: AsyncTestClient[Any], aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    [(failed, m1), (delivered, m2)] = await _sent(aliyun_settings, pool, fake_aliyun, 2)
    status, body = await _push(
        client, [m1.report(success=False, err_code="MK:0001", err_msg="空号"), m2.report()]
    )
    assert (status, body["accepted"]) == (200, 2)
    assert await _status(pool, failed) == ("permanent-failure", "MK:0001")
    assert await _status(pool, delivered) == ("delivered", "DELIVERED")
    # late or contradicting reports are recorded, and change nothing
    status, body = await _push(
        client, [m1.report(success=True), m2.report(success=False, err_code="MK:0002")]
    )
    assert body["accepted"] == 2
    assert await _status(pool, failed) == ("permanent-failure", "MK:0001")
    assert await _status(pool, delivered) == ("delivered", "DELIVERED")
    assert (
        await pool.fetchval(
            "select count(*) from sms_receipts where outbox_id = any($1::bigint[]) and not applied",
            [failed, delivered],
        )
        == 2
    )


async def test_unknown_ids_are_answered_and_write_nothing(
    client: AsyncTestClient[Any], aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    [(outbox_id, message)] = await _sent(aliyun_settings, pool, fake_aliyun)
    report = message.report()
    unknown = [
        {**report, "out_id": "987654321012", "biz_id": "000000^0"},  # nobody's
        {**report, "out_id": "", "biz_id": "123^0"},
        {**report, "phone_number": "13900000000"},  # the id is ours, the number is not
        {**report, "out_id": "not-a-number", "biz_id": None},
    ]
    before = await row_counts(pool, "sms_receipts", "outbox", "events")
    status, body = await _push(client, unknown)
    # answered with code 0: Aliyun must not push these again and again
    assert (status, body["code"], body["accepted"]) == (200, 0, 0)
    assert (body["unknown"], body["invalid"]) == (3, 1)
    assert await row_counts(pool, "sms_receipts", "outbox", "events") == before
    assert await _status(pool, outbox_id) == ("sent", None)


async def test_matched_by_biz_id_when_out_id_is_missing(
    client: AsyncTestClient[Any], aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    [(outbox_id, message)] = await _sent(aliyun_settings, pool, fake_aliyun)
    report = {**message.report(), "out_id": ""}
    report["phone_number"] = "+86" + report["phone_number"]
    status, body = await _push(client, [report])
    assert (status, body["accepted"]) == (200, 1)
    assert await _status(pool, outbox_id) == ("delivered", "DELIVERED")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'[{"phone_number": ', "sms_callback.bad_json"),
        (b"\xff\xfe not utf-8", "sms_callback.bad_json"),
        (b"", "sms_callback.bad_json"),
        (b'{"phone_number": "13800138000"}', "sms_callback.not_a_list"),
        (b'"a string"', "sms_callback.not_a_list"),
    ],
)
async def test_bad_bodies_are_refused_and_write_nothing(
    client: AsyncTestClient[Any], pool: Pool, raw: bytes, code: str
) -> None:
    from doorstep.i18n import translate

    before = await row_counts(pool, "sms_receipts", "outbox")
    status, body = await _push(client, None, raw=raw)
    assert status == 400
    assert body == {"code": 400, "msg": translate(code, "zh_Hans")}
    assert await row_counts(pool, "sms_receipts", "outbox") == before


async def test_malformed_reports_are_counted_not_applied(
    client: AsyncTestClient[Any], aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    [(outbox_id, message)] = await _sent(aliyun_settings, pool, fake_aliyun)
    report = message.report()
    bad: list[Any] = [
        None,
        7,
        [],
        {**report, "success": "maybe"},
        {**report, "phone_number": ""},
        {**report, "out_id": {"nested": 1}},
        {**report, "err_msg": "x" * 1000},
    ]
    status, body = await _push(client, [*bad, report])
    assert (status, body["invalid"], body["accepted"]) == (200, len(bad), 1)
    assert await _status(pool, outbox_id) == ("delivered", "DELIVERED")


async def test_the_callback_token(
    settings: Settings, aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    guarded = dataclasses.replace(
        settings, sms=dataclasses.replace(settings.sms, callback_token="s3cret")
    )
    [(outbox_id, message)] = await _sent(aliyun_settings, pool, fake_aliyun)
    async with AsyncTestClient(app=create_app(guarded)) as client:
        status, body = await _push(client, [message.report()], path="/sms/report")
        assert (status, body["code"]) == (403, 403)
        status, body = await _push(client, [message.report()], path="/sms/report?token=wrong")
        assert status == 403
        assert await _status(pool, outbox_id) == ("sent", None)
        status, body = await _push(client, [message.report()], path="/sms/report?token=s3cret")
        assert (status, body["accepted"]) == (200, 1)
    assert await _status(pool, outbox_id) == ("delivered", "DELIVERED")
