"""The short subscription path: which documents take it, and one execution per like
subscribers of a change."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import ExecutionResult, GraphQLError, execute

from doorstep.graphql.context import Context
from doorstep.graphql.schema import build_schema
from doorstep.live import fanout, progress, short_path, subscriptions
from doorstep.live.short_path import Plans
from doorstep.services import applications
from tests.unit.test_fanout_sharing import _row

SCHEMA = build_schema(introspection=False, max_depth=4)
PROGRESS = """subscription($n: String!) { applicationProgress(number: $n) {
  seq event { kind } } }"""


def _context(language: str = "zh_Hans", elder: bool = False) -> Any:
    return SimpleNamespace(language=language, elder=elder)


@pytest.mark.parametrize(
    ("query", "ours"),
    [
        (PROGRESS, True),
        ("subscription { myUpdates { seq applicationNumber } }", True),
        ("subscription Mine { u: myUpdates { seq } }", True),
        ("{ __typename }", False),  # a query: strawberry's way
        ("subscription { myUpdates { seq nope } }", False),  # invalid: strawberry answers it
        ("subscription { myUpdates @include(if: true) { seq } }", False),
        ("subscription { myUpdates { seq application { tasks { unit { name } } } } }", False),
        ("subscription {", False),
    ],
)
def test_only_valid_subscriptions_to_our_fields_take_the_short_path(query: str, ours: bool) -> None:
    plans = Plans(SCHEMA)
    plan = plans.get(query, None)
    assert (plan is not None) is ours
    assert plans.get(query, None) is plan  # parsed and validated once per text


def test_variables_that_do_not_coerce_go_strawberrys_way() -> None:
    plans = Plans(SCHEMA)
    context = _context()

    def start(variables: dict[str, Any]) -> Any:
        return short_path.start(
            SCHEMA, plans, context, PROGRESS, variables, None, lambda result: True
        )

    assert start({"n": 5}) is None
    assert start({}) is None
    started = start({"n": "1"})
    assert started is not None
    asyncio.run(started.aclose())


def _message(seq: int = 5001) -> subscriptions.ProgressUpdate:
    update = progress.ProgressUpdate(seq=seq, application_id=7, event=_row(seq))  # type: ignore[arg-type]
    return subscriptions._update(_context(), update, "N1")


def _counting(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[int]:
    calls: list[int] = []
    real = execute

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if fail:
            return ExecutionResult(data=None, errors=[GraphQLError("boom")])
        return real(*args, **kwargs)

    monkeypatch.setattr(short_path, "execute", counted)
    return calls


async def _results_for(contexts: list[Any], message: Any) -> list[ExecutionResult]:
    plan = Plans(SCHEMA).get(PROGRESS, None)
    assert plan is not None
    key = (("n", "N1"),)
    return await asyncio.gather(
        *(
            short_path._Run(SCHEMA, plan, context, {"n": "N1"}, key).result(message)
            for context in contexts
        )
    )


async def test_like_subscribers_of_a_change_share_one_execution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _counting(monkeypatch)
    message = _message()
    results = await _results_for(
        [_context()] * 50 + [_context("en"), _context(elder=True)], message
    )
    assert len(calls) == 3  # one per language and mode, not one per subscriber
    assert all(r is results[0] for r in results[:50])
    assert results[0].data == {
        "applicationProgress": {"seq": "5001", "event": {"kind": "task.accept"}}
    }
    assert results[50] is not results[0] and results[51] is not results[0]


async def test_the_opening_state_and_errors_are_never_shared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _counting(monkeypatch)
    opening = subscriptions._update(
        _context(), progress.ProgressUpdate(seq=5000, application_id=7, event=None), "N1"
    )
    assert opening.shared_results is None
    await _results_for([_context()] * 3, opening)
    assert len(calls) == 3

    failing = _counting(monkeypatch, fail=True)
    results = await _results_for([_context()] * 3, _message(5002))
    assert len(failing) == 3  # each executes on its own once the first had errors
    assert all(r.errors for r in results)
    assert results[0] is not results[1]


STATE = """subscription($n: String!) { applicationProgress(number: $n) {
  seq application { status } } }"""


def _view(application_id: int) -> Any:
    from datetime import UTC, datetime

    from doorstep.domain.workflow import ApplicationStatus
    from doorstep.services.applications import ApplicationView

    at = datetime(2026, 3, 1, tzinfo=UTC)
    return ApplicationView(
        id=application_id,
        number="N1",
        citizen_id=1,
        bundle_code="newborn",
        bundle_name="出生一件事",
        status=ApplicationStatus.IN_PROGRESS,
        tasks=(),
        created_at=at,
        updated_at=at,
        completed_at=None,
        next_step=None,
    )


async def test_a_prefetched_state_is_answered_in_the_same_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[int] = []

    async def current_state(deps: Any, application_id: int) -> Any:
        reads.append(application_id)
        return _view(application_id)

    async def current_states(deps: Any, application_ids: list[int]) -> Any:
        reads.extend(application_ids)
        return {i: _view(i) for i in application_ids}

    monkeypatch.setattr(applications, "current_state", current_state)
    monkeypatch.setattr(applications, "current_states", current_states)
    fanout.states.clear()
    plan = Plans(SCHEMA).get(STATE, None)
    assert plan is not None
    context = cast(Context, SimpleNamespace(language="zh_Hans", elder=False, deps=None))
    run = short_path._Run(SCHEMA, plan, context, {"n": "N1"}, (("n", "N1"),))
    message = _message(6001)

    # not read yet: the result needs the database, so it cannot be handed over at once
    assert run.ready(message) is None
    assert (await run.result(message)).data == {
        "applicationProgress": {"seq": "6001", "application": {"status": "IN_PROGRESS"}}
    }

    # the hub prepares the next events first: one read for both, then no waiting at all
    rows = [{"seq": 6002, "application_id": 7}, {"seq": 6003, "application_id": 7}]
    await fanout.prefetch_states(None, rows)  # type: ignore[arg-type]
    assert reads == [7, 7]
    for seq in (6002, 6003):
        ready = run.ready(_message(seq))
        assert ready is not None and not ready.errors
        assert ready.data == {
            "applicationProgress": {"seq": str(seq), "application": {"status": "IN_PROGRESS"}}
        }
    assert reads == [7, 7]
