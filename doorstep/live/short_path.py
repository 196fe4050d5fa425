"""The short path for our own subscription fields, `applicationProgress` and `myUpdates`.

A subscription run through strawberry's `Schema.stream` keeps, for its whole life, an
execution context, fresh extension instances and graphql-core's subscription executor, and
builds an execution context per event per subscriber: about 15 KB and 100 µs a subscriber,
which 10,000 subscribers of one change pay in full. Here a document is parsed and validated
once per query text (with the schema's own limit rules), and each event is executed once for
every subscriber with the same document, variables, language and elder mode: a subscriber
costs its generator of `live.progress` and one dictionary look-up per change.

Anything else (a query over the socket, a document with errors, variables that do not
coerce) returns None here and goes the strawberry way, whose
answers and error messages are the reference.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLField,
    OperationDefinitionNode,
    OperationType,
    execute,
)
from graphql.execution.values import get_argument_values, get_variable_values

from doorstep.graphql.context import Context
from doorstep.graphql.errors import present_all
from doorstep.graphql.plans import PlanCache
from doorstep.graphql.schema import DoorstepSchema
from doorstep.live.subscriptions import ProgressUpdate, updates

FIELDS = frozenset({"applicationProgress", "myUpdates"})
PLAN_ENTRIES = 256


@dataclass(frozen=True, eq=False)  # by identity: a shared result's key holds its plan
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    field: GraphQLField
    node: FieldNode

    @property
    def name(self) -> str:
        return self.node.name.value


class Plans(PlanCache[Plan]):
    """Parsed and validated documents by query text and operation name; None: not ours."""

    def __init__(self, schema: DoorstepSchema, max_entries: int = PLAN_ENTRIES) -> None:
        super().__init__(schema, max_entries)

    def _make(self, query: str, operation_name: str | None) -> Plan | None:
        sole = self._sole_field(query, operation_name, OperationType.SUBSCRIPTION)
        if sole is None:
            return None
        document, operation, node = sole
        subscription = self._schema._schema.subscription_type
        if node.name.value not in FIELDS or subscription is None:
            return None
        return Plan(document, operation, subscription.fields[node.name.value], node)


def start(
    schema: DoorstepSchema,
    plans: Plans,
    context: Context,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    send_now: Callable[[ExecutionResult], bool],
) -> AsyncGenerator[ExecutionResult, None] | None:
    """The results of a subscription to one of our fields, or None to go strawberry's way.

    A result ready without waiting (the change's shared result, or one executed inline) is
    handed to `send_now` as the change arrives, while the subscriber is idle; it returns False
    to have it come through the generator instead (its socket is paused, say). The generator
    raises a presented GraphQLError when the subscription is refused or ends with a refusal
    (someone else's application, a delegation revoked)."""
    plan = plans.get(query, operation_name)
    if plan is None:
        return None
    coerced = get_variable_values(
        schema._schema, plan.operation.variable_definitions or (), variables or {}, max_errors=10
    )
    if isinstance(coerced, list):
        return None
    try:
        args = get_argument_values(plan.field, plan.node, coerced)
    except GraphQLError:
        return None
    try:
        shared_by: tuple[Any, ...] | None = tuple(sorted(coerced.coerced.items()))
        hash(shared_by)
    except TypeError:  # a value that cannot be a key: this subscriber executes alone
        shared_by = None
    run = _Run(schema, plan, context, variables, shared_by)

    def deliver(message: ProgressUpdate) -> bool:
        result = run.ready(message)
        return result is not None and send_now(result)

    return _results(run, args, deliver)


@dataclass(frozen=True)
class _Run:
    """One subscriber's executions: the plan, and what its results are shared by."""

    schema: DoorstepSchema
    plan: Plan
    context: Context
    variables: dict[str, Any] | None
    shared_by: tuple[Any, ...] | None

    def _key(self) -> tuple[Any, ...]:
        return (self.plan, self.shared_by, self.context.language, self.context.elder)

    def ready(self, message: ProgressUpdate) -> ExecutionResult | None:
        """The result for a shared message if it is there without waiting; else None, having
        started the one shared execution if nobody had.

        A document whose fields all resolve at once (no database read) is executed inline by
        its first subscriber, so the others find its result done: the change reaches all of
        them in one pass of the event loop."""
        results = message.shared_results
        if results is None or self.shared_by is None:
            return None
        key = self._key()
        shared = results.get(key)
        if shared is None:
            outcome = self._execute(message)
            if not isinstance(outcome, ExecutionResult):
                results[key] = asyncio.ensure_future(_finish(outcome, self.context))
                return None
            outcome = _presented(outcome, self.context)
            if not outcome.errors:  # never shared: the others execute on their own
                results[key] = outcome
            return outcome
        if isinstance(shared, ExecutionResult):
            return shared
        if shared.done() and not shared.cancelled() and shared.exception() is None:
            done: ExecutionResult = shared.result()
            return None if done.errors else done
        return None

    async def result(self, message: ProgressUpdate) -> ExecutionResult:
        """One execution per (plan, variables, language, elder mode) for a shared message; a
        result with errors is never shared: each subscriber then executes on its own."""
        now = self.ready(message)
        if now is not None:
            return now
        results = message.shared_results
        running = results.get(self._key()) if results is not None else None
        if isinstance(running, asyncio.Future):
            # shielded: a subscriber that goes away does not cancel the others' execution
            result: ExecutionResult = await asyncio.shield(running)
            if not result.errors:
                return result
        return await _finish(self._execute(message), self.context)

    def _execute(self, message: ProgressUpdate) -> ExecutionResult | Awaitable[ExecutionResult]:
        operation = self.plan.operation
        return execute(
            self.schema._schema,
            self.plan.document,
            root_value=message,
            context_value=self.context,
            variable_values=self.variables,
            operation_name=operation.name.value if operation.name else None,
        )


async def _results(
    run: _Run, args: dict[str, Any], deliver: Callable[[ProgressUpdate], bool]
) -> AsyncGenerator[ExecutionResult, None]:
    source = updates(
        run.context,
        run.plan.name,
        {"number": args.get("number"), "after_seq": args.get("afterSeq")},
        deliver,
    )
    async for message in source:
        yield await run.result(message)


async def _finish(
    outcome: ExecutionResult | Awaitable[ExecutionResult], context: Context
) -> ExecutionResult:
    result = outcome if isinstance(outcome, ExecutionResult) else await outcome
    return _presented(result, context)


def _presented(result: ExecutionResult, context: Context) -> ExecutionResult:
    if not result.errors:
        return result
    errors = list(result.errors)
    present_all(errors, context)  # codes, the caller's language; the unexpected logged
    return ExecutionResult(data=result.data, errors=errors)
