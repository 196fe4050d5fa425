"""Web Push end to end: GraphQL subscription → outbox → pywebpush → a fake push service,
decrypted as the browser would; receipts from the service worker; SMS when push fails or is
not opened."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.i18n import translate
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.notify.webpush import MAX_PAYLOAD_BYTES, WebPushChannel, new_vapid_keys
from doorstep.services import notifications, push
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from tests.fakes.aliyun_sms import FakeDysmsapi
from tests.fakes.push_service import FakeBrowser, FakePushService
from tests.integration.helpers import error_code, fresh_phone, gql, login

VAPID_PRIVATE, VAPID_PUBLIC = new_vapid_keys()
REGISTER = """mutation($e: String!, $k: String!, $a: String!) {
  registerPushSubscription(endpoint: $e, p256dh: $k, auth: $a) }"""
UNREGISTER = "mutation($e: String!) { unregisterPushSubscription(endpoint: $e) }"
HISTORY = """{ myNotifications(first: 5) { id channel status statusLabel text
  how { decision reason text channel } } }"""


@pytest.fixture
def push_settings(aliyun_settings: Settings) -> Settings:
    return dataclasses.replace(
        aliyun_settings,
        push=dataclasses.replace(
            aliyun_settings.push,
            vapid_private_key=VAPID_PRIVATE,
            allow_insecure_endpoints=True,
            timeout_seconds=2,
        ),
    )


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    service = FakePushService(application_server_key=VAPID_PUBLIC)
    service.start()
    yield service
    service.stop()


@pytest.fixture
async def push_client(push_settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(push_settings)) as client:
        yield client


@pytest.fixture
async def channels(
    push_settings: Settings,
) -> AsyncIterator[tuple[AliyunSmsChannel, WebPushChannel]]:
    sms = AliyunSmsChannel(push_settings.sms, push_settings.sms_sign_name)
    web = WebPushChannel(push_settings.push)
    yield sms, web
    await sms.close()
    await web.close()


async def _subscribed(
    client: AsyncTestClient[Any], pool: Pool, service: FakePushService, name: str
) -> tuple[str, int, FakeBrowser]:
    browser = FakeBrowser()
    phone = fresh_phone()
    token = await login(client, pool, phone)
    body = await gql(
        client,
        REGISTER,
        {"e": service.endpoint(name), "k": browser.p256dh, "a": browser.auth_secret},
        token=token,
    )
    assert body == {"data": {"registerPushSubscription": True}}, body
    citizen_id: int = await pool.fetchval("select id from citizens where phone = $1", phone)
    return token, citizen_id, browser


async def _queue(
    deps: Deps,
    citizen_id: int,
    *,
    kind: str = "task.reject",
    reason: str = "银行账户与身份证姓名不一致",
) -> int:
    phone = await deps.pool.fetchval("select phone from citizens where id = $1", citizen_id)
    async with transaction(deps.pool) as conn:
        return await notifications.queue(
            conn,
            citizen_id=citizen_id,
            phone=phone,
            kind=kind,
            template="sms.task_rejected",
            params={"number": "1000041830", "item": "生育津贴申领", "reason": reason},
            language="zh_Hans",
        )


async def _decisions(pool: Pool, outbox_id: int) -> list[tuple[str, str, str | None]]:
    rows = await pool.fetch(
        "select decision, reason, channel from notification_decisions "
        "where outbox_id = $1 order by id",
        outbox_id,
    )
    return [(r["decision"], r["reason"], r["channel"]) for r in rows]


async def test_a_push_reaches_the_browser_encrypted_and_signed(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
    fake_aliyun: FakeDysmsapi,
) -> None:
    token, citizen_id, browser = await _subscribed(push_client, pool, push_service, "phone-a")
    deps = Deps(pool=pool, settings=push_settings)
    outbox_id = await _queue(deps, citizen_id)
    sms, web = channels
    assert await notifications.deliver(deps, sms, outbox_id, push=web) == "sent"
    [received] = push_service.to("phone-a")
    payload = browser.decrypt(received.body)
    assert payload["id"] == outbox_id
    assert payload["title"] == "掌上办"
    assert payload["body"] == translate(
        "sms.task_rejected",
        "zh_Hans",
        number="1000041830",
        item="生育津贴申领",
        reason="银行账户与身份证姓名不一致",
    )
    assert payload["url"] == "/applications/1000041830"
    assert received.claims["sub"] == push_settings.push.vapid_subject
    assert received.headers["urgency"] == "normal" and int(received.headers["ttl"]) > 0
    assert fake_aliyun.messages == []  # no SMS: the push went through
    row = await pool.fetchrow(
        "select channel, status, provider_id from outbox where id = $1", outbox_id
    )
    assert row is not None and (row["channel"], row["status"]) == ("push", "sent")
    assert row["provider_id"].startswith(push_service.origin)
    assert await _decisions(pool, outbox_id) == [("channel", "push_first", "push")]

    # the service worker reports: arrived and opened
    response = await push_client.post("/push/ack", json={"id": outbox_id, "ack": "0" * 32})
    assert response.status_code == 404
    response = await push_client.post("/push/ack", content=b"{not json")
    assert response.status_code == 400
    response = await push_client.post(
        "/push/ack", json={"id": outbox_id, "ack": payload["ack"], "opened": True}
    )
    assert (response.status_code, response.json()) == (200, {"status": "delivered"})
    assert await pool.fetchval("select opened_at is not null from outbox where id = $1", outbox_id)

    # "how we told you"
    body = await gql(push_client, HISTORY, token=token)
    [record] = [r for r in body["data"]["myNotifications"] if r["id"] == str(outbox_id)]
    assert (record["channel"], record["status"], record["statusLabel"]) == (
        "push",
        "delivered",
        "已送达",
    )
    assert record["how"] == [
        {
            "decision": "channel",
            "reason": "push_first",
            "text": "用App推送通知您",
            "channel": "push",
        }
    ]


async def test_gone_subscription_is_removed_and_sms_follows(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
    fake_aliyun: FakeDysmsapi,
) -> None:
    token, citizen_id, _browser = await _subscribed(push_client, pool, push_service, "gone")
    queued: list[int] = []

    async def enqueue(ids: list[int]) -> None:
        queued.extend(ids)

    deps = Deps(pool=pool, settings=push_settings, enqueue_outbox=enqueue)
    outbox_id = await _queue(deps, citizen_id)
    push_service.answer_next(410, name="gone")
    sms, web = channels
    assert await notifications.deliver(deps, sms, outbox_id, push=web) == "permanent-failure"
    assert (
        await pool.fetchval(
            "select count(*) from push_subscriptions where citizen_id = $1", citizen_id
        )
        == 0
    )
    fallback = await pool.fetchval("select id from outbox where fallback_of = $1", outbox_id)
    assert queued == [fallback]
    assert await _decisions(pool, outbox_id) == [
        ("channel", "push_first", "push"),
        ("fallback", "push_failed", None),
    ]
    assert await notifications.deliver(deps, sms, fallback, push=web) == "sent"
    assert await _decisions(pool, fallback) == [("channel", "push_failed", "sms")]
    [message] = fake_aliyun.messages
    assert message.out_id == str(fallback)
    # with no subscription left, the next notification goes straight by SMS
    later = await _queue(deps, citizen_id)
    assert await notifications.deliver(deps, sms, later, push=web) == "sent"
    assert await _decisions(pool, later) == [("channel", "no_push", "sms")]
    body = await gql(push_client, HISTORY, token=token)
    texts = {r["id"]: [h["text"] for h in r["how"]] for r in body["data"]["myNotifications"]}
    assert texts[str(fallback)] == ["App推送没有送达，改发短信"]


async def test_transient_push_errors_retry_then_fall_back(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
    fake_aliyun: FakeDysmsapi,
) -> None:
    _token, citizen_id, browser = await _subscribed(push_client, pool, push_service, "busy")
    deps = Deps(pool=pool, settings=push_settings)
    sms, web = channels
    first = await _queue(deps, citizen_id)
    push_service.answer_next(503, name="busy")
    assert await notifications.deliver(deps, sms, first, push=web) == "temporary-failure"
    await pool.execute("update outbox set next_attempt_at = now() where id = $1", first)
    assert await notifications.deliver(deps, sms, first, push=web) == "sent"
    assert browser.decrypt(push_service.to("busy")[0].body)["id"] == first

    second = await _queue(deps, citizen_id)
    push_service.answer_next(429, name="busy", times=push_settings.push.max_retries)
    for _ in range(push_settings.push.max_retries - 1):
        assert await notifications.deliver(deps, sms, second, push=web) == "temporary-failure"
        await pool.execute("update outbox set next_attempt_at = now() where id = $1", second)
    assert await notifications.deliver(deps, sms, second, push=web) == "permanent-failure"
    assert await pool.fetchval("select count(*) from outbox where fallback_of = $1", second) == 1
    # the subscription itself is fine: it stays
    assert (
        await pool.fetchval(
            "select count(*) from push_subscriptions where citizen_id = $1", citizen_id
        )
        == 1
    )


async def test_an_important_push_not_opened_is_followed_by_sms(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
) -> None:
    _token, citizen_id, browser = await _subscribed(push_client, pool, push_service, "unread")
    deps = Deps(pool=pool, settings=push_settings)
    sms, web = channels
    important = await _queue(deps, citizen_id, kind="task.reject")
    minor = await _queue(deps, citizen_id, kind="task.accept")
    opened = await _queue(deps, citizen_id, kind="task.reject")
    for outbox_id in (important, minor, opened):
        assert await notifications.deliver(deps, sms, outbox_id, push=web) == "sent"
    ack = browser.decrypt(push_service.to("unread")[2].body)["ack"]
    assert await push.acknowledge(deps, opened, ack, opened=True) == "delivered"
    assert await push.fall_back_unread(deps) == []  # not yet: the citizen has time
    await pool.execute(
        "update outbox set sent_at = sent_at - make_interval(secs => $2) "
        "where id = any($1::bigint[])",
        [important, minor, opened],
        push_settings.push.unread_fallback_seconds + 60,
    )
    created = await push.fall_back_unread(deps)
    fallback = await pool.fetchval("select id from outbox where fallback_of = $1", important)
    assert fallback in created
    assert not await pool.fetchval(
        "select count(*) from outbox where fallback_of = any($1::bigint[])", [minor, opened]
    )
    assert fallback not in await push.fall_back_unread(deps)  # once
    assert await _decisions(pool, fallback) == [("channel", "push_unread", "sms")]


async def test_an_unread_question_to_answer_by_y_is_followed_by_sms(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
) -> None:
    """A delegation request or a confirmation of an agent's money-moving action, pushed but
    not opened, goes again by SMS: the reply Y / N answers it from any phone."""
    _token, citizen_id, _browser = await _subscribed(push_client, pool, push_service, "ask")
    deps = Deps(pool=pool, settings=push_settings)
    sms, web = channels
    asked = [
        await _queue(deps, citizen_id, kind=kind)
        for kind in ("delegation_requested", "confirmation_requested")
    ]
    for outbox_id in asked:
        assert await notifications.deliver(deps, sms, outbox_id, push=web) == "sent"
    await pool.execute(
        "update outbox set sent_at = sent_at - make_interval(secs => $2) "
        "where id = any($1::bigint[])",
        asked,
        push_settings.push.unread_fallback_seconds + 60,
    )
    await push.fall_back_unread(deps)
    assert (
        await pool.fetchval(
            "select count(*) from outbox where fallback_of = any($1::bigint[])", asked
        )
        == 2
    )


async def test_subscriptions_are_checked(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_service: FakePushService,
    client: AsyncTestClient[Any],
) -> None:
    browser = FakeBrowser()
    token = await login(push_client, pool, fresh_phone())
    assert (await gql(push_client, "{ pushPublicKey }"))["data"] == {"pushPublicKey": VAPID_PUBLIC}

    async def register(
        endpoint: str,
        key: str = browser.p256dh,
        auth: str = browser.auth_secret,
        tok: str | None = token,
    ) -> str | None:
        return error_code(
            await gql(push_client, REGISTER, {"e": endpoint, "k": key, "a": auth}, token=tok)
        )

    bad_endpoint, bad_keys = "push.endpoint_invalid", "push.keys_invalid"
    assert await register("http://push.example.com/x") == bad_endpoint  # not https
    assert await register("https://user:pw@push.example.com/x") == bad_endpoint
    assert await register("https://push.example.com/" + "x" * 2000) == bad_endpoint
    assert await register("https://push.example.com/x", key="AAAA") == bad_keys
    assert await register("https://push.example.com/x", auth="c2hvcnQ") == bad_keys
    assert await register("https://push.example.com/x", tok=None) == "auth.required"
    assert await register("https://push.example.com/x") is None
    unregister = {"e": "https://push.example.com/x"}
    assert (await gql(push_client, UNREGISTER, unregister, token=token))["data"] == {
        "unregisterPushSubscription": True
    }
    assert (await gql(push_client, UNREGISTER, unregister, token=token))["data"] == {
        "unregisterPushSubscription": False
    }
    # a server without a VAPID key: no public key, and registering says so
    other = await login(client, pool, fresh_phone())
    assert (await gql(client, "{ pushPublicKey }"))["data"] == {"pushPublicKey": None}
    body = await gql(
        client,
        REGISTER,
        {"e": "https://push.example.com/y", "k": browser.p256dh, "a": browser.auth_secret},
        token=other,
    )
    assert error_code(body) == "push.not_available"
    assert body["errors"][0]["message"] == translate("error.push.not_available", "zh_Hans")


async def test_a_long_text_is_cut_to_fit_the_payload_limit(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
) -> None:
    _token, citizen_id, browser = await _subscribed(push_client, pool, push_service, "long")
    deps = Deps(pool=pool, settings=push_settings)
    outbox_id = await _queue(deps, citizen_id, reason="材料不全：" + "请补充材料。" * 400)
    sms, web = channels
    assert await notifications.deliver(deps, sms, outbox_id, push=web) == "sent"
    [received] = push_service.to("long")
    assert len(received.body) <= 4096
    payload = browser.decrypt(received.body)
    assert payload["body"].endswith("…") and payload["body"].startswith("办件1000041830")
    import json

    assert (
        len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        <= MAX_PAYLOAD_BYTES
    )


async def test_a_push_the_service_refuses_to_authenticate_falls_back(
    push_client: AsyncTestClient[Any],
    pool: Pool,
    push_settings: Settings,
    push_service: FakePushService,
    channels: tuple[AliyunSmsChannel, WebPushChannel],
) -> None:
    """The subscription was made for another server key (say, after a key change): 403."""
    _token, citizen_id, _browser = await _subscribed(push_client, pool, push_service, "rekey")
    push_service.application_server_key = new_vapid_keys()[1]
    deps = Deps(pool=pool, settings=push_settings)
    outbox_id = await _queue(deps, citizen_id)
    sms, web = channels
    assert await notifications.deliver(deps, sms, outbox_id, push=web) == "permanent-failure"
    assert push_service.rejected and push_service.to("rekey") == []
    assert await pool.fetchval("select count(*) from outbox where fallback_of = $1", outbox_id) == 1
