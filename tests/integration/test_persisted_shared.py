"""Persisted documents shared through Redis: a document registered with one process's
documents is found by another's; what is kept is bounded and cannot be poisoned; Redis out
of reach is only a miss."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from doorstep.config import Settings
from doorstep.graphql import persisted
from doorstep.graphql.persisted import PersistedDocuments, RedisDocuments, Refusal
from doorstep.graphql.schema import DoorstepSchema, build_schema

QUERY = "query Mine { myApplications(first: 5) { number status } }"


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _by_hash(sha: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}


def _with_text(query: str, sha: str | None = None) -> dict[str, Any]:
    return {"query": query, **_by_hash(sha or _sha(query))}


def _unique(query: str) -> str:
    """A document no other test (or earlier run) registered: its own hash."""
    return f"{query}\n# {uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def schema() -> DoorstepSchema:
    return build_schema(introspection=False)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix(settings: Settings) -> str:
    return f"{settings.queue_name}:persisted-test:{uuid.uuid4().hex}:"


@pytest.fixture
def process(schema: DoorstepSchema, redis: Redis, prefix: str) -> Callable[[], PersistedDocuments]:
    """A new process's documents, each sharing through this test's `prefix` in Redis."""

    def start() -> PersistedDocuments:
        documents = PersistedDocuments(schema)
        documents.share(RedisDocuments(redis, prefix))
        return documents

    return start


async def _served(documents: PersistedDocuments, body: dict[str, Any]) -> str | Refusal | None:
    """The text a request is served with, or why it is not."""
    return await documents.resolve(body) or body.get("query")


async def test_registered_on_one_process_served_by_another(
    process: Callable[[], PersistedDocuments],
) -> None:
    first, second = process(), process()
    query = _unique(QUERY)
    sha = _sha(query)
    assert await _served(second, _by_hash(sha)) == Refusal(persisted.NOT_FOUND)
    assert await _served(first, _with_text(query)) == query
    for body in (
        _by_hash(sha),
        {"documentId": sha},
        # graphql-ws clients must send a string: "" is no text
        {"query": "", **_by_hash(sha)},
    ):
        assert await _served(second, body) == query, body
    # a process started later (a restart) finds it too
    assert await _served(process(), _by_hash(sha)) == query


async def test_sent_in_full_again_it_is_shared_again(
    process: Callable[[], PersistedDocuments], redis: Redis, prefix: str
) -> None:
    first, second = process(), process()
    query = _unique(QUERY)
    sha = _sha(query)
    assert await _served(first, _with_text(query)) == query
    await redis.delete(f"{prefix}doc:{sha}")  # expired there, or Redis was away
    assert await _served(second, _by_hash(sha)) == Refusal(persisted.NOT_FOUND)
    # the client's retry lands on the process that still knows it
    assert await _served(first, _with_text(query)) == query
    assert await _served(second, _by_hash(sha)) == query


async def test_nothing_kept_under_a_hash_that_is_not_its_document(
    process: Callable[[], PersistedDocuments], redis: Redis, prefix: str
) -> None:
    documents, other = process(), process()
    query, forged = _unique(QUERY), _unique(QUERY)
    # the text of one document sent under another's hash
    refused = await _served(documents, _with_text(forged, _sha(query)))
    assert refused == Refusal(persisted.HASH_MISMATCH)
    assert await redis.keys(f"{prefix}*") == []
    # text written into Redis under a hash it does not have is never run
    await redis.set(f"{prefix}doc:{_sha(query)}", forged)
    assert await _served(other, _by_hash(_sha(query))) == Refusal(persisted.NOT_FOUND)
    # a hash that is not hex is no hash
    for bad in ("z" * 64, _sha(query)[:63], "../" + _sha(query)):
        assert await _served(other, _by_hash(bad)) == Refusal(persisted.INVALID), bad
        assert await _served(other, {"documentId": bad}) == Refusal(persisted.INVALID), bad


async def test_too_large_or_invalid_documents_run_but_are_not_kept(
    process: Callable[[], PersistedDocuments], redis: Redis, prefix: str
) -> None:
    documents, other = process(), process()
    # over the cap in UTF-8 bytes, though not in characters: each 字 is three bytes
    large = _unique(QUERY) + "\n# " + "字" * (persisted.MAX_DOCUMENT_BYTES // 3)
    assert len(large) < persisted.MAX_DOCUMENT_BYTES < len(large.encode())
    not_valid = _unique("{ noSuchField }")
    for query in (large, not_valid):
        assert await _served(documents, _with_text(query)) == query  # run (and answered)
        for either in (documents, other):
            assert await _served(either, _by_hash(_sha(query))) == Refusal(persisted.NOT_FOUND)
    assert await redis.keys(f"{prefix}*") == []


async def test_redis_keeps_a_bounded_number_for_a_bounded_time(redis: Redis, prefix: str) -> None:
    shared = RedisDocuments(redis, prefix, max_documents=3, ttl_seconds=600)
    queries = [_unique(QUERY) for _ in range(5)]
    for query in queries:
        await shared.put(_sha(query), query)
    # the first two sent in full are out; the last three are in, each expiring
    for query in queries[:2]:
        assert await shared.get(_sha(query)) is None
    for query in queries[2:]:
        assert await shared.get(_sha(query)) == query
        assert 0 < await redis.ttl(f"{prefix}doc:{_sha(query)}") <= 600
    assert await redis.zcard(f"{prefix}index") == 3
    assert 0 < await redis.ttl(f"{prefix}index") <= 600
    await redis.delete(*await redis.keys(f"{prefix}*"))


async def test_redis_out_of_reach_is_only_a_miss(schema: DoorstepSchema) -> None:
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    documents = PersistedDocuments(schema)
    documents.share(RedisDocuments(gone, "nowhere:"))
    query = _unique(QUERY)
    assert await _served(documents, _with_text(query)) == query  # kept here, not shared
    assert await _served(documents, _by_hash(_sha(query))) == query
    assert await _served(documents, _by_hash(_sha(query + " "))) == Refusal(persisted.NOT_FOUND)
    await gone.aclose()


async def test_trusted_documents_ignore_redis(
    process: Callable[[], PersistedDocuments],
    schema: DoorstepSchema,
    redis: Redis,
    prefix: str,
) -> None:
    query = _unique(QUERY)
    assert await _served(process(), _with_text(query)) == query
    manifest_query = _unique(QUERY)
    strict = PersistedDocuments(schema, trusted={_sha(manifest_query): manifest_query})
    strict.share(RedisDocuments(redis, prefix))
    # registered by another process, but not in the manifest: not served, not learned
    assert await _served(strict, _by_hash(_sha(query))) == Refusal(persisted.NOT_FOUND)
    assert await _served(strict, {"query": query}) == Refusal(persisted.NOT_TRUSTED)
    assert await _served(strict, _by_hash(_sha(manifest_query))) == manifest_query
    assert await redis.keys(f"{prefix}doc:{_sha(manifest_query)}") == []
