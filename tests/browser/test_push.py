"""Web Push in the browser: the app subscribes with the server's VAPID key and registers the
subscription; the server's push goes through a push service (tests/fakes/push_service.py),
is decrypted as the browser would and handed to the service worker through the DevTools
protocol; the worker shows it and its ack reaches /push/ack.

Chromium without Google's push service cannot make a real PushSubscription, so
PushManager.subscribe is replaced in the page by one that hands out the fake browser's keys
(and keeps the applicationServerKey it was given, to check the app passed the server's)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from doorstep.config import Settings
from doorstep.notify.channels import ConsoleChannel
from doorstep.notify.webpush import WebPushChannel, new_vapid_keys
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server, api_servers
from tests.fakes.push_service import FakeBrowser, FakePushService
from tests.integration.helpers import fresh_phone

VAPID_PRIVATE, VAPID_PUBLIC = new_vapid_keys()

STUB = """([endpoint, p256dh, auth]) => {
  let current = null;
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__subscribedWith = btoa(String.fromCharCode(...key))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    current = {
      endpoint,
      toJSON: () => ({ endpoint, keys: { p256dh, auth } }),
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


@pytest.fixture
async def push_web(settings: Settings) -> AsyncIterator[Server]:
    """An API process with Web Push on; dev mode lets it take the local push service's
    http:// endpoint."""
    env = {"VAPID_PRIVATE_KEY": VAPID_PRIVATE, "DOORSTEP_DEV": "1"}
    async with api_servers(settings, 1, env) as servers:
        yield servers[0]


async def test_subscribe_receive_show_and_ack(
    push_web: Server, pool: Pool, settings: Settings, phone: NewPhone
) -> None:
    service = FakePushService(application_server_key=VAPID_PUBLIC)
    service.start()
    fake = FakeBrowser()
    try:
        context = await phone("zh_Hans", permissions=["notifications"], bypass_csp=True)
        await context.add_init_script(
            f"({STUB})({json.dumps([service.endpoint('phone'), fake.p256dh, fake.auth_secret])})"
        )
        page = await context.new_page()
        citizen = fresh_phone()
        await enter(page, push_web, pool, citizen)
        await asyncio.wait_for(
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)"), 30
        )

        # subscribe on this phone: the server's key in, the subscription registered
        await visit(page, "#/settings", "[data-section=push] button")
        await page.locator("[data-section=push] button").dblclick()
        await page.locator("[data-section=push] button[aria-pressed=true]").wait_for()
        assert await page.evaluate("() => window.__subscribedWith") == VAPID_PUBLIC
        citizen_id = await pool.fetchval("select id from citizens where phone = $1", citizen)
        endpoints = await pool.fetch(
            "select endpoint from push_subscriptions where citizen_id = $1", citizen_id
        )
        assert [r["endpoint"] for r in endpoints] == [service.endpoint("phone")]
        await no_axe_violations(page, "settings with push")
        await shot(page, "settings-push-zh_Hans")

        # one of the citizen's applications, which the push is about
        api = Api(push_web, pool)
        try:
            token = await api.token(citizen)
            submitted = await api.run(
                'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }',
                {},
                token,
            )
        finally:
            await api.close()
        number = submitted["submitApplication"]["number"]

        # the server pushes (as its worker does) through the push service
        push_settings = dataclasses.replace(
            settings,
            push=dataclasses.replace(
                settings.push, vapid_private_key=VAPID_PRIVATE, allow_insecure_endpoints=True
            ),
        )
        deps = Deps(pool=pool, settings=push_settings)
        async with transaction(pool) as conn:
            outbox_id = await notifications.queue(
                conn,
                citizen_id=citizen_id,
                phone=citizen,
                kind="task.reject",
                template="sms.task_rejected",
                params={"number": number, "item": "生育津贴申领", "reason": "材料不全"},
                language="zh_Hans",
            )
        web = WebPushChannel(push_settings.push)
        try:
            assert await notifications.deliver(deps, ConsoleChannel(), outbox_id, push=web) == (
                "sent"
            )
        finally:
            await web.close()
        [received] = service.to("phone")
        payload = fake.decrypt(received.body)

        # ... and the browser hands it to the service worker
        cdp = await context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        await cdp.send("ServiceWorker.enable")
        for _ in range(50):
            if registrations:
                break
            await page.wait_for_timeout(100)
        [registration] = [r for r in registrations if not r.get("isDeleted")]
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": push_web.base,
                "registrationId": registration["registrationId"],
                "data": json.dumps(payload, ensure_ascii=False),
            },
        )
        # shown, and acknowledged: the outbox row is delivered (a stopped worker is started
        # for the push first, which under a loaded machine can take a while)
        shown: list[list[str]] = []
        for _ in range(300):
            shown = await page.evaluate(
                """() => navigator.serviceWorker.ready
                     .then((r) => r.getNotifications())
                     .then((list) => list.map((n) => [n.title, n.body]))"""
            )
            if shown:
                break
            await page.wait_for_timeout(100)
        assert shown == [[payload["title"], payload["body"]]]
        for _ in range(300):
            status = await pool.fetchval("select status from outbox where id = $1", outbox_id)
            if status == "delivered":
                break
            await page.wait_for_timeout(100)
        assert status == "delivered"

        # a tap (the worker's notificationclick, as Chromium without a notification centre
        # cannot be tapped) brings the open app to the application's page and says it was opened
        await visit(page, "#/settings", "[data-section=push]")
        # the staff console shares the origin: a tap must never take its window over
        console = await context.new_page()
        await console.goto(push_web.base + "/counter/")
        [worker] = context.service_workers
        [data] = await worker.evaluate(
            "() => self.registration.getNotifications().then((l) => l.map((n) => n.data))"
        )
        assert await worker.evaluate("(data) => self.tapped(data).then(() => true)", data)
        await page.wait_for_url(f"**/#/application/{number}")
        await page.locator("[data-timeline] li").first.wait_for()
        assert number in await page.locator("body").inner_text()
        assert console.url == push_web.base + "/counter/"
        opened = await pool.fetchval("select opened_at from outbox where id = $1", outbox_id)
        assert opened is not None
    finally:
        service.stop()
