"""The precompiled path of `submitApplication` answers what strawberry's execution answers: the
same fields in the same order, in every language and in elder mode, and every refusal with the
same code, message, location, path and extensions, the mutation run once; a document it does not
know goes the general way."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.graphql import precompiled_submit
from doorstep.services import confirmations
from doorstep.services.availability import RETRY_AFTER_SECONDS
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as, make_delegation
from tests.integration.helpers import assert_no_trace, fresh_phone, login
from tests.integration.precompiled_helpers import Served, spy_on
from tests.integration.test_delegation import _family

EVERY_FIELD = """
  __typename number bundleCode bundleName status statusLabel nextStep readAloud
  createdAt updatedAt completedAt
  progress { __typename done total percent }
  tasks { __typename id itemCode itemName unitCode unitName unitPhone status statusLabel
          workingDays dueOn dueAt paused reason priority priorityReason priorityLabel targetOn }
"""
SUBMIT = (
    "mutation Submit($input: SubmitApplicationInput!) { submitApplication(input: $input) {%s} }"
)
INLINE = 'mutation { made: submitApplication(input: {bundleCode: "%s"}) { number status } }'
SET_ELDER = "mutation($on: Boolean!) { setElderMode(on: $on) { elderMode } }"
NEWBORN = {
    "bundleCode": "newborn",
    "materials": ["parent-id-cards", "delivery-record", "birth-certificate"],
    "form": {"babyName": "小明", "birthDate": "2026-03-01"},
}
# what differs from one application to the next
_MADE_ANEW = {"number", "id", "createdAt", "updatedAt", "confirmationId"}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    return spy_on(monkeypatch, precompiled_submit)


def _comparable(value: Any) -> Any:
    """The answer with each object's keys in order and what each submission makes anew
    blanked: two submissions of one form answer alike but for these."""
    if isinstance(value, dict):
        number, aloud = value.get("number"), value.get("readAloud")
        if isinstance(number, str) and isinstance(aloud, str):  # the number read digit by digit
            value = {**value, "readAloud": aloud.replace(" ".join(number), "*")}
        return [
            (key, "*" if key in _MADE_ANEW and value is not None else _comparable(item))
            for key, item in value.items()
        ]
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


async def _both_ways(
    client: AsyncTestClient[Any],
    served: Served,
    query: str,
    variables: dict[str, Any] | None,
    token: str | None,
    language: str = "en",
    acting_for: str | None = None,
    precompiled: bool = True,
) -> dict[str, Any]:
    """The answer by the precompiled path (or, `precompiled` False, the general one), held
    equal to strawberry's for the same request made again."""
    served.seen.clear()
    fast = await gql_as(
        client, query, variables, token=token, language=language, acting_for=acting_for
    )
    assert served.seen == [precompiled], served.seen
    served.bypass = True
    try:
        general = await gql_as(
            client, query, variables, token=token, language=language, acting_for=acting_for
        )
    finally:
        served.bypass = False
    assert _comparable(fast) == _comparable(general)
    return fast


async def test_every_field_as_strawberry_answers_it(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    token = await login(client, pool, fresh_phone())
    for elder in (False, True):
        await gql_as(client, SET_ELDER, {"on": elder}, token=token)
        for language in ("zh-CN", "zh-TW", "en"):
            fast = await _both_ways(
                client, served, SUBMIT % EVERY_FIELD, {"input": NEWBORN}, token, language
            )
            assert "errors" not in fast, fast
            assert fast["data"]["submitApplication"]["tasks"], fast
    assert fast["data"]["submitApplication"]["readAloud"]  # the last pass was in elder mode
    fast = await _both_ways(client, served, INLINE % "kindergarten", None, token)
    assert fast["data"]["made"]["number"], fast


async def test_refusals_as_strawberry_presents_them(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], served: Served
) -> None:
    token = await login(client, pool, fresh_phone())
    refused = [
        (INLINE % "no-such-bundle", None, token),
        (INLINE % "newborn", None, None),  # nobody signed in
        (INLINE % "newborn", None, tokens["admin"]),  # staff do not apply
        (SUBMIT % "number", {"input": {**NEWBORN, "residentId": "123"}}, token),
        (SUBMIT % "number", {"input": {**NEWBORN, "materials": ["no-such-material"]}}, token),
    ]
    for query, variables, who in refused:
        for language in ("zh-CN", "en"):
            body = await _both_ways(client, served, query, variables, who, language)
            assert body["data"] is None and body["errors"][0]["extensions"]["code"], body
            key = "made" if "made:" in query else "submitApplication"
            assert body["errors"][0]["path"] == [key], body


