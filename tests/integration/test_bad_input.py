"""Bad input and forbidden moves: each gets a clear error code, and nothing is half-written."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.integration.helpers import assert_no_trace, error_code, post_gql, row_counts

SUBMIT = """mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) {
  number bundleName tasks { id itemName unitCode status } } }"""
APPLICATION = """query($n: String!) { application(number: $n) {
  number bundleName status tasks { id itemName unitName reason } timeline { title } } }"""
ACCEPT = "mutation($t: ID!) { acceptTask(taskId: $t) { number } }"
COMPLETE = "mutation($t: ID!) { completeTask(taskId: $t) { number } }"
REQUEST_MATERIALS = (
    "mutation($t: ID!, $r: String!) { requestMaterials(taskId: $t, reason: $r) { number } }"
)
REJECT = "mutation($t: ID!, $r: String!) { rejectTask(taskId: $t, reason: $r) { number } }"
SUPPLY = 'mutation($n: String!) { supplyMaterials(number: $n, note: "ok") { number } }'
CATALOG_DEPTH_4 = "{ catalog { items { department { code } materials { code } } } }"


@pytest.fixture(scope="module")
async def prod_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app as deployed: dev mode off (no introspection, no dev inbox, no GraphiQL)."""
    async with AsyncTestClient(app=create_app(dataclasses.replace(settings, dev_mode=False))) as c:
        yield c


async def submit(client: AsyncTestClient[Any], token: str) -> dict[str, Any]:
    body, _ = await post_gql(client, SUBMIT, {"i": {"bundleCode": "newborn"}}, token=token)
    assert "errors" not in body, body
    app: dict[str, Any] = body["data"]["submitApplication"]
    return app


def police_task(app: dict[str, Any]) -> str:
    task_id: str = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
    return task_id


async def refused(
    client: AsyncTestClient[Any],
    pool: Pool,
    query: str,
    variables: dict[str, Any] | None,
    token: str | None,
    code: str,
) -> dict[str, Any]:
    """Run a request that must be refused with `code` and must leave every table as it was."""
    before = await row_counts(pool)
    identity = await pool.fetch(
        "select id, name, resident_id_masked, updated_at from citizens order by id"
    )
    body, _ = await post_gql(client, query, variables, token=token)
    assert error_code(body) == code, body
    assert body["data"] is None, body
    assert body["errors"][0]["message"], body
    assert await row_counts(pool) == before
    assert (
        await pool.fetch(
            "select id, name, resident_id_masked, updated_at from citizens order by id"
        )
        == identity
    )
    return body


def resident_id(body17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    return (
        body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]
    )


# --- submitting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"bundleCode": "no-such-bundle"}, "bundle.unknown"),
        ({"bundleCode": "x" * 5000}, "bundle.unknown"),
        (
            {"bundleCode": "newborn", "materials": ["not-a-material"]},
            "application.material_unknown",
        ),
        ({"bundleCode": "newborn", "residentId": "110105199001011234"}, "resident_id.checksum"),
        ({"bundleCode": "newborn", "residentId": "12345"}, "resident_id.format"),
        ({"bundleCode": "newborn", "residentId": "11010519900101123Y"}, "resident_id.format"),
        (
            {"bundleCode": "newborn", "residentId": resident_id("11010519901301123")},
            "resident_id.birth_date",
        ),
        (
            {"bundleCode": "newborn", "residentId": resident_id("11010521000101123")},
            "resident_id.birth_date",
        ),
        (
            {"bundleCode": "newborn", "form": {"note": "x" * (17 * 1024)}},
            "application.form_too_large",
        ),
        # 16 KB is bytes: 6,000 Chinese characters are 18,000 bytes of UTF-8
        ({"bundleCode": "newborn", "form": {"note": "中" * 6000}}, "application.form_too_large"),
        ({"bundleCode": "newborn", "applicantName": "   "}, "application.name_invalid"),
    ],
)
async def test_submit_refused(
    client: AsyncTestClient[Any],
    pool: Pool,
    tokens: dict[str, str],
    data: dict[str, Any],
    code: str,
) -> None:
    body = await refused(client, pool, SUBMIT, {"i": data}, tokens["citizen"], code)
    assert "x" * 100 not in json.dumps(body)  # the bad input is not echoed back in full


