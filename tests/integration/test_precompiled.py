"""The precompiled path of `myApplications` answers exactly what strawberry's execution answers,
field by field, in every language and in elder mode; anything it does not know goes the
general way with the same answers and refusals as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.graphql import precompiled
from doorstep.graphql.schema import build_schema
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as
from tests.integration.helpers import fresh_phone, login

EVERY_FIELD = """
  __typename number bundleCode bundleName status statusLabel nextStep readAloud
  createdAt updatedAt completedAt
  progress { __typename done total percent }
  tasks { __typename id itemCode itemName unitCode unitName unitPhone status statusLabel
          workingDays dueOn dueAt paused reason }
"""
# an aliased root field: the response cache leaves it alone, the precompiled path serves it
FAST = "query Mine($n: Int, $b: ID) { mine: myApplications(first: $n, before: $b) {%s} }"
# the same fields through a fragment: executed by strawberry, the reference
GENERAL = (
    "query Mine($n: Int, $b: ID) { mine: myApplications(first: $n, before: $b) { ...A } }"
    " fragment A on Application {%s}"
)
SUBMIT = 'mutation { submitApplication(input: {bundleCode: "%s"}) { number tasks { id } } }'
SET_ELDER = "mutation($on: Boolean!) { setElderMode(on: $on) { elderMode } }"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """One entry per request that reached the precompiled path: True when it answered."""
    seen: list[bool] = []
    real = precompiled.answer

    async def spy(*args: Any, **kwargs: Any) -> Any:
        result = await real(*args, **kwargs)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(precompiled, "answer", spy)
    yield seen


async def _both(
    client: AsyncTestClient[Any],
    served: list[bool],
    fields: str,
    variables: dict[str, Any],
    token: str,
    language: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    served.clear()
    fast = await gql_as(client, FAST % fields, variables, token=token, language=language)
    assert served == [True], "the precompiled path did not answer"
    served.clear()
    general = await gql_as(client, GENERAL % fields, variables, token=token, language=language)
    assert served == [False], "the reference went the precompiled way"
    return fast, general


async def test_every_field_as_strawberry_answers_it(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], served: list[bool]
) -> None:
    phone = fresh_phone()
    token = await login(client, pool, phone)
    for bundle in ("newborn", "kindergarten", "newborn"):
        await gql_as(client, SUBMIT % bundle, token=token)
    first = (await gql_as(client, SUBMIT % "newborn", token=token))["data"]["submitApplication"]
    # tasks that moved: accepted, waiting for materials (a reason, the clock paused), done
    tasks = [t["id"] for t in first["tasks"]]
    staff = tokens["admin"]
    moves = [
        ("mutation($t: ID!) { acceptTask(taskId: $t) { number } }", {"t": tasks[0]}),
        (
            'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "请补充材料") { number } }',
            {"t": tasks[1]},
        ),
        ("mutation($t: ID!) { acceptTask(taskId: $t) { number } }", {"t": tasks[2]}),
        ("mutation($t: ID!) { completeTask(taskId: $t) { number } }", {"t": tasks[2]}),
    ]
    for mutation, variables in moves:
        body = await gql_as(client, mutation, variables, token=staff)
        assert "errors" not in body, body

    compared = 0
    for elder in (False, True):
        await gql_as(client, SET_ELDER, {"on": elder}, token=token)
        for language in ("zh-CN", "zh-TW", "en"):
            for variables in ({}, {"n": 2}, {"n": 500}):
                fast, general = await _both(client, served, EVERY_FIELD, variables, token, language)
                assert fast == general and "errors" not in fast
                assert fast["data"]["mine"], fast
                compared += 1
    apps = fast["data"]["mine"]
    assert any(t["paused"] and t["reason"] for a in apps for t in a["tasks"])
    assert any(a["readAloud"] for a in apps)  # the last pass was in elder mode

    # a page before an application; a selection in another order, aliased, repeated types
    newest = await pool.fetchval(
        "select max(a.id) from applications a join citizens c on c.id = a.citizen_id "
        "where c.phone = $1",
        phone,
    )
    before = {"b": str(newest)}
    for fields, variables in (
        ("tasks { status } number", before),
        ("n: number s: status l: statusLabel t: tasks { u: unitName d: dueOn }", {}),
        ("progress { percent } progress2: progress { done }", {"n": 1}),
    ):
        fast, general = await _both(client, served, fields, variables, token, "en")
        assert fast == general
    assert compared == 18


@pytest.mark.parametrize(
    "query",
    [
        "{ myApplications { number timeline { kind } } }",  # a field with its own read
        "{ myApplications { ...A } } fragment A on Application { number }",
        "{ myApplications { number @include(if: true) } }",
        "query($x: Boolean!) { myApplications { number @skip(if: $x) } }",
        "{ myApplications { number } me { role } }",
        "{ a: myApplications { number } b: myApplications { status } }",
        "{ myApplications { number number: status } }",  # invalid: GraphQL refuses it
        "{ myApplications { nope } }",
        "mutation { myApplications { number } }",
        "{ myApplications(first: 1) { number ",
    ],
)
def test_what_is_left_to_strawberry(query: str) -> None:
    plans = precompiled.Plans(build_schema(introspection=False))
    assert plans.get(query, None) is None


def test_what_is_compiled() -> None:
    plans = precompiled.Plans(build_schema(introspection=False))
    assert plans.get("{ myApplications { number } }", None) is not None
    assert plans.get("query Q { m: myApplications(first: 3) { __typename } }", "Q") is not None
    assert plans.get("query Q { myApplications { number } }", "Other") is None


async def test_refusals_are_the_general_paths(
    client: AsyncTestClient[Any], tokens: dict[str, str], served: list[bool]
) -> None:
    query = "query($b: ID) { myApplications(before: $b) { number } }"
    anonymous = await gql_as(client, "{ myApplications { number } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "auth.required"
    bad = await gql_as(client, query, {"b": "x"}, token=tokens["citizen"])
    assert bad["errors"][0]["extensions"]["code"] == "task.id_invalid"
    wrong_type = await gql_as(client, query, {"b": ["x"]}, token=tokens["citizen"])
    assert wrong_type["errors"][0]["extensions"]["code"] == "graphql.invalid"
    # staff have no list of their own: refused as before
    staff = await gql_as(client, "{ myApplications { number } }", token=tokens["staff"])
    assert "errors" in staff
    assert served.count(True) == 0