async def test_an_agent_submits_and_a_confirmation_waits(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    families = [await _family(client, pool) for _ in range(2)]
    for family in families:
        await make_delegation(pool, family.daughter_id, family.mother_id, ["all"])
    made = await _both_ways(
        client,
        served,
        SUBMIT % "number status",
        {"input": NEWBORN},
        families[0].daughter,
        acting_for=str(families[0].mother_id),
    )
    assert made["data"]["submitApplication"]["number"], made
    # a confirmation is asked for once: the second family's agent is the reference
    answers = []
    for family, bypass in zip(families, (False, True), strict=True):
        served.seen.clear()
        served.bypass = bypass
        try:
            answers.append(
                await gql_as(
                    client,
                    INLINE % "after-death",
                    token=family.daughter,
                    language="zh-CN",
                    acting_for=str(family.mother_id),
                )
            )
        finally:
            served.bypass = False
        assert served.seen == [not bypass]
        assert (
            await pool.fetchval(
                "select count(*) from delegation_confirmations where agent_id = $1",
                family.daughter_id,
            )
            == 1
        )  # the refusal did not run the mutation twice
    assert _comparable(answers[0]) == _comparable(answers[1])
    error = answers[0]["errors"][0]
    assert error["extensions"]["code"] == "delegation.confirmation_pending", answers
    assert error["extensions"]["confirmationId"], answers


async def test_what_it_does_not_know_goes_the_general_way(
    client: AsyncTestClient[Any], pool: Pool, served: Served
) -> None:
    token = await login(client, pool, fresh_phone())
    general: list[tuple[str, dict[str, Any]]] = [
        # a field with a resolver, a fragment, a directive, variables that do not coerce
        (SUBMIT % "number timeline { kind }", {"input": NEWBORN}),
        (SUBMIT % "...F" + " fragment F on Application { number }", {"input": NEWBORN}),
        (SUBMIT % "number @include(if: true)", {"input": NEWBORN}),
        (SUBMIT % "number", {"input": {"bundleCode": 7}}),
    ]
    for query, variables in general:
        await _both_ways(client, served, query, variables, token, precompiled=False)


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (ConnectionRefusedError("database down"), 503, "service.unavailable"),
        (RuntimeError("a bug"), 200, "internal"),
    ],
)
async def test_a_failure_is_answered_as_strawberry_answers_it(
    client: AsyncTestClient[Any],
    pool: Pool,
    served: Served,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
    code: str,
) -> None:
    """The database out of reach: 503 with Retry-After; a bug: `internal`, with no trace."""
    token = await login(client, pool, fresh_phone())
    calls: list[int] = []

    async def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise failure

    monkeypatch.setattr(confirmations, "submit_application", failing)
    answers = []
    served.seen.clear()  # the log-in's requests
    for bypass in (False, True):
        served.bypass = bypass
        response = await client.post(
            "/graphql",
            json={"query": INLINE % "newborn"},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        )
        assert response.status_code == status, response.text
        assert response.headers.get("Retry-After") == (
            str(RETRY_AFTER_SECONDS) if status == 503 else None
        )
        assert_no_trace(response.text)
        answers.append(response.json())
    assert served.seen == [True, False]
    assert calls == [1, 1]  # once each way: the precompiled path does not run it again
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == code, answers


def test_both_short_paths_compile_and_fill_alike() -> None:
    """A plan of one root field, its selection and how an answer is filled from it are
    the list's (`application_fields`), for the submit path too: one reading of a selection,
    not two."""
    from doorstep.graphql import application_fields, precompiled

    assert issubclass(precompiled_submit.SubmitPlan, precompiled.RootPlan)
    assert vars(precompiled_submit)["fill"] is application_fields.fill
