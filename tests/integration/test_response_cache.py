"""myApplications from memory: never stale, never someone else's, never for a recorded read."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.graphql.response_cache import cacheable_query
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