async def test_unknown_material_is_named(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    data = {"bundleCode": "newborn", "materials": ["parent-household-register", "not-a-material"]}
    body = await refused(
        client, pool, SUBMIT, {"i": data}, tokens["citizen"], "application.material_unknown"
    )
    message = body["errors"][0]["message"]
    assert "not-a-material" in message and "parent-household-register" not in message


async def test_anonymous_cannot_submit(client: AsyncTestClient[Any], pool: Pool) -> None:
    await refused(client, pool, SUBMIT, {"i": {"bundleCode": "newborn"}}, None, "auth.required")


async def test_oversized_http_body(client: AsyncTestClient[Any], pool: Pool) -> None:
    before = await row_counts(pool)
    payload = json.dumps(
        {
            "query": SUBMIT,
            "variables": {"i": {"bundleCode": "newborn", "form": {"note": "x" * (70 * 1024)}}},
        }
    )
    response = await client.post(
        "/graphql",
        content=payload,
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert response.status_code == 413, response.text
    assert response.json() == {"code": "too_large", "message": "The request is too large."}
    assert await row_counts(pool) == before


# --- application numbers and other people's data -------------------------------------------


def typos(number: str) -> list[str]:
    """Every one-digit substitution and every swap of two different neighbours."""
    out = [
        number[:i] + d + number[i + 1 :]
        for i in range(len(number))
        for d in "0123456789"
        if d != number[i]
    ]
    out += [
        number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        for i in range(len(number) - 1)
        if number[i] != number[i + 1]
    ]
    return out


async def test_mistyped_number_is_rejected_not_mismatched(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    app = await submit(client, tokens["citizen"])
    await submit(client, tokens["citizen"])  # neighbours exist, so a mismatch could be found
    for typo in typos(app["number"]):
        body, _ = await post_gql(client, APPLICATION, {"n": typo}, token=tokens["admin"])
        assert error_code(body) == "application.number_invalid", (typo, body)
        assert body["data"] is None
    for garbage in ["", "abc", "1" * 40, "10０0001２3x"]:
        body, _ = await post_gql(client, APPLICATION, {"n": garbage}, token=tokens["citizen"])
        assert error_code(body) == "application.number_invalid", (garbage, body)
    # what people really type around digits still finds it
    spaced = f"{app['number'][:4]} {app['number'][4:7]}-{app['number'][7:]}"
    body, _ = await post_gql(client, APPLICATION, {"n": spaced}, token=tokens["citizen"])
    assert body["data"]["application"]["number"] == app["number"], body


async def test_citizen_cannot_read_anothers_application(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    app = await submit(client, tokens["citizen"])
    await post_gql(
        client,
        REQUEST_MATERIALS,
        {"t": police_task(app), "r": "请补充出生医学证明"},
        token=tokens["staff"],
    )
    body, text = await post_gql(
        client, APPLICATION, {"n": app["number"]}, token=tokens["other_citizen"]
    )
    assert error_code(body) == "application.not_found"
    assert body["data"] is None
    leaks = [
        app["bundleName"],
        "出生医学证明",
        "+8613800138001",
        "张伟",
        *(t["itemName"] for t in app["tasks"]),
    ]
    assert not [s for s in leaks if s in text], text
    body, _ = await post_gql(client, SUPPLY, {"n": app["number"]}, token=tokens["other_citizen"])
    assert error_code(body) == "application.not_found"


# --- tasks ---------------------------------------------------------------------------------


async def test_staff_cannot_act_on_another_units_task(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    task = police_task(await submit(client, tokens["citizen"]))
    for query, variables in [
        (ACCEPT, {"t": task}),
        (COMPLETE, {"t": task}),
        (REJECT, {"t": task, "r": "不符合条件"}),
        (REQUEST_MATERIALS, {"t": task, "r": "缺材料"}),
    ]:
        await refused(client, pool, query, variables, tokens["other_staff"], "auth.forbidden")
    assert await pool.fetchval("select status from tasks where id = $1", int(task)) == "submitted"


async def test_transitions_the_state_machine_forbids(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    app = await submit(client, tokens["citizen"])
    task = police_task(app)
    staff = tokens["staff"]
    await refused(client, pool, COMPLETE, {"t": task}, staff, "task.illegal_transition")
    await refused(
        client, pool, SUPPLY, {"n": app["number"]}, tokens["citizen"], "materials.not_requested"
    )
    for query in (ACCEPT, COMPLETE):
        body, _ = await post_gql(client, query, {"t": task}, token=staff)
        assert "errors" not in body, body
    for query, variables in [
        (ACCEPT, {"t": task}),
        (COMPLETE, {"t": task}),
        (REQUEST_MATERIALS, {"t": task, "r": "缺材料"}),
        (REJECT, {"t": task, "r": "不符合条件"}),
    ]:
        await refused(client, pool, query, variables, staff, "task.illegal_transition")
    await refused(
        client, pool, SUPPLY, {"n": app["number"]}, tokens["citizen"], "materials.not_requested"
    )


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
async def test_reason_is_required(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], reason: str
) -> None:
    task = police_task(await submit(client, tokens["citizen"]))
    for query in (REQUEST_MATERIALS, REJECT):
        await refused(
            client, pool, query, {"t": task, "r": reason}, tokens["staff"], "task.reason_required"
        )


@pytest.mark.parametrize(
    "task_id", ["abc", "-1", "0", "1.5", "99999999999999999999999", str(2**63)]
)
async def test_task_id_invalid(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], task_id: str
) -> None:
    await refused(client, pool, ACCEPT, {"t": task_id}, tokens["staff"], "task.id_invalid")


async def test_unknown_task(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    await refused(client, pool, ACCEPT, {"t": str(2**62)}, tokens["staff"], "task.not_found")


# --- the GraphQL endpoint itself -----------------------------------------------------------


async def invalid(client: AsyncTestClient[Any], query: str) -> dict[str, Any]:
    body, _ = await post_gql(client, query, language="en")
    assert error_code(body) == "graphql.invalid", body
    assert body["errors"][0]["message"] == "The request is malformed or over the limits."
    assert not body.get("data"), body
    return body


async def test_query_depth_limit(client: AsyncTestClient[Any], settings: Settings) -> None:
    # the schema is not self-referential: the default limit (10) is checked on a tighter app
    body, _ = await post_gql(client, CATALOG_DEPTH_4)
    assert "errors" not in body, body
    shallow = dataclasses.replace(settings, graphql_max_depth=2)
    async with AsyncTestClient(app=create_app(shallow)) as tight:
        await invalid(tight, CATALOG_DEPTH_4)
        # a fragment does not hide the depth
        await invalid(
            tight,
            "query { ...F } fragment F on Query { catalog { items { department { code } } } }",
        )
        body, _ = await post_gql(tight, "{ catalog { code name } }")
        assert "errors" not in body, body


async def test_too_many_tokens(client: AsyncTestClient[Any]) -> None:
    await invalid(client, "{ catalog { " + "code " * 2100 + "} }")


async def test_too_many_aliases(client: AsyncTestClient[Any]) -> None:
    await invalid(client, "{ " + " ".join(f"a{i}: catalog {{ code }}" for i in range(31)) + " }")
    body, _ = await post_gql(client, "{ " + " ".join(f"a{i}: __typename" for i in range(5)) + " }")
    assert "errors" not in body, body


@pytest.mark.parametrize(
    "query",
    [
        "{ nope }",
        "{ catalog { code ",
        "mutation { logout(x: 1) }",
        "query($n: String!) { application(number: $n) { number } }",
    ],
)
async def test_malformed_query(client: AsyncTestClient[Any], query: str) -> None:
    body = await invalid(client, query)
    assert "Traceback" not in json.dumps(body)


@pytest.mark.parametrize("variables", [{"t": {"a": 1}}, {"t": None}, {"t": [1, 2]}, {}])
async def test_variables_of_the_wrong_type(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], variables: dict[str, Any]
) -> None:
    await refused(client, pool, ACCEPT, variables, tokens["staff"], "graphql.invalid")


async def test_introspection_only_in_dev(
    client: AsyncTestClient[Any], prod_client: AsyncTestClient[Any]
) -> None:
    query = "{ __schema { types { name } } }"
    await invalid(prod_client, query)
    await invalid(prod_client, '{ __type(name: "Query") { fields { name } } }')
    body, _ = await post_gql(client, query)
    assert "errors" not in body, body
    assert "Application" in {t["name"] for t in body["data"]["__schema"]["types"]}
    body, _ = await post_gql(prod_client, "{ catalog { code } }")
    assert "errors" not in body and body["data"]["catalog"], body


async def test_queries_by_get_are_refused(client: AsyncTestClient[Any], pool: Pool) -> None:
    before = await row_counts(pool)
    for query in ["{ catalog { code } }", "mutation { logout }"]:
        response = await client.get(
            "/graphql",
            params={"query": query},
            headers={"Accept": "application/json", "Accept-Language": "en"},
        )
        assert response.status_code == 400, response.text
        assert response.json() == {"code": "bad_request", "message": "Bad request."}
    assert await row_counts(pool) == before


@pytest.mark.parametrize("content", [b"not json", b'{"variables": {}}', b"[1, 2", b'{"query": 5}'])
async def test_body_that_is_not_a_graphql_request(
    client: AsyncTestClient[Any], content: bytes
) -> None:
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": "application/json"}
    )
    assert_no_trace(response.text)
    if response.status_code == 200:  # parsed, then refused by GraphQL itself
        assert error_code(response.json()) == "graphql.invalid", response.text
    else:
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "bad_request"


# --- plain HTTP ----------------------------------------------------------------------------


async def test_unknown_route_is_json_404(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}
    response = await client.get("/no/such/page", headers={"Accept-Language": "zh-TW"})
    assert response.json()["code"] == "not_found"
    assert not response.json()["message"].isascii()


async def test_dev_inbox_only_in_dev(
    client: AsyncTestClient[Any], prod_client: AsyncTestClient[Any]
) -> None:
    response = await client.get("/dev/inbox")
    assert response.status_code == 200
    response = await prod_client.get("/dev/inbox")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = await prod_client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()


def test_resident_id_helper_matches_the_domain() -> None:
    from doorstep.domain.identity import make_resident_id

    assert resident_id("11010519900101123") == make_resident_id("110105", date(1990, 1, 1), "123")
    assert resident_id("11010519900101123") != "110105199001011234"  # a wrong check digit
