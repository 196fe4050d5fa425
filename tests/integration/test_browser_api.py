"""What a browser app needs of the API: CORS for allowed origins, security headers, a CSP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.api.browser import API_CSP, GRAPHIQL_CSP, PAGE_CSP
from doorstep.config import Settings

APP_ORIGIN = "https://app.example.cn"
QUERY = {"query": "{ catalog { bundles { code } } }"}
PREFLIGHT = {
    "Origin": APP_ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, accept-language, x-acting-for",
}


@pytest.fixture(scope="module")
async def cors_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    configured = dataclasses.replace(settings, cors_origins=(APP_ORIGIN,), tls_proxy=True)
    async with AsyncTestClient(app=create_app(configured)) as c:
        yield c


@pytest.fixture(scope="module")
async def prod_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(dataclasses.replace(settings, dev_mode=False))) as c:
        yield c


async def test_preflight_for_graphql_post_from_an_allowed_origin(
    cors_client: AsyncTestClient[Any],
) -> None:
    response = await cors_client.options("/graphql", headers=PREFLIGHT)
    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "accept-language", "x-acting-for"):
        assert header in allowed
    # bearer tokens, never cookies
    assert "access-control-allow-credentials" not in response.headers

    answer = await cors_client.post("/graphql", json=QUERY, headers={"Origin": APP_ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "origin" in answer.headers.get("vary", "").lower()


async def test_an_origin_not_in_the_list_gets_no_cors(cors_client: AsyncTestClient[Any]) -> None:
    evil = {**PREFLIGHT, "Origin": "https://evil.example.com"}
    response = await cors_client.options("/graphql", headers=evil)
    assert response.status_code >= 400
    assert "access-control-allow-origin" not in response.headers
    answer = await cors_client.post(
        "/graphql", json=QUERY, headers={"Origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in answer.headers


async def test_no_cors_at_all_by_default(client: AsyncTestClient[Any]) -> None:
    response = await client.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    answer = await client.post("/graphql", json=QUERY, headers={"Origin": APP_ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


def assert_common(headers: Any) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


async def test_security_headers_on_every_answer(client: AsyncTestClient[Any]) -> None:
    answers = [
        await client.post("/graphql", json=QUERY),
        await client.post("/graphql", content=b"{not json", headers={"content-type": "x"}),
        await client.get("/healthz"),
        await client.get("/no/such/page"),
        await client.post("/push/ack", json={"nothing": 1}),
    ]
    for answer in answers:
        assert_common(answer.headers)
        assert answer.headers["content-security-policy"] == API_CSP
        assert answer.headers["cache-control"] == "no-store"
        # plain http without a TLS proxy configured: no HSTS (it would be ignored anyway)
        assert "strict-transport-security" not in answer.headers


async def test_pages_get_a_content_security_policy(client: AsyncTestClient[Any]) -> None:
    inbox = await client.get("/dev/inbox")
    assert inbox.status_code == 200
    assert_common(inbox.headers)
    assert inbox.headers["content-security-policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline' https" not in PAGE_CSP
    assert inbox.headers["cache-control"] == "no-store"
    assert inbox.headers["cross-origin-opener-policy"] == "same-origin"

    graphiql = await client.get("/graphql", headers={"accept": "text/html"})
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    assert graphiql.headers["content-security-policy"] == GRAPHIQL_CSP


async def test_no_graphiql_csp_outside_dev(prod_client: AsyncTestClient[Any]) -> None:
    answer = await prod_client.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in answer.text.lower()
    assert answer.headers["content-security-policy"] != GRAPHIQL_CSP
    assert_common(answer.headers)


async def test_hsts_behind_a_tls_proxy(cors_client: AsyncTestClient[Any]) -> None:
    answer = await cors_client.post("/graphql", json=QUERY)
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    assert_common(answer.headers)


async def test_the_app_page_keeps_its_policy_when_revalidated(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == PAGE_CSP
    # the app's own caching stays as it set it
    assert page.headers["cache-control"] != "no-store"
    # a 304's headers replace the cached page's: it must carry no policy of its own
    again = await client.get("/", headers={"if-none-match": page.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
    assert again.headers["x-content-type-options"] == "nosniff"


async def test_the_service_worker_runs_under_the_page_policy(client: AsyncTestClient[Any]) -> None:
    # a worker lives under its script's policy: the JSON one would let it fetch nothing
    worker = await client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert worker.headers["content-security-policy"] == PAGE_CSP
