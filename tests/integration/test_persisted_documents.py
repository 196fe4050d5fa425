"""Persisted documents as clients send them: Apollo Client's persisted-queries link (the hash
alone, then the hash with the document when the server does not know it, then the hash alone
again) and `documentId`. A resolved request takes the same hot paths as the full text."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.graphql import precompiled
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as
from tests.integration.helpers import fresh_phone, login

SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'
# as an app writes its list: named, the root field aliased (the precompiled path's shape)
FAST = """query MyApplications {
  mine: myApplications(first: 5) { number status tasks { unitCode dueOn } }
}"""
CACHED = """query MyApplications {
  myApplications(first: 5) { number status statusLabel }
}"""


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _apollo(query: str | None, sha: str) -> dict[str, Any]:
    """The body Apollo Client's persisted-queries link posts (operationName, variables, the
    extension; the document only on the retry)."""
    body: dict[str, Any] = {
        "operationName": "MyApplications",
        "variables": {},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
    }
    if query is not None:
        body["query"] = query
    return body


async def _post(
    client: AsyncTestClient[Any], body: dict[str, Any], token: str, language: str = "en"
) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/graphql",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )
    data: dict[str, Any] = response.json()
    return response.status_code, data


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """One entry per request that reached the precompiled path: True when it answered."""
    seen: list[bool] = []
    real = precompiled.answer

    async def spy(*args: Any, **kwargs: Any) -> Any:
        result = await real(*args, **kwargs)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(precompiled, "answer", spy)
    yield seen


async def _citizen(client: AsyncTestClient[Any], pool: Pool) -> str:
    token = await login(client, pool, fresh_phone())
    for _ in range(2):
        assert "errors" not in await gql_as(client, SUBMIT, token=token)
    return token


async def test_apollo_link_round_trip_served_by_the_precompiled_path(
    client: AsyncTestClient[Any], pool: Pool, served: list[bool]
) -> None:
    token = await _citizen(client, pool)
    # a document no one sent before (a comment makes its hash this test's own)
    query = FAST + f"\n# {fresh_phone()}"
    sha = _sha(query)
    plain = await gql_as(client, query, token=token)
    assert len(plain["data"]["mine"]) == 2

    # 1. the hash alone: not known yet (a document sent without its hash is not kept)
    status, body = await _post(client, _apollo(None, sha), token)
    assert status == 200
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert body["errors"][0]["message"] == (
        "This request is not known here yet. Send it again in full."
    )
    assert "data" not in body

    # 2. the link's retry: the hash with the document, answered and kept
    served.clear()
    status, body = await _post(client, _apollo(query, sha), token)
    assert (status, body) == (200, plain)
    assert served == [True], "the precompiled path did not answer"

    # 3. from now on the hash alone is enough, on the same path
    served.clear()
    status, body = await _post(client, _apollo(None, sha), token)
    assert (status, body) == (200, plain)
    assert served == [True]

    # in the caller's language
    unknown = _apollo(None, _sha(query + " "))
    _status, body = await _post(client, unknown, token, language="zh-Hans")
    assert body["errors"][0]["message"] == "服务端尚未登记此请求，请发送完整请求。"


async def test_document_id_and_the_response_cache(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await _citizen(client, pool)
    query = CACHED + f"\n# {fresh_phone()}"
    sha = _sha(query)
    status, first = await _post(client, _apollo(query, sha), token)
    assert status == 200 and len(first["data"]["myApplications"]) == 2
    cache = client.app.state.response_cache
    hits = cache.hits
    for document_id in (f"sha256:{sha}", sha, sha.upper()):
        status, body = await _post(
            client, {"documentId": document_id, "operationName": "MyApplications"}, token
        )
        assert (status, body) == (200, first), document_id
    assert cache.hits == hits + 3  # one entry, whichever way the document was named


async def test_refusals(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await login(client, pool, fresh_phone())
    query = CACHED + f"\n# {fresh_phone()}"
    # a hash that is not the document's: refused, and nothing kept under it
    wrong = _sha(query + "x")
    status, body = await _post(client, _apollo(query, wrong), token)
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    _status, body = await _post(client, _apollo(None, wrong), token)
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    for bad in (
        {"documentId": "md5:abc"},
        {"documentId": 12},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": _sha(query)}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "zz"}}},
    ):
        status, body = await _post(client, bad, token)
        assert status == 400, bad
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID", bad
    # a request without a hash is as before
    status, body = await _post(client, {"query": "{ __typename }"}, token)
    assert (status, body) == (200, {"data": {"__typename": "Query"}})


async def test_trusted_documents_only(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tmp_path: Path
) -> None:
    token = await _citizen(client, pool)  # a session of the same database
    query = CACHED + f"\n# {fresh_phone()}"
    sha = _sha(query)
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": sha, "name": "MyApplications", "type": "query", "body": query}
                ],
            }
        )
    )
    trusted = dataclasses.replace(settings, trusted_documents_file=str(manifest))
    async with AsyncTestClient(app=create_app(trusted)) as strict:
        status, by_hash = await _post(strict, _apollo(None, sha), token)
        assert status == 200 and len(by_hash["data"]["myApplications"]) == 2
        status, by_text = await _post(strict, {"query": query}, token)
        assert (status, by_text) == (200, by_hash)
        # anything else, by text or registered with its hash, is not run
        other = "{ __typename }"
        for body in ({"query": other}, _apollo(other, _sha(other))):
            status, refused = await _post(strict, body, token)
            assert status == 400, body
            assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"
            assert refused["errors"][0]["message"] == (
                "Only the requests of this service's own apps are accepted here."
            )
        _status, unknown = await _post(strict, _apollo(None, _sha(other)), token)
        assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    # a manifest whose hash is not its document's: the process does not start
    manifest.write_text(json.dumps({_sha(query + " "): query}))
    with pytest.raises(ValueError, match="is not the sha256 of its document"):
        create_app(trusted)
