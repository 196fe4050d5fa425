"""What the two short paths share (graphql/precompiled.py for `myApplications`,
live/short_path.py for our subscription fields): a document parsed and validated once per query
text, with the schema's own token limit and validation rules, and the plan made of it kept by
query text and operation name, the least recently used dropped past a bound. A plan of None
says the document is not the short path's: strawberry's way answers it."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from doorstep.graphql.schema import DoorstepSchema

P = TypeVar("P")
# the document, its operation and the operation's one root field
SoleField = tuple[DocumentNode, OperationDefinitionNode, FieldNode]
# and the field's definition in the schema
RootField = tuple[DocumentNode, OperationDefinitionNode, FieldNode, GraphQLField]


def request_parts(body: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]] | None:
    """The query text, operation name and variables of a request body, or None when one of
    them is not of its kind (the general way refuses it in its own words)."""
    query = body.get("query")
    operation_name = body.get("operationName")
    variables = body.get("variables")
    if not isinstance(query, str):
        return None
    if operation_name is not None and not isinstance(operation_name, str):
        return None
    if variables is not None and not isinstance(variables, dict):
        return None
    return query, operation_name, variables or {}


class PlanCache(Generic[P]):
    """Plans by (query text, operation name); a subclass says how one is made (`_make`)."""

    def __init__(self, schema: DoorstepSchema, max_entries: int) -> None:
        self._schema = schema
        self._rules = (*specified_rules, *schema.validation_rules)
        self._entries: OrderedDict[tuple[str, str | None], P | None] = OrderedDict()
        self._max = max_entries

    def get(self, query: str, operation_name: str | None) -> P | None:
        key = (query, operation_name)
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        plan = self._make(query, operation_name)
        self._entries[key] = plan
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return plan

    def _make(self, query: str, operation_name: str | None) -> P | None:
        raise NotImplementedError

    def _valid_document(self, query: str) -> DocumentNode | None:
        """The document if it parses within the token limit and passes every rule."""
        try:
            document = parse(query, max_tokens=self._schema.max_tokens)
        except GraphQLError:
            return None
        if validate(self._schema._schema, document, self._rules):
            return None
        return document

    def _operation(
        self, query: str, operation_name: str | None, kind: OperationType
    ) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        """The valid document and its operation of this kind, or None."""
        document = self._valid_document(query)
        if document is None:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not kind:
            return None
        return document, operation

    def _sole_field(
        self, query: str, operation_name: str | None, kind: OperationType
    ) -> SoleField | None:
        """The valid document's operation of this kind, when it selects one field, or None."""
        found = self._operation(query, operation_name, kind)
        if found is None:
            return None
        document, operation = found
        selections = operation.selection_set.selections
        if len(selections) != 1 or not isinstance(selections[0], FieldNode):
            return None
        return document, operation, selections[0]

    def _root_field(
        self,
        query: str,
        operation_name: str | None,
        kind: OperationType,
        name: str,
        max_chars: int,
    ) -> RootField | None:
        """The sole field when it is `name`, with no directive on it or on its operation, and
        its definition; a text past max_chars, or one that does not spell the name, is not
        even parsed."""
        if len(query) > max_chars or name not in query:
            return None
        sole = self._sole_field(query, operation_name, kind)
        if sole is None:
            return None
        document, operation, node = sole
        if operation.directives or node.name.value != name or node.directives:
            return None
        root = self._schema._schema.get_root_type(kind)
        assert root is not None
        return document, operation, node, root.fields[name]
