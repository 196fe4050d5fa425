"""Persisted documents: a client sends a known document's hash instead of its text.

Two conventions clients already speak, over POST:
- Apollo's automatic persisted queries: `extensions.persistedQuery = {version: 1,
  sha256Hash}`. Sent with the document, the hash is checked and the document kept; sent alone,
  a kept document is served, an unknown hash answers the standard `PERSISTED_QUERY_NOT_FOUND`
  error (HTTP 200), and the client sends the document with its hash again.
- `documentId` (the GraphQL-over-HTTP persisted documents proposal, Relay): "sha256:<hex>" or
  the bare hex digest of a kept document.

The same two conventions over WebSocket: a graphql-transport-ws `subscribe` message's payload
may carry them instead of `query` (or with `query: ""`: graphql-ws clients send a string), for
subscriptions and queries alike; a refusal is the operation's `error` message, same code.

A resolved request is the same request as one that sent the text: the response cache and the
precompiled path (`graphql/precompiled.py`) serve it alike. Hashes are of the document's UTF-8
text, exactly as sent. Documents are kept at two levels: this process's bounded LRU, first,
and Redis, shared by every process of the deployment (`SharedDocuments`), so a document sent
with its hash to one process is served by hash by all of them, and after a restart. Nothing is
kept that could poison a hash or fill memory: the text must hash to the hash it is sent with,
be at most `MAX_DOCUMENT_BYTES`, and parse and validate against the schema; Redis keeps at
most `SHARED_DOCUMENTS`, each for `SHARED_TTL_SECONDS` after it was last sent in full, and a
text read back from it is hashed again before it is used. Redis out of reach is only a miss:
the client sends the document again.

Trusted documents (`DOORSTEP_TRUSTED_DOCUMENTS`, off by default): a manifest of the documents
the deployment's clients were built with. Then nothing is learned from requests: a document is
executed only if its hash is in the manifest, whether the request names the hash or sends the
text (`PERSISTED_QUERY_NOT_TRUSTED` otherwise), over HTTP and WebSocket alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graphql import GraphQLError, parse, specified_rules, validate
from redis.asyncio import Redis

from doorstep.graphql.plans import PlanCache
from doorstep.graphql.schema import DoorstepSchema

log = logging.getLogger(__name__)

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
INVALID = "PERSISTED_QUERY_INVALID"
NOT_TRUSTED = "PERSISTED_QUERY_NOT_TRUSTED"
# the message of each refusal (doorstep/i18n/locales/*/LC_MESSAGES/persisted.po)
MESSAGES = {
    NOT_FOUND: "error.PERSISTED_QUERY_NOT_FOUND",
    HASH_MISMATCH: "error.PERSISTED_QUERY_HASH_MISMATCH",
    INVALID: "error.PERSISTED_QUERY_INVALID",
    NOT_TRUSTED: "error.PERSISTED_QUERY_NOT_TRUSTED",
}
MAX_DOCUMENTS = 2_000
# a document larger than this (UTF-8) is run when sent, but never kept: sent again each time
MAX_DOCUMENT_BYTES = 20_000
# Redis: at most this many documents (the longest not sent in full dropped first), each for
# this long after it was last sent in full; 5,000 × 20 kB is 100 MB at the very worst
SHARED_DOCUMENTS = 5_000
SHARED_TTL_SECONDS = 7 * 24 * 3600
# a slow Redis must not hold a request: past this, a lookup is a miss
SHARED_TIMEOUT_SECONDS = 0.5
_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a persisted request is not served: the error code its client understands."""

    code: str


def digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(body: dict[str, Any]) -> str | Refusal | None:
    """The document hash a request names (None: it names none)."""
    document_id = body.get("documentId")
    if document_id is not None:
        if not isinstance(document_id, str):
            return Refusal(INVALID)
        value = document_id.removeprefix("sha256:").lower()
        return value if _HEX.fullmatch(value) else Refusal(INVALID)
    extensions = body.get("extensions")
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version", 1) != 1:
        return Refusal(INVALID)
    sent = persisted.get("sha256Hash")
    if not isinstance(sent, str) or not _HEX.fullmatch(sent.lower()):
        return Refusal(INVALID)
    return sent.lower()


def load_manifest(path: str) -> dict[str, str]:
    """sha256 -> document from Apollo's persisted-query manifest ({"operations": [{"id",
    "body"}]}) or a plain JSON object; every hash checked against its document. Raises
    ValueError (the process refuses to start) on a file that is not such a manifest."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    pairs: list[tuple[object, object]]
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        pairs = [
            (op.get("id"), op.get("body")) if isinstance(op, dict) else (None, None)
            for op in raw["operations"]
        ]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise ValueError(f"{path}: not a manifest of trusted documents")
    documents: dict[str, str] = {}
    for sha, body in pairs:
        if not isinstance(sha, str) or not isinstance(body, str) or digest(body) != sha.lower():
            raise ValueError(f"{path}: {sha!r} is not the sha256 of its document")
        documents[sha.lower()] = body
    return documents


def read_manifest(path: str) -> dict[str, str] | str:
    """The manifest's documents (`load_manifest`), or why it cannot be loaded, in one line:
    `serve` refuses to start with it, `check` lists it."""
    try:
        return load_manifest(path)
    except (OSError, ValueError) as exc:  # a JSON syntax error is a ValueError too
        return str(exc)


def refused_documents(documents: dict[str, str], schema: DoorstepSchema) -> str | None:
    """Which of the manifest's documents this release's schema refuses, or None: apps built
    against another release, every request of theirs refused. For `doorstep check`."""
    rules = (*specified_rules, *schema.validation_rules)
    refused: list[tuple[str, str]] = []
    for sha, body in documents.items():
        try:
            errors = validate(schema._schema, parse(body, max_tokens=schema.max_tokens), rules)
        except GraphQLError as exc:
            errors = [exc]
        if errors:
            refused.append((sha, errors[0].message))
    if not refused:
        return None
    sha, why = refused[0]
    return (
        f"{len(refused)} of {len(documents)} document(s) refused by this release's schema "
        f"(first {sha[:12]}: {why})"
    )


class SharedDocuments(Protocol):
    """The second level: documents every process of the deployment can read."""

    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...


class RedisDocuments:
    """Documents in Redis, one key each (`<prefix>doc:<sha256>`, expiring), and an index of
    when each was last sent in full (a sorted set) that bounds their number."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        max_documents: int = SHARED_DOCUMENTS,
        ttl_seconds: int = SHARED_TTL_SECONDS,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._index = f"{prefix}index"
        self._max = max_documents
        self._ttl = ttl_seconds

    def _key(self, sha256: str) -> str:
        return f"{self._prefix}doc:{sha256}"

    async def get(self, sha256: str) -> str | None:
        raw = await self._redis.get(self._key(sha256))
        return None if raw is None else _text(raw)

    async def put(self, sha256: str, query: str) -> None:
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key(sha256), query.encode(), ex=self._ttl)
            pipe.zadd(self._index, {sha256: now})
            pipe.zremrangebyscore(self._index, "-inf", now - self._ttl)  # expired keys
            pipe.expire(self._index, self._ttl)
            pipe.zcard(self._index)
            *_, count = await pipe.execute()
        if count > self._max:
            dropped = await self._redis.zpopmin(self._index, count - self._max)
            if dropped:
                await self._redis.delete(*(self._key(_text(sha)) for sha, _ in dropped))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _Validity(PlanCache[bool]):
    """Whether a document parses and validates (the schema's limits and rules)."""

    def _make(self, query: str, operation_name: str | None) -> bool | None:
        return True if self._valid_document(query) is not None else None


