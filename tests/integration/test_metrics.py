"""/metrics: what it counts, the state it reads at scrape, and who may read it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.integration.helpers import gql

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: AsyncTestClient[Any], **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_graphql_operations_and_errors_are_counted_by_operation_and_code(
    client: AsyncTestClient[Any],
) -> None:
    before = await scrape(client)
    await gql(client, "{ catalog { code } }")
    body = await gql(client, 'mutation { requestLoginCode(phone: "12") { phone } }')
    assert body["errors"][0]["extensions"]["code"] == "phone.invalid"
    await gql(client, "{ noSuchField }")
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("doorstep_graphql_operations_total", operation="query.catalog") == 1
    assert grew("doorstep_graphql_operations_total", operation="mutation.requestLoginCode") == 1
    assert (
        grew(
            "doorstep_graphql_errors_total",
            operation="mutation.requestLoginCode",
            code="phone.invalid",
        )
        == 1
    )
    # a made-up field is one "invalid" series, never a series of its own
    assert grew("doorstep_graphql_errors_total", operation="invalid", code="graphql.invalid") == 1
    assert not any("noSuchField" in str(labels) for _, labels in after)
    assert grew("doorstep_graphql_operation_duration_seconds_count", operation="query.catalog") == 1
    assert grew("doorstep_http_requests_total", route="/graphql", method="POST", status="200") == 3
    assert grew("doorstep_http_request_duration_seconds_count", route="/graphql") == 3


async def test_routes_are_counted_by_template_and_status(client: AsyncTestClient[Any]) -> None:
    before = await scrape(client)
    assert (await client.get("/healthz")).status_code == 200
    missing = await client.get("/open311/v2/requests/no-such-request.json")
    after = await scrape(client)
    assert (
        value(after, "doorstep_http_requests_total", route="/healthz", method="GET", status="200")
        - value(
            before, "doorstep_http_requests_total", route="/healthz", method="GET", status="200"
        )
        == 1
    )
    # a path parameter is counted under its template, with the status the client got
    grown = {
        dict(labels)["route"]: v - before.get((name, labels), 0.0)
        for (name, labels), v in after.items()
        if name == "doorstep_http_requests_total"
        and dict(labels)["status"] == str(missing.status_code)
        and v > before.get((name, labels), 0.0)
    }
    assert grown and all("{" in route for route in grown), grown


async def test_request_id_is_echoed_when_sane_and_made_otherwise(
    client: AsyncTestClient[Any],
) -> None:
    kept = await client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c1e-77"})
    assert kept.headers["x-request-id"] == "edge-4f2a9c1e-77"
    for bad in ("short", "a" * 65, "has space in it", "<script>alert(1)</script>", "-leading-dash"):
        response = await client.get("/healthz", headers={"X-Request-ID": bad})
        made = response.headers["x-request-id"]
        assert made != bad and len(made) == 24 and made.isalnum()
    replaced = response
    fresh = await client.get("/healthz")
    assert fresh.headers["x-request-id"] != replaced.headers["x-request-id"]


async def test_state_is_read_at_scrape(client: AsyncTestClient[Any], pool: Pool) -> None:
    async with pool.acquire() as conn:
        # a row due ten minutes ago that nobody took: the outbox is not draining
        stuck = await conn.fetchval(
            "insert into outbox (phone, kind, template, status, next_attempt_at, created_at) "
            "values ('+8613700000000', 'test', 'sms.test', 'temporary-failure', "
            "now() - interval '10 minutes', now() - interval '11 minutes') returning id"
        )
        await conn.execute(
            "insert into channel_pauses (channel, code, reason, paused_until) "
            "values ('metrics-test', 'isv.AMOUNT_NOT_ENOUGH', 'test', now() + interval '1 hour')"
        )
    try:
        samples = await scrape(client)
    finally:
        async with pool.acquire() as conn:
            await conn.execute("delete from outbox where id = $1", stuck)
            await conn.execute("delete from channel_pauses where channel = 'metrics-test'")
    assert value(samples, "doorstep_state_source_up", source="postgres") == 1
    assert value(samples, "doorstep_state_source_up", source="redis") == 1
    assert value(samples, "doorstep_outbox_rows", status="temporary-failure") >= 1
    assert value(samples, "doorstep_outbox_oldest_seconds", status="temporary-failure") >= 600
    assert value(samples, "doorstep_outbox_due_seconds") >= 590
    assert (
        value(
            samples,
            "doorstep_sms_channel_paused",
            channel="metrics-test",
            code="isv.AMOUNT_NOT_ENOUGH",
        )
        == 1
    )
    assert value(samples, "doorstep_sms_channel_paused", channel="console", code="") == 0
    assert 3500 < value(samples, "doorstep_sms_channel_pause_seconds_left", channel="metrics-test")
    assert ("doorstep_queue_depth", frozenset()) in samples
    assert ("doorstep_sla_overdue", frozenset({("kind", "task")})) in samples


@pytest.fixture
async def production_client(
    settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncTestClient[Any]]:
    production = dataclasses.replace(settings, dev_mode=False, metrics_token=request.param)
    async with AsyncTestClient(app=create_app(production)) as c:
        yield c


@pytest.mark.parametrize("production_client", [""], indirect=True)
async def test_outside_dev_without_a_token_metrics_are_refused(
    production_client: AsyncTestClient[Any],
) -> None:
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        response = await production_client.get(
            "/metrics", headers={**headers, "Accept-Language": "en"}
        )
        assert response.status_code == 403
        assert response.json()["code"] == "metrics.disabled"
        assert "doorstep_" not in response.text


@pytest.mark.parametrize("production_client", ["s3cret-scrape-token"], indirect=True)
async def test_outside_dev_the_bearer_token_is_required(
    production_client: AsyncTestClient[Any],
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "s3cret-scrape-token"},
        {"Authorization": "Basic s3cret-scrape-token"},
    ):
        response = await production_client.get(
            "/metrics", headers={**headers, "Accept-Language": "zh-CN"}
        )
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert body["code"] == "metrics.unauthorized"
        assert "监控令牌" in body["message"]
    samples = await scrape(production_client, Authorization="Bearer s3cret-scrape-token")
    assert ("doorstep_queue_depth", frozenset()) in samples
