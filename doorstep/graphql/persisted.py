"""Persisted documents: a client sends a known document's hash instead of its text.

Two conventions clients already speak, over POST:
- Apollo's automatic persisted queries: `extensions.persistedQuery = {version: 1,
  sha256Hash}`. Sent with the document, the hash is checked and the document kept; sent alone,
  a kept document is served, an unknown hash answers the standard `PERSISTED_QUERY_NOT_FOUND`
  error (HTTP 200), and the client sends the document with its hash again.
- `documentId` (the GraphQL-over-HTTP persisted documents proposal, Relay): "sha256:<hex>" or
  the bare hex digest of a kept document.

A resolved request is the same request as one that sent the text: the response cache and the
precompiled path (`graphql/precompiled.py`) serve it alike. Documents are kept per process, in
a bounded LRU (several processes each learn a document on first sight: one more round trip per
process). Hashes are of the document's UTF-8 text, exactly as sent.

Trusted documents (`DOORSTEP_TRUSTED_DOCUMENTS`, off by default): a manifest of the documents
the deployment's clients were built with. Then nothing is learned from requests: a document is
executed only if its hash is in the manifest, whether the request names the hash or sends the
text (`PERSISTED_QUERY_NOT_TRUSTED` otherwise). WebSocket operations are not covered.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
MAX_DOCUMENT_CHARS = 20_000
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


class PersistedDocuments:
    """The documents this process knows by hash (bounded, least recently used out first);
    with `trusted`, exactly those and nothing learned."""

    def __init__(
        self, max_documents: int = MAX_DOCUMENTS, trusted: dict[str, str] | None = None
    ) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict(trusted or {})
        self._max = max_documents
        self._trusted = trusted is not None

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, sha256: str) -> str | None:
        found = self._documents.get(sha256)
        if found is not None:
            self._documents.move_to_end(sha256)
        return found

    def keep(self, sha256: str, query: str) -> None:
        if self._trusted:
            return  # the manifest is the whole list
        self._documents[sha256] = query
        self._documents.move_to_end(sha256)
        while len(self._documents) > self._max:
            self._documents.popitem(last=False)

    def resolve(self, body: dict[str, Any]) -> Refusal | None:
        """Fill in `body["query"]` from a kept document (or keep the one sent with its hash);
        a Refusal when the request cannot be served. Bodies that name no hash pass as they
        are."""
        wanted = requested_hash(body)
        query = body.get("query")
        if wanted is None:
            if self._trusted and isinstance(query, str) and digest(query) not in self._documents:
                return Refusal(NOT_TRUSTED)
            return None
        if isinstance(wanted, Refusal):
            return wanted
        if isinstance(query, str):
            if digest(query) != wanted:
                return Refusal(HASH_MISMATCH)
            if self._trusted and wanted not in self._documents:
                return Refusal(NOT_TRUSTED)
            if len(query) <= MAX_DOCUMENT_CHARS:
                self.keep(wanted, query)
            return None
        if query is not None:
            return None  # not a string: strawberry refuses it as it refuses any such body
        kept = self.get(wanted)
        if kept is None:
            return Refusal(NOT_FOUND)
        body["query"] = kept
        return None
