"""Quiet hours, digests, caps and the recorded decisions, through the real pipeline.

Times are never read off the wall: quiet hours are set around the database's own "now", and
"time passes" moves the rows' timestamps back.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from doorstep.config import Settings
from doorstep.domain.calendar import SHANGHAI
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.services import notifications, sms_receipts
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from tests.fakes.aliyun_sms import FakeDysmsapi
from tests.integration.helpers import fresh_phone


def _deps(pool: Pool, settings: Settings, **sms: Any) -> Deps:
    return Deps(
        pool=pool,
        settings=dataclasses.replace(settings, sms=dataclasses.replace(settings.sms, **sms)),
    )


async def _citizen(pool: Pool, *, preference: str = "push") -> tuple[int, str]:
    phone = fresh_phone()
    citizen_id: int = await pool.fetchval(
        "insert into citizens (phone, channel_preference) values ($1, $2) returning id",
        phone,
        preference,
    )
    return citizen_id, phone


async def _queue(
    deps: Deps,
    phone: str,
    citizen_id: int | None,
    *,
    number: str = "1000041830",
    kind: str = "task.reject",
    template: str = "sms.task_rejected",
    item: str = "生育津贴申领",
    urgent: bool = False,
    extend_code: str | None = None,
) -> int:
    async with transaction(deps.pool) as conn:
        return await notifications.queue(
            conn,
            citizen_id=citizen_id,
            phone=phone,
            kind=kind,
            template=template,
            params={
                "number": number,
                "item": item,
                "reason": "银行账户与身份证姓名不一致",
                "code": "123456",
            },
            language="zh_Hans",
            urgent=urgent,
            extend_code=extend_code,
        )


async def _decisions(pool: Pool, outbox_id: int) -> list[tuple[str, str, str | None]]:
    rows = await pool.fetch(
        "select decision, reason, channel from notification_decisions "
        "where outbox_id = $1 order by id",
        outbox_id,
    )
    return [(r["decision"], r["reason"], r["channel"]) for r in rows]


async def _status(pool: Pool, outbox_id: int) -> tuple[str, str | None]:
    row = await pool.fetchrow("select status, hold_reason from outbox where id = $1", outbox_id)
    assert row is not None
    return row["status"], row["hold_reason"]


async def _later(pool: Pool, ids: list[int], seconds: int) -> None:
    """`seconds` pass for these rows."""
    await pool.execute(
        """update outbox set created_at = created_at - make_interval(secs => $2),
                  next_attempt_at = next_attempt_at - make_interval(secs => $2),
                  last_attempt_at = last_attempt_at - make_interval(secs => $2)
           where id = any($1::bigint[])""",
        ids,
        seconds,
    )


async def _clock(pool: Pool, offset_minutes: int) -> str:
    """Beijing wall-clock time, as HH:MM, `offset_minutes` from the database's now."""
    now: datetime = await pool.fetchval("select now()")
    return (now + timedelta(minutes=offset_minutes)).astimezone(SHANGHAI).strftime("%H:%M")


