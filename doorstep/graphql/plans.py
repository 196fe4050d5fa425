"""What the two short paths share (graphql/precompiled.py for `myApplications`,
live/short_path.py for our subscription fields): a document parsed and validated once per query
text, with the schema's own token limit and validation rules, and the plan made of it kept by
query text and operation name, the least recently used dropped past a bound. A plan of None
says the document is not the short path's: strawberry's way answers it."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from graphql import DocumentNode, GraphQLError, parse, specified_rules, validate

from doorstep.graphql.schema import DoorstepSchema

P = TypeVar("P")


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
