"""A citizen's own list of applications, served from memory while nothing of theirs changed.

Executing `myApplications` means resolving some 700 fields for a citizen with 20 applications:
most of a request's CPU. Every change to a citizen's applications appends an event with their
citizen id (services only ever write through `events.append`), so the highest such sequence is
a version: an answer stored with version V is still right while the citizen's version is V.
Checking costs one index-only query instead of the execution.

Only a citizen reading their own data is served from here: reads of someone else's data (staff,
agents) must each be recorded, so they always run. Answers are kept per process, bounded in
bytes, least recently used first out.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError

from doorstep.domain.policy import Actor, Role
from doorstep.services.applications import citizen_version
from doorstep.services.deps import Deps

CACHED_ROOT_FIELDS = frozenset({"myApplications"})
MAX_BYTES = 32 * 1024 * 1024
MAX_QUERY_CHARS = 4096


NOT_CACHEABLE = object()  # `cacheable_operation`'s answer for a document we leave alone


@lru_cache(maxsize=256)
def cacheable_operation(query: str) -> str | object | None:
    """The name (None if anonymous) of the document's one query operation when its root fields
    are all ones we know how to version; NOT_CACHEABLE otherwise."""
    if len(query) > MAX_QUERY_CHARS or "myApplications" not in query:
        return NOT_CACHEABLE
    try:
        document = parse(query)
    except GraphQLError:
        return NOT_CACHEABLE
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return NOT_CACHEABLE
    if len(document.definitions) != 1:
        return NOT_CACHEABLE  # fragments could hide other fields: keep it simple
    operation = operations[0]
    fields = operation.selection_set.selections
    if not all(
        isinstance(f, FieldNode) and f.name.value in CACHED_ROOT_FIELDS and f.alias is None
        for f in fields
    ):
        return NOT_CACHEABLE
    return operation.name.value if operation.name else None


def cacheable_query(query: str) -> bool:
    return cacheable_operation(query) is not NOT_CACHEABLE


def _names_the_operation(operation_name: object, query: str) -> bool:
    """GraphQL clients send the operation's own name (Apollo, urql, graphql-request, Relay):
    that is the same operation as sending none. A name the document lacks is GraphQL's own
    refusal (an empty name too), so it is executed, never answered from here."""
    name = cacheable_operation(query)
    if name is NOT_CACHEABLE:
        return False
    return operation_name is None or (isinstance(operation_name, str) and operation_name == name)


@dataclass(frozen=True)
class Entry:
    version: int
    body: bytes


class ResponseCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(actor: Actor, language: str, body: dict[str, Any]) -> tuple[Any, ...] | None:
        if actor.role is not Role.CITIZEN or actor.citizen_id is None:
            return None
        if getattr(actor, "principal_citizen_id", None) is not None:
            return None
        query = body.get("query")
        variables = body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        if not _names_the_operation(body.get("operationName"), query):
            return None
        # operationName is not part of the key: with or without it, one operation, one answer
        return (
            actor.citizen_id,
            language,
            actor.elder_mode,
            query,
            json.dumps(variables, sort_keys=True, default=str),
        )

    async def version(self, deps: Deps, actor: Actor) -> int:
        assert actor.citizen_id is not None
        return await citizen_version(deps, actor.citizen_id)

    def get(self, key: tuple[Any, ...], version: int) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: tuple[Any, ...], version: int, body: bytes) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        if len(body) > self._max_bytes // 16:
            return  # one huge answer must not push everything else out
        self._entries[key] = Entry(version, body)
        self._bytes += len(body)
        while self._bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
