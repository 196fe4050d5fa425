"""Broadcasts through the real SDK over HTTP to the fake Dysmsapi: lanes of SendBatchSms calls,
one outbox row per citizen, reconciliation of a batch whose answer was never recorded."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import os
from collections import Counter
from typing import Any

import pytest

from doorstep.config import Settings
from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Role
from doorstep.i18n import LANGUAGES, has_message, translate
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.notify.channels import DeliveryResult, OutgoingSms
from doorstep.services import broadcasts, sms_receipts
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.fakes.aliyun_sms import FakeDysmsapi
from tests.integration.helpers import WorkerKilled, burst_worker

PARAMS = {"subject": "停水通知", "detail": "12月3日9时至17时永安里停水检修，请提前储水。"}
_regions = itertools.count(1)


@pytest.fixture
def bdeps(pool: Pool, aliyun_settings: Settings) -> Deps:
    return Deps(pool=pool, settings=aliyun_settings)


async def _citizens(pool: Pool, languages: dict[str, int]) -> tuple[str, list[str]]:
    """Citizens in a region of their own; returns the region and their numbers."""
    seq = next(_regions)
    region = f"98{os.getpid() % 10000:04d}{seq:03d}"
    phones: list[str] = []
    n = 0
    for language, count in languages.items():
        rows = await pool.fetch(
            """insert into citizens (phone, region_code, language)
               select '+86135' || lpad(($1::bigint + g)::text, 8, '0'), $2, $3
               from generate_series(1, $4) g returning phone""",
            (os.getpid() % 1000) * 100_000 + seq * 1000 + n,
            region,
            language,
            count,
        )
        phones += [r["phone"] for r in rows]
        n += count
    return region, phones


async def _rows(pool: Pool, broadcast_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in await pool.fetch(
            """select id, phone, status, provider_id, batch_out_id, retries, hold_reason, attempts,
                  language
           from outbox where broadcast_id = $1 order by id""",
            broadcast_id,
        )
    ]


async def _drain(deps: Deps, channel: Any, started: broadcasts.Started) -> None:
    for broadcast_id, language, _generation in started.lanes:
        await broadcasts.deliver_lane(deps, channel, broadcast_id, language)


async def _time_passes(pool: Pool, broadcast_id: int) -> None:
    await pool.execute(
        """update outbox set next_attempt_at = least(next_attempt_at, now() - interval '1 s'),
                  sending_since = sending_since - interval '1 hour'
           where broadcast_id = $1""",
        broadcast_id,
    )


async def test_a_broadcast_goes_in_batches_of_100_with_each_numbers_params(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, phones = await _citizens(pool, {"zh_Hans": 230, "en": 40})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region, chunk=100
    )
    assert started.total == 270
    assert sorted(started.lanes) == [(started.id, "en", 0), (started.id, "zh_Hans", 0)]
    # every row carries its channel decision, written with it
    decided = await pool.fetchval(
        """select count(*) from notification_decisions d join outbox o on o.id = d.outbox_id
           where o.broadcast_id = $1 and d.decision = 'channel' and d.reason = 'broadcast'""",
        started.id,
    )
    assert decided == 270
    await _drain(bdeps, channel, started)

    calls = fake_aliyun.calls_of("SendBatchSms")
    assert sorted(len(json.loads(c.params["PhoneNumberJson"])) for c in calls) == [
        30,
        40,
        100,
        100,
    ]  # ceil(230 / 100) + ceil(40 / 100)
    assert not fake_aliyun.calls_of("SendSms")
    for call in calls:
        numbers = json.loads(call.params["PhoneNumberJson"])
        assert json.loads(call.params["TemplateParamJson"]) == [PARAMS] * len(numbers)
        assert call.params["OutId"].startswith("b")
    got = Counter(m.phone for m in fake_aliyun.messages)
    assert got == Counter(p.removeprefix("+86") for p in phones)  # each number once
    rows = await _rows(pool, started.id)
    assert {r["status"] for r in rows} == {"sent"}
    by_phone = {m.phone: m for m in fake_aliyun.messages}
    for r in rows:
        message = by_phone[r["phone"].removeprefix("+86")]
        assert (r["provider_id"], r["batch_out_id"]) == (message.biz_id, message.out_id)
        colon = ": " if r["language"] == "en" else "："  # each lane in its own language
        assert message.content.endswith(PARAMS["subject"] + colon + PARAMS["detail"])


async def test_receipts_map_back_to_each_number_of_a_batch(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, _phones = await _citizens(pool, {"zh_Hans": 3})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    await _drain(bdeps, channel, started)
    first, second, third = fake_aliyun.messages[-3:]
    assert first.biz_id == second.biz_id == third.biz_id
    summary = await sms_receipts.record_reports(
        bdeps, [first.report(), second.report(success=False, err_code="MK:0001")]
    )
    assert summary.unknown == 0
    status = {r["phone"].removeprefix("+86"): r["status"] for r in await _rows(pool, started.id)}
    assert status == {
        first.phone: "delivered",
        second.phone: "permanent-failure",
        third.phone: "sent",
    }


def _dies_in_send_batch(channel: AliyunSmsChannel, *, after_sending: bool) -> Any:
    """The channel, but its worker dies in SendBatchSms: before the call, or after Aliyun has
    accepted it and before anything is recorded."""

    class Dying:
        name = channel.name

        async def send_batch(self, messages: list[OutgoingSms], out_id: str) -> DeliveryResult:
            if after_sending:
                await channel.send_batch(messages, out_id)
            raise WorkerKilled

        def __getattr__(self, name: str) -> Any:
            return getattr(channel, name)

    return Dying()


async def test_a_batch_sent_before_the_worker_died_is_reconciled_not_resent(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, phones = await _citizens(pool, {"zh_Hans": 120})

    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    with pytest.raises(WorkerKilled):
        dying = _dies_in_send_batch(channel, after_sending=True)
        await broadcasts.deliver_lane(bdeps, dying, started.id, "zh_Hans")
    assert {r["status"] for r in await _rows(pool, started.id)} == {"sending", "created"}
    await _time_passes(pool, started.id)  # the lease runs out
    result = await broadcasts.deliver_lane(bdeps, channel, started.id, "zh_Hans")
    assert result.reconciled == 100
    assert len(fake_aliyun.calls_of("QuerySendDetails")) >= 100
    got = Counter(m.phone for m in fake_aliyun.messages)
    assert got == Counter(p.removeprefix("+86") for p in phones)  # nobody twice, nobody missed
    assert len(fake_aliyun.calls_of("SendBatchSms")) == 2  # the 100 again never, the 20 once
    rows = await _rows(pool, started.id)
    assert Counter(r["status"] for r in rows) == {"delivered": 100, "sent": 20}


async def test_a_batch_that_died_before_the_call_is_looked_up_then_sent_once(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, phones = await _citizens(pool, {"zh_Hans": 5})

    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    with pytest.raises(WorkerKilled):
        dying = _dies_in_send_batch(channel, after_sending=False)
        await broadcasts.deliver_lane(bdeps, dying, started.id, "zh_Hans")
    await _time_passes(pool, started.id)
    result = await broadcasts.deliver_lane(bdeps, channel, started.id, "zh_Hans")
    assert (result.reconciled, result.resent_after_lookup, result.sent) == (0, 5, 5)
    assert Counter(m.phone for m in fake_aliyun.messages) == Counter(
        p.removeprefix("+86") for p in phones
    )
    out_ids = {r["batch_out_id"] for r in await _rows(pool, started.id)}
    assert len(out_ids) == 1  # the new batch's OutId, not the lost one's


async def test_a_template_refusal_fails_every_row_of_the_batch(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, _phones = await _citizens(pool, {"zh_Hans": 7})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    fake_aliyun.answer_next("isv.SMS_TEMPLATE_ILLEGAL", action="SendBatchSms")
    await _drain(bdeps, channel, started)
    await _time_passes(pool, started.id)
    await _drain(bdeps, channel, started)
    rows = await _rows(pool, started.id)
    assert {r["status"] for r in rows} == {"permanent-failure"}
    assert len(fake_aliyun.calls_of("SendBatchSms")) == 1  # never tried again
    assert not fake_aliyun.messages


async def test_a_throttled_batch_backs_off_then_goes_once(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    region, phones = await _citizens(pool, {"zh_Hans": 7})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    fake_aliyun.answer_next("Throttling.User", http_status=400, action="SendBatchSms")
    await _drain(bdeps, channel, started)
    rows = await _rows(pool, started.id)
    assert {(r["status"], r["retries"], r["hold_reason"]) for r in rows} == {
        ("temporary-failure", 1, "backoff")
    }
    held = await pool.fetchval(
        """select count(*) from notification_decisions d join outbox o on o.id = d.outbox_id
           where o.broadcast_id = $1 and d.decision = 'held' and d.reason = 'retry'""",
        started.id,
    )
    assert held == 7
    await _drain(bdeps, channel, started)  # still backing off: nothing goes
    assert len(fake_aliyun.calls_of("SendBatchSms")) == 1
    await _time_passes(pool, started.id)
    await _drain(bdeps, channel, started)
    assert {r["status"] for r in await _rows(pool, started.id)} == {"sent"}
    assert Counter(m.phone for m in fake_aliyun.messages) == Counter(
        p.removeprefix("+86") for p in phones
    )


async def test_non_urgent_broadcasts_wait_out_quiet_hours(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    # quiet all day but one minute: "now" is always inside
    sms = dataclasses.replace(aliyun_settings.sms, quiet_start="00:00", quiet_end="23:59")
    deps = Deps(pool=pool, settings=dataclasses.replace(aliyun_settings, sms=sms))
    region, _phones = await _citizens(pool, {"zh_Hans": 4})
    started = await broadcasts.start(
        deps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    result = await broadcasts.deliver_lane(deps, channel, started.id, "zh_Hans")
    assert result.held == 4
    rows = await _rows(pool, started.id)
    assert {(r["status"], r["hold_reason"]) for r in rows} == {("created", "quiet_hours")}
    assert not fake_aliyun.calls_of("SendBatchSms")


async def test_per_number_caps_hold_numbers_that_had_their_share(
    pool: Pool, aliyun_settings: Settings, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi
) -> None:
    sms = dataclasses.replace(aliyun_settings.sms, caps=((60, 1),))
    deps = Deps(pool=pool, settings=dataclasses.replace(aliyun_settings, sms=sms))
    region, _phones = await _citizens(pool, {"zh_Hans": 3})
    first = await broadcasts.start(
        deps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    await _drain(deps, channel, first)
    second = await broadcasts.start(
        deps,
        None,
        template="sms.public_notice",
        params={**PARAMS, "subject": "恢复供水"},
        region=region,
    )
    await _drain(deps, channel, second)
    rows = await _rows(pool, second.id)
    assert {(r["status"], r["hold_reason"]) for r in rows} == {("created", "cap")}
    assert len(fake_aliyun.messages) == 3


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"template": "sms.no_such_template"}, "broadcast.template_unknown"),
        ({"region": "000001"}, "broadcast.audience_empty"),
        ({"region": None, "phones": ["+8613500000000"]}, "broadcast.audience_empty"),
        ({"params": {**PARAMS, "detail": "停" * 36}}, "broadcast.param_too_long"),
        ({"params": {"subject": "停水通知"}}, "broadcast.param_missing"),
        ({"region": "12x"}, "broadcast.region_invalid"),
        ({"region": None}, "broadcast.audience_required"),
    ],
)
async def test_bad_input_is_refused_with_a_stable_code_and_writes_nothing(
    bdeps: Deps, pool: Pool, kwargs: dict[str, Any], code: str
) -> None:
    region, _phones = await _citizens(pool, {"zh_Hans": 1})
    args: dict[str, Any] = {
        "template": "sms.public_notice",
        "params": PARAMS,
        "region": region,
        **kwargs,
    }
    before = await pool.fetchval("select count(*) from broadcasts")
    with pytest.raises(InvalidInput) as refused:
        await broadcasts.start(bdeps, None, **args)
    assert refused.value.code == code
    assert await pool.fetchval("select count(*) from broadcasts") == before
    for language in LANGUAGES:
        assert has_message(f"error.{code}", language)
        text = translate(f"error.{code}", language, **refused.value.params)
        assert "{" not in text


async def test_staff_outside_the_region_may_not_broadcast(bdeps: Deps, pool: Pool) -> None:
    from doorstep.domain.errors import Forbidden

    region, _phones = await _citizens(pool, {"zh_Hans": 1})
    elsewhere = Actor(Role.SUPERVISOR, staff_id=None, region_code="310101")
    with pytest.raises(Forbidden):
        await broadcasts.start(
            bdeps, elsewhere, template="sms.public_notice", params=PARAMS, region=region
        )
    clerk = Actor(Role.STAFF, staff_id=None, region_code=region)
    with pytest.raises(Forbidden):
        await broadcasts.start(
            bdeps, clerk, template="sms.public_notice", params=PARAMS, region=region
        )


async def test_a_lane_nobody_drains_is_started_again_under_a_new_generation(
    bdeps: Deps, pool: Pool
) -> None:
    """Redis flushed or the worker killed: the lane's jobs are gone, its rows stay due."""
    region, _phones = await _citizens(pool, {"zh_Hans": 3})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    assert started.lanes == [(started.id, "zh_Hans", 0)]
    assert (started.id, "zh_Hans", 1) not in await broadcasts.restart_lanes(bdeps)  # beating
    await pool.execute(
        "update broadcast_lanes set heartbeat_at = now() - interval '1 hour' "
        "where broadcast_id = $1",
        started.id,
    )
    assert (started.id, "zh_Hans", 1) in await broadcasts.restart_lanes(bdeps)
    # once restarted it has its grace again
    assert (started.id, "zh_Hans", 2) not in await broadcasts.restart_lanes(bdeps)


