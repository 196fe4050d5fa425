"""A precompiled path for the hot read, `myApplications`: a document of that list answered
before strawberry sees it, without parsing, validating or executing it again.

A document is parsed and validated once per query text (with the schema's own rules and limits,
`PlanCache`) and, when it asks only for plain fields of `Application`, `Task` and `Progress`,
its list is compiled to getters (`application_fields`: named and inline fragments, fields of
one response key merged, `@include`/`@skip` with a literal or a variable `if`, compiled once per
combination of the conditions' values). A request coerces its variables, reads the citizen's
page through the service and fills the answer from the rows: strawberry's answer, field by field
(`tests/integration/test_precompiled.py`), for a fraction of its CPU.

A page that reads the list beside other root fields (the app's home: `me`, the list, the
confirmations) has those fields answered by strawberry first, as a document of their own, and
the list built here after them, so `me { lastSeq }` is still read before it; the answer keeps
the document's order.

Anything else goes the strawberry way, whose answers and errors are the reference, and whose
executor still fills the list from the same compiled fields wherever they compile
(`graphql/executor.py`): the list twice, or beside a field with a directive or a root fragment,
a variable or fragment that only the list uses, a condition on the root field; a document whose
list does not compile (a fragment on another type, any other directive, a field with arguments
such as `timeline`), variables that do not coerce, a document that does not validate, someone who
is not a signed-in citizen (an agent's reads are recorded), and any refusal or error while
reading (the strawberry path reads again and presents it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    print_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values

from doorstep.graphql.application_fields import Variants, filled_page, reads_own_list
from doorstep.graphql.context import Context
from doorstep.graphql.plans import PlanCache, RootField, request_parts
from doorstep.graphql.schema import DoorstepSchema
from doorstep.observability.metrics import GRAPHQL_OPERATIONS, GRAPHQL_SECONDS

ROOT_FIELD = "myApplications"
OPERATION_LABEL = "query.myApplications"
PLAN_ENTRIES = 256
MAX_QUERY_CHARS = 8192


@dataclass(frozen=True, eq=False)
class RootPlan:
    """A document of one root field, as both short paths keep it (this one and
    precompiled_submit's): the field's node and definition, and its response key."""

    document: DocumentNode
    operation: OperationDefinitionNode
    field: GraphQLField
    node: FieldNode
    key: str


@dataclass(frozen=True, eq=False)
class Plan(RootPlan):
    variants: Variants
    # the document's other root fields as a document of their own, which strawberry answers
    # (a page's `me` and lists beside the applications), and the root's response keys in order
    beside: str | None = None
    order: tuple[str, ...] = ()


class Plans(PlanCache[Plan]):
    """Compiled documents by query text and operation name; None: not ours."""

    def __init__(self, schema: DoorstepSchema, max_entries: int = PLAN_ENTRIES) -> None:
        super().__init__(schema, max_entries)

    def _make(self, query: str, operation_name: str | None) -> Plan | None:
        root = self._root_field(
            query, operation_name, OperationType.QUERY, ROOT_FIELD, MAX_QUERY_CHARS
        )
        beside: str | None = None
        order: tuple[str, ...] = ()
        if root is None:
            found = self._list_beside_others(query, operation_name)
            if found is None:
                return None
            root, beside, order = found
        document, operation, node, field = root
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        variants = Variants.of(field, (node.selection_set,), fragments)
        if variants is None:
            return None
        key = node.alias.value if node.alias else ROOT_FIELD
        return Plan(document, operation, field, node, key, variants, beside, order)

    def _list_beside_others(
        self, query: str, operation_name: str | None
    ) -> tuple[RootField, str, tuple[str, ...]] | None:
        """A page's document: the list once among other root fields, none of them with a
        directive or behind a fragment. The root field and the others as a document of their
        own (which must validate alone: a variable or fragment only the list uses keeps the
        whole document on the general way), and the response keys in the document's order."""
        if len(query) > MAX_QUERY_CHARS or ROOT_FIELD not in query:
            return None
        found = self._operation(query, operation_name, OperationType.QUERY)
        if found is None or found[1].directives:
            return None
        document, operation = found
        selections = operation.selection_set.selections
        if not all(isinstance(s, FieldNode) and not s.directives for s in selections):
            return None
        fields = [s for s in selections if isinstance(s, FieldNode)]
        lists = [f for f in fields if f.name.value == ROOT_FIELD]
        if len(lists) != 1 or len(fields) < 2:
            return None
        node = lists[0]
        others = tuple(f for f in fields if f is not node)
        rest = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=SelectionSetNode(selections=others),
        )
        fragments = tuple(d for d in document.definitions if isinstance(d, FragmentDefinitionNode))
        beside = print_ast(DocumentNode(definitions=(rest, *fragments)))
        if self._valid_document(beside) is None:
            return None
        root_type = self._schema._schema.get_root_type(OperationType.QUERY)
        assert root_type is not None
        order = tuple((f.alias or f.name).value for f in fields)
        return (document, operation, node, root_type.fields[ROOT_FIELD]), beside, order


async def answer(plans: Plans, context: Context, body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to `body` ({"data": ...}) by the precompiled path, or None to execute it."""
    if not reads_own_list(context):
        return None
    parts = request_parts(body)
    if parts is None:
        return None
    query, operation_name, variables = parts
    plan = plans.get(query, operation_name)
    if plan is None:
        return None
    started = time.perf_counter()
    coerced = get_variable_values(
        plans._schema._schema, plan.operation.variable_definitions or (), variables or {}
    )
    if isinstance(coerced, list):
        return None
    try:
        args = get_argument_values(plan.field, plan.node, coerced)
        selection, first, before_id = plan.variants.input(coerced.coerced, args)
    except Exception:  # refused (a condition of null, a bad cursor): the strawberry way says so
        return None
    others: dict[str, Any] | None = None
    if plan.beside is not None:
        # the list's own input known good, the other fields first, as strawberry would:
        # `me { lastSeq }` is read before the list
        try:
            result = await plans._schema.execute(
                plan.beside,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
            )
        except Exception:
            return None  # refused before it ran: the general way refuses the whole document
        if result.errors or result.data is None:
            return None  # the general way answers the whole document, in its own words
        others = result.data
    listed_page = await filled_page(context, selection, first, before_id)
    if listed_page is None:
        return None
    if others is None:
        data = {plan.key: listed_page}
    else:
        data = {key: listed_page if key == plan.key else others[key] for key in plan.order}
    GRAPHQL_OPERATIONS.labels(OPERATION_LABEL).inc()
    GRAPHQL_SECONDS.labels(OPERATION_LABEL).observe(time.perf_counter() - started)
    return {"data": data}
