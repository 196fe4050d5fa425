"""The precompiled path of `myApplications` answers exactly what strawberry's execution answers,
field by field and in the same order, in every language and in elder mode, for documents as
clients write them (fragments, conditions); anything it does not know goes the general way with
the same answers and refusals as before."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.graphql import executor, precompiled
from doorstep.graphql.schema import build_schema
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as
from tests.integration.helpers import fresh_phone, login
from tests.integration.precompiled_helpers import Served, spy_on

EVERY_FIELD = """
  __typename number bundleCode bundleName status statusLabel nextStep readAloud
  createdAt updatedAt completedAt
  progress { __typename done total percent }
  tasks { __typename id itemCode itemName unitCode unitName unitPhone status statusLabel
          workingDays dueOn dueAt paused reason }
"""
# an aliased root field: the response cache leaves it alone, the precompiled path serves it
FAST = "query Mine($n: Int, $b: ID) { mine: myApplications(first: $n, before: $b) {%s} }"
SUBMIT = 'mutation { submitApplication(input: {bundleCode: "%s"}) { number tasks { id } } }'
SET_ELDER = "mutation($on: Boolean!) { setElderMode(on: $on) { elderMode } }"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    return spy_on(monkeypatch, precompiled, executor)


def _in_order(value: Any) -> Any:
    """The answer with each object's keys in the order sent: GraphQL answers in field order."""
    if isinstance(value, dict):
        return [(key, _in_order(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_in_order(item) for item in value]
    return value


async def _both_ways(
    client: AsyncTestClient[Any],
    served: Served,
    query: str,
    variables: dict[str, Any],
    token: str,
    language: str = "en",
    inside: int = 0,
) -> dict[str, Any]:
    """The precompiled answer to `query`, once held equal (in order) to strawberry's; with
    `inside`, the answer of strawberry's execution with that many lists filled by the compiled
    fields."""
    served.seen.clear()
    served.inside.clear()
    fast = await gql_as(client, query, variables, token=token, language=language)
    if inside:
        assert served.seen in ([], [False]), "the precompiled path answered"
        assert served.inside == [True] * inside, "the lists were not filled compiled"
    else:
        assert served.seen == [True], "the precompiled path did not answer"
    served.bypass = True
    try:
        general = await gql_as(client, query, variables, token=token, language=language)
    finally:
        served.bypass = False
    assert _in_order(fast) == _in_order(general)
    assert "errors" not in fast, fast
    return fast


async def test_every_field_as_strawberry_answers_it(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], served: Served
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
                fast = await _both_ways(
                    client, served, FAST % EVERY_FIELD, variables, token, language
                )
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
        await _both_ways(client, served, FAST % fields, variables, token)
    assert compared == 18


# Documents as Apollo and Relay clients build them, each with the variables to send: every one is
# answered by the precompiled path, the same (in order) as strawberry answers it.
CLIENT_DOCUMENTS: list[tuple[str, list[dict[str, Any]]]] = [
    (  # named fragments, one nested in another
        "query Mine($n: Int) { mine: myApplications(first: $n) { ...Card } }"
        " fragment Card on Application {"
        "   number statusLabel progress { ...Done } tasks { ...Line } }"
        " fragment Line on Task { itemName status dueOn }"
        " fragment Done on Progress { done percent }",
        [{}, {"n": 1}],
    ),
    (  # inline fragments, with and without the type
        "{ mine: myApplications { ... on Application { number tasks { ... on Task { id } } }"
        " ... { status tasks { unitName } } } }",
        [{}],
    ),
    (  # conditions on fields, a nested field, a spread and an inline fragment
        "query($a: Boolean!, $b: Boolean = false) { mine: myApplications {"
        " number statusLabel @include(if: $a) tasks @skip(if: $b) { id status @skip(if: $a) }"
        " ...Extra @include(if: $b) ... @skip(if: $a) { bundleCode } } }"
        " fragment Extra on Application { nextStep tasks { itemCode } }",
        [{"a": a, "b": b} for a in (True, False) for b in (True, False)] + [{"a": True}],
    ),
    (  # literal conditions
        "{ mine: myApplications { number @include(if: true) status @skip(if: true)"
        " bundleName @include(if: false) completedAt @skip(if: false) } }",
        [{}],
    ),
    (  # a fragment spread twice, its fields merged with the same keys beside it
        "{ mine: myApplications { ...A tasks { status } __typename ...A progress { total } } }"
        " fragment A on Application { number tasks { id } progress { done } }",
        [{}],
    ),
    (  # aliased fields inside a fragment, the same field under two keys
        "query { mine: myApplications { ...A s: status } }"
        " fragment A on Application { n: number s: status t: tasks { u: unitName n: itemName }"
        " tasks { status } }",
        [{}],
    ),
]


async def test_client_documents_as_strawberry_answers_them(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    token = await login(client, pool, fresh_phone())
    for bundle in ("newborn", "kindergarten"):
        await gql_as(client, SUBMIT % bundle, token=token)
    for query, variable_sets in CLIENT_DOCUMENTS:
        for variables in variable_sets:
            fast = await _both_ways(client, served, query, variables, token)
            assert len(fast["data"]["mine"]) >= 1

    conditioned = CLIENT_DOCUMENTS[2][0]
    both = await _both_ways(client, served, conditioned, {"a": True, "b": True}, token)
    neither = await _both_ways(client, served, conditioned, {"a": False, "b": False}, token)
    assert [k for k, _ in _in_order(both["data"]["mine"][0])] == [
        "number", "statusLabel", "nextStep", "tasks"
    ]  # fmt: skip
    assert [k for k, _ in _in_order(neither["data"]["mine"][0])] == [
        "number", "tasks", "bundleCode"
    ]  # fmt: skip
    assert set(both["data"]["mine"][0]["tasks"][0]) == {"itemCode"}  # `tasks @skip` left out
    assert set(neither["data"]["mine"][0]["tasks"][0]) == {"id", "status"}

    # a fragment on a type the field is not: GraphQL refuses it, the strawberry way
    served.seen.clear()
    wrong = "{ mine: myApplications { number ... on Task { id } } }"
    refused = await gql_as(client, wrong, token=token)
    assert served.seen == [False] and refused["errors"], refused
    # a null condition: GraphQL's refusal too
    served.seen.clear()
    null = "query($a: Boolean = true) { mine: myApplications { number @include(if: $a) } }"
    refused = await gql_as(client, null, {"a": None}, token=token)
    assert served.seen == [False] and refused["errors"], refused


# the citizen app's home (web/app/core/live.js): its position in the stream, the list and the
# confirmations waiting for the citizen, in one request
HOME = """{ me { lastSeq role language elderMode presentation { elderMode readAloud }
                 actingFor { __typename } }
  myApplications(first: 30) { number bundleName status statusLabel nextStep readAloud
    progress { done total percent } tasks { id itemName unitName status statusLabel dueOn } }
  myConfirmations(statuses: [PENDING]) { id bundleName statusLabel } }"""


async def test_the_list_beside_other_fields_as_strawberry_answers_it(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    """The app's home: the other root fields are strawberry's, the list is built here, and the
    answer is strawberry's whole, key for key and in the document's order."""
    token = await login(client, pool, fresh_phone())
    for bundle in ("newborn", "kindergarten"):
        await gql_as(client, SUBMIT % bundle, token=token)
    for language in ("zh_Hans", "en"):
        home = await _both_ways(client, served, HOME, {}, token, language=language)
        assert [key for key, _ in _in_order(home["data"])] == [
            "me", "myApplications", "myConfirmations"
        ]  # fmt: skip
        assert len(home["data"]["myApplications"]) == 2
        assert home["data"]["me"]["lastSeq"] is not None
    # the list first, aliased, the others after it
    reordered = "query Home { mine: myApplications { number status } me { role } }"
    answer = await _both_ways(client, served, reordered, {}, token)
    assert [key for key, _ in _in_order(answer["data"])] == ["mine", "me"]
    # elder mode reads the list aloud beside the rest
    await gql_as(client, SET_ELDER, {"on": True}, token=token)
    elder = await _both_ways(client, served, HOME, {}, token)
    assert elder["data"]["myApplications"][0]["readAloud"]
    assert elder["data"]["me"]["presentation"]["elderMode"] is True


# Documents the precompiled path leaves to strawberry, whose lists the executor fills from the
# compiled fields: (document, variables, lists filled)
EXECUTED_DOCUMENTS: list[tuple[str, dict[str, Any], int]] = [
    ("{ myApplications @include(if: true) { number } }", {}, 1),
    (
        "query($on: Boolean!) { myApplications @include(if: $on) { number status } }",
        {"on": True},
        1,
    ),
    ("{ ...Q } fragment Q on Query { myApplications { number } }", {}, 1),
    ("{ myApplications { number } me @include(if: true) { role } }", {}, 1),
    ("query($n: Int) { myApplications(first: $n) { number } me { role } }", {"n": 1}, 1),
    (
        "{ myApplications { ...A } me { role } } fragment A on Application { number statusLabel }",
        {},
        1,
    ),
    ("{ a: myApplications { number } me { role } b: myApplications(first: 1) { status } }", {}, 2),
    (  # every field, through a fragment, under a condition on the root field
        "query { myApplications(first: 20) @include(if: true) { ...A } }"
        f" fragment A on Application {{{EVERY_FIELD}}}",
        {},
        1,
    ),
]


async def test_lists_inside_executed_documents_as_strawberry_answers_them(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    """Strawberry executes these documents; each list in them is filled from the compiled
    fields, and the answer is strawberry's own, key for key, in two languages and in elder
    mode. What does not compile (`timeline`) and a refused cursor are strawberry's alone."""
    token = await login(client, pool, fresh_phone())
    for bundle in ("newborn", "kindergarten"):
        await gql_as(client, SUBMIT % bundle, token=token)
    for language in ("zh_Hans", "en"):
        for query, variables, lists in EXECUTED_DOCUMENTS:
            answer = await _both_ways(client, served, query, variables, token, language, lists)
            assert answer["data"]
    await gql_as(client, SET_ELDER, {"on": True}, token=token)
    query, variables, lists = EXECUTED_DOCUMENTS[-1]
    elder = await _both_ways(client, served, query, variables, token, inside=lists)
    assert elder["data"]["myApplications"][0]["readAloud"]

    served.inside.clear()
    timeline = await gql_as(
        client, "{ myApplications @include(if: true) { number timeline { kind } } }", token=token
    )
    assert served.inside == [] and timeline["data"]["myApplications"][0]["timeline"]
    bad = await gql_as(
        client,
        "query($b: ID) { myApplications(before: $b) @include(if: true) { number } }",
        {"b": "x"},
        token=token,
    )
    assert served.inside == [False]
    assert bad["errors"][0]["extensions"]["code"] == "task.id_invalid"


@pytest.mark.parametrize(
    "query",
    [
        "{ myApplications { number timeline { kind } } }",  # a field with its own read
        # ... however deep in fragments, whatever the conditions say
        "{ myApplications { ...A } } fragment A on Application { timeline { kind } }",
        "query($x: Boolean!) {"
        "  myApplications { number ... @include(if: $x) { timeline { kind } } } }",
        "{ myApplications { number ... @skip(if: true) { timeline { kind } } } }",
        "{ myApplications @include(if: true) { number } }",  # a condition on the root field
        "{ myApplications { ... on Task { id } } }",  # a fragment on another type: invalid
        "{ ...Q } fragment Q on Query { myApplications { number } }",
        # beside other root fields: a condition on one, a root fragment, a variable or a
        # fragment only the list uses (the others do not validate alone), the list twice
        "{ myApplications { number } me @include(if: true) { role } }",
        "{ myApplications { number } ...M } fragment M on Query { me { role } }",
        "query($n: Int) { myApplications(first: $n) { number } me { role } }",
        "{ myApplications { ...A } me { role } } fragment A on Application { number }",
        "{ a: myApplications { number } me { role } b: myApplications { status } }",
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
    for query, _variables in CLIENT_DOCUMENTS:
        assert plans.get(query, None) is not None, query
    # two operations: the one named
    two = (
        "query A { myApplications { ...F } } query B { me { role } }"
        " fragment F on Application { number }"
    )
    assert plans.get(two, "A") is not None
    assert plans.get(two, "B") is None
    # the list beside other root fields, as the app's home reads it
    assert plans.get(HOME, None) is not None
    assert plans.get("{ me { role } mine: myApplications { number } }", None) is not None


async def test_refusals_are_the_general_paths(
    client: AsyncTestClient[Any], tokens: dict[str, str], served: Served
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
    assert served.seen.count(True) == 0
