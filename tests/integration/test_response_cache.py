"""myApplications from memory: never stale, never someone else's, never for a recorded read."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.policy import Actor, Role
from doorstep.graphql.response_cache import ResponseCache, cacheable_query
from tests.integration.helpers import gql

MINE = "{ myApplications { number status tasks { id status unitCode } } }"


def _cache(client: AsyncTestClient[Any]) -> Any:
    return client.app.state.response_cache


async def test_a_repeated_read_is_served_from_memory_until_something_changes(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    await gql(
        client,
        'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }',
        token=tokens["citizen"],
    )
    first = await gql(client, MINE, token=tokens["citizen"])
    hits = _cache(client).hits
    second = await gql(client, MINE, token=tokens["citizen"])
    assert second == first and _cache(client).hits == hits + 1

    # a clerk accepts a task: the next read shows it at once
    app = first["data"]["myApplications"][0]
    task = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")
    await gql(
        client,
        "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
        {"t": task["id"]},
        token=tokens["staff"],
    )
    third = await gql(client, MINE, token=tokens["citizen"])
    changed = next(t for t in third["data"]["myApplications"][0]["tasks"] if t["id"] == task["id"])
    assert changed["status"] == "ACCEPTED"

    # someone else asking the very same query gets their own list, not this one
    other = await gql(client, MINE, token=tokens["other_citizen"])
    assert app["number"] not in str(other)


async def test_languages_and_variables_are_separate_entries(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    query = "query($n: Int) { myApplications(first: $n) { statusLabel } }"
    zh = await gql(client, query, {"n": 5}, token=tokens["citizen"], language="zh-CN")
    en = await gql(client, query, {"n": 5}, token=tokens["citizen"], language="en")
    # the demo citizen's own preference (zh_Hans) wins over the header: same text both times
    assert zh == en
    one = await gql(client, query, {"n": 1}, token=tokens["citizen"])
    assert len(one["data"]["myApplications"]) == 1


def test_only_plain_reads_of_known_fields_are_cacheable() -> None:
    assert cacheable_query("{ myApplications { number } }")
    assert cacheable_query("query Q { myApplications(first: 3) { number } }")
    assert not cacheable_query("{ myApplications { number } catalog { code } }")
    assert not cacheable_query("{ a: myApplications { number } }")
    assert not cacheable_query("mutation { myApplications { number } }")
    assert not cacheable_query("{ myApplications { ...F } } fragment F on Application { number }")
    assert not cacheable_query("{ myApplications { number ")


NAMED = "query Mine { myApplications { number status tasks { id status unitCode } } }"


async def _post_named(
    client: AsyncTestClient[Any], token: str, operation_name: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"query": NAMED, "variables": {}}
    if operation_name is not None:
        body["operationName"] = operation_name
    response = await client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_operation_is_the_same_whether_or_not_its_name_is_sent(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    await gql(
        client,
        'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }',
        token=tokens["citizen"],
    )
    cache = _cache(client)
    first = await _post_named(client, tokens["citizen"], None)
    hits = cache.hits
    named = await _post_named(client, tokens["citizen"], "Mine")
    assert named == first and cache.hits == hits + 1  # one entry for both ways of asking

    # still one citizen's own: another citizen naming the operation gets their own list
    other = await _post_named(client, tokens["other_citizen"], "Mine")
    assert first["data"]["myApplications"][0]["number"] not in str(other)

    # and still invalidated by a change: a clerk accepts a task, the named read shows it
    app = first["data"]["myApplications"][0]
    task = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")
    await gql(
        client,
        "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
        {"t": task["id"]},
        token=tokens["staff"],
    )
    after = await _post_named(client, tokens["citizen"], "Mine")
    changed = next(t for t in after["data"]["myApplications"][0]["tasks"] if t["id"] == task["id"])
    assert changed["status"] == "ACCEPTED"


async def test_a_name_the_document_lacks_is_refused_as_before(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    await _post_named(client, tokens["citizen"], None)  # the answer is in memory now
    hits = _cache(client).hits
    for name in ("Other", ""):
        response = await client.post(
            "/graphql",
            json={"query": NAMED, "operationName": name},
            headers={"Authorization": f"Bearer {tokens['citizen']}"},
        )
        assert response.status_code == 400 and response.json()["code"] == "bad_request"
        assert _cache(client).hits == hits


def test_the_key_leaves_out_the_operation_name_and_nothing_else() -> None:
    citizen = Actor(role=Role.CITIZEN, citizen_id=7)
    key = ResponseCache.key
    plain = key(citizen, "zh_Hans", {"query": NAMED})
    assert plain is not None
    assert key(citizen, "zh_Hans", {"query": NAMED, "operationName": "Mine"}) == plain
    assert key(citizen, "zh_Hans", {"query": NAMED, "operationName": None}) == plain
    # an empty name is refused when executed (400), so never answered from memory either
    assert key(citizen, "zh_Hans", {"query": NAMED, "operationName": ""}) is None
    assert key(citizen, "zh_Hans", {"query": NAMED, "operationName": "Other"}) is None
    assert key(citizen, "zh_Hans", {"query": NAMED, "operationName": 3}) is None
    anonymous_op = "{ myApplications { number } }"
    assert key(citizen, "zh_Hans", {"query": anonymous_op, "operationName": "Mine"}) is None
    # everything else still tells entries apart
    assert key(Actor(role=Role.CITIZEN, citizen_id=8), "zh_Hans", {"query": NAMED}) != plain
    assert key(citizen, "en", {"query": NAMED}) != plain
    elder = Actor(role=Role.CITIZEN, citizen_id=7, elder_mode=True)
    assert key(elder, "zh_Hans", {"query": NAMED}) != plain
    assert key(Actor(role=Role.STAFF, staff_id=7), "zh_Hans", {"query": NAMED}) is None
