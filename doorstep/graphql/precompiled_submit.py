"""A precompiled path for `submitApplication`: the mutation without graphql-core's execution.

The document is parsed and validated once per query text (the schema's own rules and limits,
`PlanCache`) and, when its only root field is `submitApplication` and every field it selects
under it is a plain one (no resolver, no arguments, no directive), compiled into (response key,
getter, serializer, nested selection) per selection set, as `application_fields` compiles the
list's. A
request then coerces the variables and the argument with graphql-core's and strawberry's own
functions, calls the same service as the resolver, builds the same strawberry objects
(`application_type`) and reads the selected attributes through the schema's own serializers
(`application_fields.fill`). A refusal or any other error raised by the
service is presented as the strawberry path presents it (`errors.present`: code, translated
message, location, path, extensions), counted the same way, and never retried: the mutation runs
once. Anything else goes the strawberry way, before anything has run: variables that do not
coerce, a document that does not validate or asks for more than plain fields, another root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    OperationType,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.types.arguments import convert_arguments

from doorstep.graphql import applications as types
from doorstep.graphql.application_fields import (
    Entry,
    Selection,
    attribute_getter,
    fill,
    serializer_for,
    typename_getter,
    unwrap,
)
from doorstep.graphql.context import Context
from doorstep.graphql.errors import UNAVAILABLE, present
from doorstep.graphql.input_conversion import ArgumentsConverter, compile_arguments
from doorstep.graphql.plans import PlanCache, request_parts
from doorstep.graphql.precompiled import RootPlan
from doorstep.graphql.schema import DoorstepSchema
from doorstep.observability.metrics import GRAPHQL_ERRORS, GRAPHQL_OPERATIONS, GRAPHQL_SECONDS
from doorstep.services import confirmations

ROOT_FIELD = "submitApplication"
OPERATION_LABEL = "mutation.submitApplication"
PLAN_ENTRIES = 64
MAX_QUERY_CHARS = 8192


@dataclass(frozen=True, eq=False)
class SubmitPlan(RootPlan):
    selection: Selection
    # the argument as the resolver takes it, by a function built with the plan (None:
    # strawberry's own conversion on each request)
    convert: ArgumentsConverter | None


def _compile(parent: GraphQLObjectType, nodes: tuple[FieldNode, ...]) -> Selection:
    """Plain fields only, no fragments, no directives: ValueError for anything else."""
    out: list[Entry] = []
    seen: set[str] = set()
    for node in nodes:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            raise ValueError("not a plain field")
        key = node.alias.value if node.alias else node.name.value
        if key in seen:
            raise ValueError("a key selected twice")  # merged selections: strawberry's way
        seen.add(key)
        if node.name.value == "__typename":
            out.append((key, typename_getter(parent.name), None, None, False))
            continue
        definition = parent.fields.get(node.name.value)
        if definition is None:
            raise ValueError(node.name.value)
        strawberry_field = definition.extensions["strawberry-definition"]
        if strawberry_field.base_resolver is not None:
            raise ValueError(node.name.value)
        named, is_list = unwrap(definition.type)
        getter = attribute_getter(strawberry_field.python_name)
        if isinstance(named, GraphQLObjectType):
            if node.selection_set is None:
                raise ValueError(node.name.value)
            nested = _compile(named, tuple(node.selection_set.selections))  # type: ignore[arg-type]
            out.append((key, getter, None, nested, is_list))
        else:
            if node.selection_set is not None or is_list:
                raise ValueError(node.name.value)
            out.append((key, getter, serializer_for(named), None, False))
    return tuple(out)


class SubmitPlans(PlanCache[SubmitPlan]):
    """Compiled submit documents by query text and operation name; None: not ours."""

    def __init__(self, schema: DoorstepSchema, max_entries: int = PLAN_ENTRIES) -> None:
        super().__init__(schema, max_entries)

    def recognises(self, body: dict[str, Any]) -> bool:
        """Whether `answer` would take `body` (before its variables are looked at)."""
        parts = request_parts(body)
        return parts is not None and ROOT_FIELD in parts[0] and self.get(*parts[:2]) is not None

    def _make(self, query: str, operation_name: str | None) -> SubmitPlan | None:
        root = self._root_field(
            query, operation_name, OperationType.MUTATION, ROOT_FIELD, MAX_QUERY_CHARS
        )
        if root is None:
            return None
        document, operation, node, field = root
        named, _ = unwrap(field.type)
        if not isinstance(named, GraphQLObjectType) or node.selection_set is None:
            return None
        try:
            selection = _compile(named, tuple(node.selection_set.selections))  # type: ignore[arg-type]
        except ValueError:
            return None
        key = node.alias.value if node.alias else ROOT_FIELD
        schema = self._schema
        convert = compile_arguments(
            field.extensions["strawberry-definition"].arguments,
            schema.schema_converter.scalar_registry,
            schema.config,
        )
        return SubmitPlan(document, operation, field, node, key, selection, convert)


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    unavailable: bool = False  # the database out of reach: answered 503 as strawberry's is


async def answer(plans: SubmitPlans, context: Context, body: dict[str, Any]) -> Answer | None:
    """The answer to `body` by the precompiled path, or None to execute it the strawberry way
    (decided before the mutation runs)."""
    parts = request_parts(body)
    if parts is None or ROOT_FIELD not in parts[0]:
        return None
    query, operation_name, variables = parts
    plan = plans.get(query, operation_name)
    if plan is None:
        return None
    schema = plans._schema
    coerced = get_variable_values(
        schema._schema, plan.operation.variable_definitions or (), variables
    )
    if isinstance(coerced, list):
        return None  # strawberry's way words the refusal
    try:
        args = get_argument_values(plan.field, plan.node, coerced)
        if plan.convert is not None:
            converted = plan.convert(args)
        else:
            definition = plan.field.extensions["strawberry-definition"]
            converted = convert_arguments(
                args, definition.arguments, schema.schema_converter.scalar_registry, schema.config
            )
    except Exception:
        return None
    started = time.perf_counter()
    try:
        application = await _submit(context, converted["input"])
    except Exception as exc:
        error = GraphQLError(str(exc), nodes=[plan.node], path=[plan.key], original_error=exc)
        presented = present(
            error, context.language, context.elder, not context.deps.settings.dev_mode
        )
        code = (presented.extensions or {}).get("code", "internal")
        GRAPHQL_ERRORS.labels(OPERATION_LABEL, code).inc()
        _count(started)
        return Answer({"data": None, "errors": [presented.formatted]}, code == UNAVAILABLE)
    _count(started)
    return Answer(
        {"data": {plan.key: fill(plan.selection, application, context.language, context.elder)}}
    )


def _count(started: float) -> None:
    GRAPHQL_OPERATIONS.labels(OPERATION_LABEL).inc()
    GRAPHQL_SECONDS.labels(OPERATION_LABEL).observe(time.perf_counter() - started)


async def _submit(context: Context, input: types.SubmitApplicationInput) -> types.Application:
    """What the resolver does (`ApplicationsMutation.submit_application`)."""
    data = types.submit_input(input)
    view = await confirmations.submit_application(
        context.deps, context.actor, data, read=context.take_submission_read()
    )
    if isinstance(view, confirmations.ConfirmationView):
        raise types.confirmation_pending(view)
    return types.application_type(view, context.language, context.elder)
