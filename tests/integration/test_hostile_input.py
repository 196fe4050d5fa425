"""What an attacker sends to the API's edges is refused with a stable code, never `internal`:
JSON nested 1,500 deep, a NUL in a string, a subscription over HTTP, field names guessed with
suggestions turned off, and application numbers counted by telling forbidden from unknown."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.api.json_body import MAX_DEPTH
from doorstep.config import Settings
from doorstep.domain.case_numbers import make_case_number
from doorstep.services.applications import APPLICATION_PREFIX
from doorstep.store.db import Pool
from tests.integration.helpers import assert_no_trace, error_code, gql, row_counts

DEEP = b"[" * 1500 + b"]" * 1500
JSON = {"content-type": "application/json"}
SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'
APPLICATION = "query($n: String!) { application(number: $n) { number bundleName } }"


@pytest.fixture(scope="module")
async def prod_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app as deployed: dev mode off (no introspection)."""
    async with AsyncTestClient(app=create_app(dataclasses.replace(settings, dev_mode=False))) as c:
        yield c


def nested(depth: int) -> bytes:
    value = b"[" * depth + b"1" + b"]" * depth
    return b'{"query": "{ __typename }", "variables": {"v": ' + value + b"}}"


@pytest.mark.parametrize(
    "path",
    ["/graphql", "/push/ack", "/sms/up", "/sms/report", "/open311/v2/requests.json"],
)
async def test_json_nested_1500_deep_is_refused_on_every_json_endpoint(
    client: AsyncTestClient[Any], path: str
) -> None:
    response = await client.post(path, content=DEEP, headers={**JSON, "accept-language": "en"})
    assert 400 <= response.status_code < 500, response.text
    assert_no_trace(response.text)
    assert "internal" not in response.text


async def test_too_deep_has_its_code_and_message_in_each_language(
    client: AsyncTestClient[Any],
) -> None:
    messages = set()
    for language in ("zh-CN", "zh-TW", "en"):
        response = await client.post(
            "/graphql", content=nested(100), headers={**JSON, "accept-language": language}
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "request.json_too_deep"
        messages.add(body["message"])
    assert len(messages) == 3
    # as deep as any of our requests needs is fine
    ok = await client.post("/graphql", content=nested(MAX_DEPTH - 3), headers=JSON)
    assert ok.status_code == 200 and error_code(ok.json()) is None


async def test_a_nul_in_a_string_is_refused(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {tokens['citizen']}", "accept-language": "en"}
    before = await row_counts(pool)
    ticket = (
        "mutation($d: String!) { submitTicket(input: {kind: SUGGESTION, categoryCode: "
        '"noise", description: $d, regionCode: "110105"}) { number } }'
    )
    cases = [
        # in a variable (JSON's \\u0000)
        {"query": ticket, "variables": {"d": "楼下\u0000噪音"}},
        # in the query text (GraphQL's own escape)
        {"query": ticket.replace("($d: String!)", "").replace("$d", '"a\\u0000b"')},
        {"query": 'query { application(number: "12\\u{0}") { number } }'},
    ]
    for case in cases:
        response = await client.post("/graphql", json=case, headers=auth)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "input.nul_character", response.text
    assert await row_counts(pool) == before


async def test_a_subscription_over_http_is_refused(client: AsyncTestClient[Any]) -> None:
    for query in ("subscription { myUpdates { seq } }", "subscription S { myUpdates { seq } }"):
        response = await client.post(
            "/graphql", json={"query": query}, headers={"accept-language": "en"}
        )
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["code"] == "graphql.subscription_over_http"
        assert "WebSocket" in body["message"]
    # a document whose chosen operation is a query still runs
    both = "query Q { __typename } subscription S { myUpdates { seq } }"
    response = await client.post("/graphql", json={"query": both, "operationName": "Q"})
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    "query",
    [
        "{ catalg { code } }",  # a field
        "{ catalog { cod } }",  # a field of a type
        '{ application(numbr: "1") { number } }',  # an argument
        "query($x: Boolen) { __typename }",  # a type
    ],
)
async def test_no_suggestions_when_introspection_is_off(
    prod_client: AsyncTestClient[Any], client: AsyncTestClient[Any], query: str
) -> None:
    body = (await prod_client.post("/graphql", json={"query": query})).json()
    assert error_code(body) == "graphql.invalid"
    assert "Did you mean" not in str(body), body
    # in dev (introspection on) the suggestion helps whoever writes the query
    dev = (await client.post("/graphql", json={"query": query})).json()
    assert "Did you mean" in str(dev), dev


async def test_someone_elses_application_looks_like_no_application(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    number = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"][
        "number"
    ]
    nobodys = make_case_number(APPLICATION_PREFIX, 9_999_999)
    for who in ("other_citizen", "other_staff"):
        answers = []
        for n in (number, nobodys):
            body = await gql(client, APPLICATION, {"n": n}, token=tokens[who])
            assert body["data"] is None
            error = body["errors"][0]
            answers.append((error["extensions"], error["message"]))
        # the same words for a number that exists and one that does not: nothing to count
        assert answers[0] == answers[1], answers
        assert answers[0][0]["code"] == "application.not_found"
        supply = 'mutation($n: String!) { supplyMaterials(number: $n, note: "x") { number } }'
        codes = {
            error_code(await gql(client, supply, {"n": n}, token=tokens[who]))
            for n in (number, nobodys)
        }
        assert codes == {"application.not_found"}
    # not signed in: asked to log in either way, before any look-up
    anonymous = {error_code(await gql(client, APPLICATION, {"n": n})) for n in (number, nobodys)}
    assert anonymous == {"auth.required"}


async def test_several_operations_and_no_operation_name_run_none(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """GraphQL's rule: with several operations the request names the one to run; without a
    name none runs (not the first), the refusal in the caller's language."""
    several = (
        'mutation M { requestLoginCode(phone: "13800000000") { resendAfterSeconds } } '
        "query Q { __typename }"
    )
    before = await row_counts(pool)
    for language, words in (("en", "operationName"), ("zh-CN", "多个操作")):
        response = await client.post(
            "/graphql", json={"query": several}, headers={"accept-language": language}
        )
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["code"] == "graphql.operation_name_required", body
        assert words in body["message"]
    assert await row_counts(pool) == before
    named = await client.post("/graphql", json={"query": several, "operationName": "Q"})
    assert named.status_code == 200 and named.json()["data"] == {"__typename": "Query"}, named.text
    lone = await client.post("/graphql", json={"query": "query Q { __typename }"})
    assert lone.status_code == 200 and lone.json()["data"] == {"__typename": "Query"}
