"""Strawberry's executor, with the citizen's application list filled by the compiled getters
wherever a document asks for it.

The precompiled request path (`graphql/precompiled.py`) answers a document of that list alone
before strawberry sees it. Every other document that reads the list (a condition on the root
field, a root fragment, the list beside other root fields, two aliases of it) is executed by
strawberry, where graphql-core would resolve and complete its some 700 fields one by one around
strawberry's objects: five times the CPU of the list filled from the rows. Here graphql-core
executes the document as always, and when it comes to `Query.myApplications` whose selection
compiles (`application_fields`: plain fields of `Application`, `Task` and `Progress`,
fragments, `@include`/`@skip`), the field's value is the page filled from the rows: the same
service read, authorization and answer as the resolver's. The extensions still run around the
whole operation (`me { lastSeq }` is read before any field), and the answer keeps the
document's order.

Anything else is graphql-core's and strawberry's as before: a selection that does not compile,
a field under `@defer`, someone who is not a signed-in citizen, and any refusal or error while
reading (the resolver runs and presents it; a citizen's own list has no side effects).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import FieldNode, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from doorstep.graphql.application_fields import Variants, filled_page, reads_own_list
from doorstep.graphql.context import Context
from doorstep.graphql.field_collection import Fragments

ROOT_FIELD = "myApplications"
COMPILED_KEPT = 256  # field nodes whose selection is remembered (compiled or not)

# by the ids of a field's nodes (kept alive in the value, so an id is never reused meanwhile):
# the nodes and their compiled selections, or None when strawberry answers them
_compiled: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], Variants | None]] = {}


def _variants(
    root: GraphQLObjectType, nodes: tuple[FieldNode, ...], fragments: Fragments
) -> Variants | None:
    """The list's selection compiled, or None when it is left to strawberry; once per field
    (strawberry's parser cache hands the same nodes to every request of one document)."""
    key = tuple(id(node) for node in nodes)
    known = _compiled.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
        return known[1]
    variants = Variants.of(
        root.fields[ROOT_FIELD], tuple(node.selection_set for node in nodes), fragments
    )
    if len(_compiled) >= COMPILED_KEPT:
        _compiled.clear()
    _compiled[key] = (nodes, variants)
    return variants


async def answer(
    context: Context, variants: Variants, variables: dict[str, Any], args: dict[str, Any]
) -> list[dict[str, Any]] | None:
    """The page for this request's variables and arguments, or None: strawberry answers the
    field."""
    try:
        selection, first, before_id = variants.input(variables, args)
    except Exception:
        return None
    return await filled_page(context, selection, first, before_id)


class CompiledListExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor (the schema's `execution_context_class`), but for a signed-in
    citizen's `Query.myApplications` whose selection compiles: its value is the page filled
    from the rows, or the resolver's when that read declines."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: list[FieldDetails],
        path: Path,
        position_context: Any,
    ) -> Any:
        if field_details_list[0].node.name.value == ROOT_FIELD and parent_type.name == "Query":
            compiled = self._compiled_list(parent_type, field_details_list)
            if compiled is not None:
                # the general way bound only here: this method runs for every field of a document
                general = partial(
                    super().execute_field,
                    parent_type,
                    source,
                    field_details_list,
                    path,
                    position_context,
                )
                return self._list(compiled, general)
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _compiled_list(
        self, parent_type: GraphQLObjectType, field_details_list: list[FieldDetails]
    ) -> tuple[Variants, dict[str, Any]] | None:
        context = self.context_value
        if not isinstance(context, Context) or not reads_own_list(context):
            return None
        if any(
            d.defer_usage is not None or d.fragment_variable_values is not None
            for d in field_details_list
        ):
            return None
        nodes = tuple(d.node for d in field_details_list)
        variants = _variants(parent_type, nodes, self.fragment_definitions)
        if variants is None:
            return None
        try:
            args = get_argument_values(
                parent_type.fields[ROOT_FIELD], field_details_list[0].node, self.variable_values
            )
        except Exception:
            return None
        return variants, args

    async def _list(
        self, compiled: tuple[Variants, dict[str, Any]], general: Callable[[], Any]
    ) -> Any:
        """The page filled, or else the field as graphql-core executes it (`general`)."""
        variants, args = compiled
        page = await answer(self.context_value, variants, self.variable_values.coerced, args)
        if page is not None:
            return page
        value = general()
        return await value if self.is_awaitable(value) else value