class PersistedDocuments:
    """The documents known by hash: this process's (bounded, least recently used out
    first), then the shared ones (`share`); with `trusted`, exactly those and nothing
    learned."""

    def __init__(
        self,
        schema: DoorstepSchema | None = None,
        max_documents: int = MAX_DOCUMENTS,
        trusted: dict[str, str] | None = None,
    ) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict(trusted or {})
        self._max = max_documents
        self._trusted = trusted is not None
        self._validity = _Validity(schema, 64) if schema is not None else None
        self._shared: SharedDocuments | None = None

    def __len__(self) -> int:
        return len(self._documents)

    def share(self, shared: SharedDocuments | None) -> None:
        """Where documents are shared between processes (None: nowhere, as when stopped)."""
        self._shared = shared

    def get(self, sha256: str) -> str | None:
        """A document this process knows (a request's text once `resolve` has filled it)."""
        found = self._documents.get(sha256)
        if found is not None:
            self._documents.move_to_end(sha256)
        return found

    def _keep(self, sha256: str, query: str) -> None:
        self._documents[sha256] = query
        self._documents.move_to_end(sha256)
        while len(self._documents) > self._max:
            self._documents.popitem(last=False)

    async def resolve(self, body: dict[str, Any]) -> Refusal | None:
        """Fill in `body["query"]` from a known document (or keep the one sent with its
        hash); a Refusal when the request cannot be served. Bodies that name no hash pass as
        they are. `body` is a POST body or a `subscribe` message's payload."""
        wanted = requested_hash(body)
        query = body.get("query")
        if wanted is None:
            if self._trusted and isinstance(query, str) and digest(query) not in self._documents:
                return Refusal(NOT_TRUSTED)
            return None
        if isinstance(wanted, Refusal):
            return wanted
        if query == "":
            query = None  # no text: graphql-ws clients must send a string, and send ""
        if isinstance(query, str):
            if digest(query) != wanted:
                return Refusal(HASH_MISMATCH)
            if self._trusted:
                return None if wanted in self._documents else Refusal(NOT_TRUSTED)
            if self.get(wanted) is None:
                if not self._worth_keeping(query):
                    return None
                self._keep(wanted, query)
            # shared again even when this process knew it: a client sends the text only after
            # some process did not find it (Redis was out of reach, or it expired there)
            await self._share(wanted, query)
            return None
        if query is not None:
            return None  # not a string: refused as any such body is
        kept = self.get(wanted)
        if kept is None and not self._trusted:
            kept = await self._shared_document(wanted)
        if kept is None:
            return Refusal(NOT_FOUND)
        body["query"] = kept
        return None

    def _worth_keeping(self, query: str) -> bool:
        """Small enough, and a document the schema would run (no junk kept under a hash)."""
        if len(query) > MAX_DOCUMENT_BYTES or len(query.encode()) > MAX_DOCUMENT_BYTES:
            return False
        return self._validity is None or self._validity.get(query, None) is not None

    async def _shared_document(self, sha256: str) -> str | None:
        if self._shared is None:
            return None
        try:
            async with asyncio.timeout(SHARED_TIMEOUT_SECONDS):
                found = await self._shared.get(sha256)
        except Exception as exc:  # Redis out of reach: the client sends the document again
            log.warning("persisted documents: Redis lookup failed: %r", exc)
            return None
        if found is None:
            return None
        if digest(found) != sha256:  # not what was stored: never run it
            log.error("persisted documents: the shared text of %s is not its document", sha256)
            return None
        self._keep(sha256, found)
        return found

    async def _share(self, sha256: str, query: str) -> None:
        if self._shared is None:
            return
        try:
            async with asyncio.timeout(SHARED_TIMEOUT_SECONDS):
                await self._shared.put(sha256, query)
        except Exception as exc:  # only the other processes miss it: they ask for the text
            log.warning("persisted documents: Redis write failed: %r", exc)