async def test_the_worker_drains_lanes_and_the_sweeper_finds_lanes_redis_lost(
    aliyun_settings: Settings, pool: Pool, fake_aliyun: FakeDysmsapi
) -> None:
    from arq import create_pool
    from arq.connections import RedisSettings

    from doorstep.workers.main import startup, sweep_outbox

    redis = await create_pool(RedisSettings.from_dsn(aliyun_settings.redis_url))
    region, phones = await _citizens(pool, {"zh_Hans": 150, "zh_Hant": 10})
    # the fast path never reached Redis (as after a flush): no lane job exists
    deps = Deps(pool=pool, settings=aliyun_settings)
    started = await broadcasts.start(
        deps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    await pool.execute(
        "update broadcast_lanes set heartbeat_at = now() - interval '1 hour' "
        "where broadcast_id = $1",
        started.id,
    )
    ctx: dict[str, Any] = {"settings": aliyun_settings, "redis": redis}
    await startup(ctx)
    try:
        assert await sweep_outbox(ctx) >= 2
    finally:
        await ctx["channel"].close()
        await ctx["deps"].pool.close()
    worker = burst_worker(aliyun_settings)
    await worker.main()
    await worker.close()
    await redis.aclose()
    assert {r["status"] for r in await _rows(pool, started.id)} == {"sent"}
    # the burst worker also drains what other tests left on the queue: count ours only
    ours = {p.removeprefix("+86") for p in phones}
    assert Counter(m.phone for m in fake_aliyun.messages if m.phone in ours) == Counter(ours)
    batches = [
        c
        for c in fake_aliyun.calls_of("SendBatchSms")
        if set(json.loads(c.params["PhoneNumberJson"])) & ours
    ]
    assert len(batches) == 3


async def test_the_receipt_poll_asks_by_the_batch_outid(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    from doorstep.services import notifications

    region, _phones = await _citizens(pool, {"zh_Hans": 2})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    await _drain(bdeps, channel, started)
    fake_aliyun.messages[-1].send_status = 2
    fake_aliyun.messages[-1].err_code = "MK:0001"
    await pool.execute(
        "update outbox set sent_at = now() - interval '20 minutes' where broadcast_id = $1",
        started.id,
    )
    await notifications.poll_receipts(bdeps, channel, limit=10_000)
    status = {r["phone"].removeprefix("+86"): r["status"] for r in await _rows(pool, started.id)}
    assert status == {
        fake_aliyun.messages[-2].phone: "delivered",
        fake_aliyun.messages[-1].phone: "permanent-failure",
    }


async def test_how_we_told_you_names_the_broadcast(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    from doorstep.graphql.notifications import _decision
    from doorstep.services import notifications

    region, [phone] = await _citizens(pool, {"en": 1})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    await _drain(bdeps, channel, started)
    citizen_id = await pool.fetchval("select id from citizens where phone = $1", phone)
    [mine] = await notifications.my_notifications(
        bdeps, Actor(Role.CITIZEN, citizen_id=citizen_id, language="en")
    )
    assert (mine.kind, mine.channel, mine.status) == ("broadcast", "aliyun", "sent")
    assert mine.text is not None and mine.text.endswith(PARAMS["subject"] + ": " + PARAMS["detail"])
    [how] = mine.decisions
    assert (how.decision, how.channel, how.reason) == ("channel", "sms", "broadcast")
    assert _decision(how, "en").text == "A notice to everyone in your area, sent by SMS"


START = """mutation($t: String!, $p: JSON!, $r: String!) {
  startBroadcast(template: $t, params: $p, region: $r) { id total } }"""


async def test_staff_start_a_broadcast_through_graphql_and_refusals_are_localized(
    client: Any, tokens: dict[str, str], pool: Pool
) -> None:
    from tests.integration.helpers import error_code, gql

    region, _phones = await _citizens(pool, {"zh_Hans": 3})
    body = await gql(
        client, START, {"t": "sms.public_notice", "p": PARAMS, "r": region}, token=tokens["admin"]
    )
    assert "errors" not in body, body
    assert body["data"]["startBroadcast"]["total"] == 3
    broadcast_id = int(body["data"]["startBroadcast"]["id"])
    assert (
        await pool.fetchval("select count(*) from outbox where broadcast_id = $1", broadcast_id)
        == 3
    )
    messages = {}
    for language in ("en", "zh-Hant", "zh-CN"):
        body = await gql(
            client,
            START,
            {"t": "sms.nope", "p": PARAMS, "r": region},
            token=tokens["admin"],
            language=language,
        )
        assert error_code(body) == "broadcast.template_unknown"
        messages[language] = body["errors"][0]["message"]
    assert messages["en"] == "There is no SMS template sms.nope."
    assert messages["zh-Hant"] == "沒有這個簡訊模板：sms.nope。"
    assert messages["zh-CN"] == "没有这个短信模板：sms.nope。"
    long = {**PARAMS, "detail": "停" * 40}
    body = await gql(
        client,
        START,
        {"t": "sms.public_notice", "p": long, "r": region},
        token=tokens["admin"],
        language="en",
    )
    assert error_code(body) == "broadcast.param_too_long"
    assert "at most 35 characters" in body["errors"][0]["message"]


async def test_a_td_after_the_broadcast_was_queued_still_stops_it(
    bdeps: Deps, channel: AliyunSmsChannel, fake_aliyun: FakeDysmsapi, pool: Pool
) -> None:
    """Rows are written at once, sent over minutes: a citizen who replies "TD" in between
    gets nothing, and is told why under "how we told you"; a whole batch of such citizens
    does not stop the lane."""
    region, phones = await _citizens(pool, {"zh_Hans": 105, "en": 100})
    started = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, region=region
    )
    stopped = {phones[3], *phones[105:]}  # one in the first lane, the whole second lane
    await pool.execute(
        "update citizens set sms_opt_out_at = now() where phone = any($1)", list(stopped)
    )
    await _drain(bdeps, channel, started)
    got = {m.phone for m in fake_aliyun.messages}
    assert got == {p.removeprefix("+86") for p in phones if p not in stopped}
    rows = {r["phone"]: r["status"] for r in await _rows(pool, started.id)}
    assert {rows[p] for p in stopped} == {"permanent-failure"}
    assert {s for p, s in rows.items() if p not in stopped} == {"sent"}
    reasons = await pool.fetch(
        """select d.reason from notification_decisions d join outbox o on o.id = d.outbox_id
           where o.phone = $1 and o.broadcast_id = $2 order by d.id""",
        phones[3],
        started.id,
    )
    assert [r["reason"] for r in reasons] == ["opted_out"]


async def test_a_repeated_start_is_refused_and_writes_nothing(bdeps: Deps, pool: Pool) -> None:
    """A second click (or two at once) on the same notice to the same people makes one
    broadcast; another text, or another list, is a broadcast of its own."""
    region, phones = await _citizens(pool, {"zh_Hans": 3})
    outcomes = await asyncio.gather(
        *(
            broadcasts.start(
                bdeps, None, template="sms.public_notice", params=PARAMS, region=region
            )
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refused) == 1 and refused[0].code == "broadcast.repeated"
    rows = await pool.fetchval(
        "select count(*) from outbox o join broadcasts b on "
        "b.id = o.broadcast_id where b.audience->>'region' = $1",
        region,
    )
    assert rows == 3
    with pytest.raises(Conflict):
        await broadcasts.start(
            bdeps, None, template="sms.public_notice", params=PARAMS, region=region
        )
    other = await broadcasts.start(
        bdeps,
        None,
        template="sms.public_notice",
        params={**PARAMS, "detail": "恢复供水。"},
        region=region,
    )
    assert other.total == 3
    listed = await broadcasts.start(
        bdeps, None, template="sms.public_notice", params=PARAMS, phones=phones[:2]
    )
    assert listed.total == 2