async def test_quiet_hours_hold_non_urgent_sms_until_they_end(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    end = await _clock(pool, 90)
    deps = _deps(pool, aliyun_settings, quiet_start=await _clock(pool, -90), quiet_end=end)
    citizen_id, phone = await _citizen(pool)
    news = await _queue(deps, phone, citizen_id)
    code = await _queue(
        deps, phone, citizen_id, kind="login_code", template="sms.login_code", urgent=True
    )
    assert await notifications.deliver(deps, channel, news) == "created"
    assert await _status(pool, news) == ("created", "quiet_hours")
    held_until = await pool.fetchval(
        "select to_char(next_attempt_at at time zone 'Asia/Shanghai', 'HH24:MI') "
        "from outbox where id = $1",
        news,
    )
    assert held_until == end
    assert await _decisions(pool, news) == [
        ("channel", "no_push", "sms"),
        ("held", "quiet_hours", None),
    ]
    # a log-in code is urgent: it goes at night too
    assert await notifications.deliver(deps, channel, code) == "sent"
    # not due before the morning, even if a job comes
    assert await notifications.deliver(deps, channel, news) is None
    # morning: the quiet hours are over
    morning = _deps(pool, aliyun_settings, quiet_start="", quiet_end="")
    await pool.execute("update outbox set next_attempt_at = now() where id = $1", news)
    assert await notifications.deliver(morning, channel, news) == "sent"
    assert [d[0] for d in await _decisions(pool, news)] == ["channel", "held"]
    assert len(fake_aliyun.sent_to(phone)) == 2


async def test_updates_within_minutes_go_as_one_digest(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    deps = _deps(pool, aliyun_settings, digest_seconds=180)
    citizen_id, phone = await _citizen(pool)
    first = await _queue(deps, phone, citizen_id, kind="task.accept", item="出生医学证明")
    second = await _queue(deps, phone, citizen_id, kind="task.request_materials", item="户口登记")
    third = await _queue(
        deps, phone, citizen_id, kind="task.reject", item="城乡居民基本医疗保险参保登记"
    )
    other = await _queue(deps, phone, citizen_id, number="1000052876")
    # the first update waits for the others
    assert await notifications.deliver(deps, channel, first) == "created"
    assert await _status(pool, first) == ("created", "digest")
    assert fake_aliyun.messages == []
    await _later(pool, [first, second, third, other], 200)
    assert await notifications.deliver(deps, channel, first) == "sent"
    [digest] = fake_aliyun.sent_to(phone)
    assert digest.content == (
        "【掌上办】办件1000041830有3条新进展，最新："
        "城乡居民基本医疗保险参保登记：不予办理（银行账户与身份证姓名不一致）"
    )
    # the others went inside it: never on their own
    for merged in (second, third):
        assert await _status(pool, merged) == ("sent", "digest")  # follows the digest
        assert await notifications.deliver(deps, channel, merged) is None
        assert await _decisions(pool, merged) == [("merged", "digest", None)]
    assert not {second, third} & set(
        await notifications.pending(deps, older_than_seconds=0, limit=10**6)
    )
    assert [d[:2] for d in await _decisions(pool, first)] == [
        ("channel", "no_push"),
        ("held", "digest"),
        ("digest", "digest"),
    ]
    # another application's update is its own SMS
    assert await notifications.deliver(deps, channel, other) == "sent"
    assert len(fake_aliyun.sent_to(phone)) == 2
    # the digest's receipt tells for all three
    summary = await sms_receipts.record_reports(deps, [digest.report()])
    assert summary.accepted == 1
    statuses = {await _status(pool, i) for i in (first, second, third)}
    assert {s for s, _h in statuses} == {"delivered"}


async def test_a_question_is_never_folded_into_a_digest(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    """An SMS that asks something goes in its own words with its extend code, whatever else
    waits about the same application; the updates around it still make their digest."""
    deps = _deps(pool, aliyun_settings, digest_seconds=180)
    citizen_id, phone = await _citizen(pool)
    first = await _queue(deps, phone, citizen_id, kind="task.accept", item="出生医学证明")
    question = await _queue(
        deps, phone, citizen_id, kind="task.request_materials", item="户口登记", extend_code="30417"
    )
    third = await _queue(deps, phone, citizen_id, item="城乡居民基本医疗保险参保登记")
    await _later(pool, [first, question, third], 200)
    assert await notifications.deliver(deps, channel, first) == "sent"
    assert await notifications.deliver(deps, channel, question) == "sent"
    sent = fake_aliyun.sent_to(phone)
    assert [m.extend_code for m in sent] == [None, "30417"]
    assert sent[0].content.startswith("【掌上办】办件1000041830有2条新进展")
    assert "户口登记" in sent[1].content and "新进展" not in sent[1].content
    assert await _status(pool, third) == ("sent", "digest")


async def test_caps_per_number_hold_the_rest(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    deps = _deps(pool, aliyun_settings, caps=((3600, 2),))
    citizen_id, phone = await _citizen(pool)
    rows = [await _queue(deps, phone, citizen_id, number=f"10000{n}1237") for n in range(3)]
    urgent = await _queue(
        deps, phone, citizen_id, kind="login_code", template="sms.login_code", urgent=True
    )
    assert [await notifications.deliver(deps, channel, r) for r in rows] == [
        "sent",
        "sent",
        "created",
    ]
    assert await _status(pool, rows[2]) == ("created", "cap")
    # room again one hour after the first went out
    gap = await pool.fetchval(
        "select extract(epoch from (select next_attempt_at from outbox where id = $1) "
        "- (select last_attempt_at from outbox where id = $2))",
        rows[2],
        rows[0],
    )
    assert gap == 3600
    assert await notifications.deliver(deps, channel, urgent) == "sent"  # urgent: not held
    await _later(pool, [rows[0], rows[1], urgent], 3601)
    await pool.execute("update outbox set next_attempt_at = now() where id = $1", rows[2])
    assert await notifications.deliver(deps, channel, rows[2]) == "sent"
    assert len(fake_aliyun.sent_to(phone)) == 4


@pytest.mark.parametrize(
    ("preference", "account", "kind", "reason"),
    [
        ("sms", True, "task.reject", "prefers_sms"),
        ("push", True, "task.reject", "no_push"),
        ("push", False, "task.reject", "no_account"),
        ("push", True, "login_code", "login_code"),
    ],
)
async def test_the_channel_decision_is_recorded_once(
    pool: Pool,
    aliyun_settings: Settings,
    channel: AliyunSmsChannel,
    fake_aliyun: FakeDysmsapi,
    preference: str,
    account: bool,
    kind: str,
    reason: str,
) -> None:
    citizen_id, phone = await _citizen(pool, preference=preference)
    deps = _deps(pool, aliyun_settings)
    outbox_id = await _queue(deps, phone, citizen_id if account else None, kind=kind)
    fake_aliyun.answer_next("Throttling.User", http_status=400)
    assert await notifications.deliver(deps, channel, outbox_id) == "temporary-failure"
    await pool.execute("update outbox set next_attempt_at = now() where id = $1", outbox_id)
    assert await notifications.deliver(deps, channel, outbox_id) == "sent"
    assert await _decisions(pool, outbox_id) == [
        ("channel", reason, "sms"),
        ("held", "retry", None),
    ]


async def test_two_workers_claiming_two_messages_to_one_number_send_one(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    """The cap of "1 SMS a minute" held when two messages to one number are claimed
    at once (seen: two offers to one number 11 ms apart). Deliveries run concurrently, as two
    workers would; for each number exactly one goes and the other waits for the cap."""
    deps = _deps(pool, aliyun_settings, caps=((60, 1),))
    pairs = []
    for _ in range(6):
        citizen_id, phone = await _citizen(pool)
        pairs.append(
            (
                phone,
                [await _queue(deps, phone, citizen_id, number=f"10000{n}1237") for n in range(2)],
            )
        )
    # gather interleaves the claims' transactions at every await: the race the cap must survive
    await asyncio.gather(
        *(notifications.deliver(deps, channel, r) for _phone, rows in pairs for r in rows)
    )
    for phone, rows in pairs:
        assert len(fake_aliyun.sent_to(phone)) == 1, phone
        assert sorted([await _status(pool, r) for r in rows]) == [
            ("created", "cap"),
            ("sent", None),
        ]
