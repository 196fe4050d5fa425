"""GraphQL operations and errors counted by operation: its type and first root field
("mutation.submitApplication"). Names a client made up count as "invalid", so a client cannot
grow the number of series."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from doorstep.observability.metrics import GRAPHQL_ERRORS, GRAPHQL_OPERATIONS, GRAPHQL_SECONDS

INVALID = "invalid"


def operation_label(context: ExecutionContext | None, known: frozenset[str]) -> str:
    document = getattr(context, "graphql_document", None) if context is not None else None
    if document is None:
        return INVALID
    wanted = context.operation_name if context is not None else None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if wanted is not None and (definition.name is None or definition.name.value != wanted):
            continue
        for selection in definition.selection_set.selections:
            if isinstance(selection, FieldNode):
                label = f"{definition.operation.value}.{selection.name.value}"
                return label if label in known else INVALID
        return INVALID
    return INVALID


def root_fields(schema: Any) -> frozenset[str]:
    """Every "type.field" a valid operation can start with."""
    graphql_schema = schema._schema
    labels: set[str] = set()
    for kind, root in (
        ("query", graphql_schema.query_type),
        ("mutation", graphql_schema.mutation_type),
        ("subscription", graphql_schema.subscription_type),
    ):
        if root is not None:
            labels.update(f"{kind}.{name}" for name in root.fields)
    return frozenset(labels)


def count_errors(
    errors: list[GraphQLError], context: ExecutionContext | None, known: frozenset[str]
) -> None:
    """After the errors are presented: each carries its stable code."""
    operation = operation_label(context, known)
    for error in errors:
        code = (error.extensions or {}).get("code", "internal")
        GRAPHQL_ERRORS.labels(operation, code).inc()


class OperationMetrics(SchemaExtension):
    known: frozenset[str] = frozenset()

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        operation = operation_label(self.execution_context, self.known)
        GRAPHQL_OPERATIONS.labels(operation).inc()
        GRAPHQL_SECONDS.labels(operation).observe(time.perf_counter() - started)
