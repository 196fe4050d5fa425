"""Persisted documents across two API processes with production settings (no DOORSTEP_DEV):
a document registered with its hash on one process is served by hash on the other, over HTTP
and over graphql-transport-ws, and refused there with the codes HTTP uses."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from doorstep.config import Settings
from doorstep.graphql.persisted import MAX_DOCUMENT_BYTES
from doorstep.store.db import Pool
from tests.e2e.servers import Server, api_servers, graphql
from tests.e2e.test_live_progress import SUBMIT, _login
from tests.integration.helpers import fresh_phone

SUBPROTOCOLS: Any = ["graphql-transport-ws"]
MINE = "query Mine { myApplications(first: 5) { number status } }"
PROGRESS = """subscription Progress($n: String!) {
  applicationProgress(number: $n) { applicationNumber event { kind } } }"""


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _unique(query: str) -> str:
    """A document no other test (nor an earlier run, through Redis) registered."""
    return f"{query}\n# {uuid.uuid4().hex}"


def _apq(sha: str, query: str | None = None, **rest: Any) -> dict[str, Any]:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}, **rest}
    return body if query is None else {**body, "query": query}


async def _post(server: Server, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server.base}/graphql",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        )
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


@asynccontextmanager
async def _socket(server: Server, token: str) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(
        server.ws, subprotocols=SUBPROTOCOLS, additional_headers={"Accept-Language": "en"}
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        yield ws


async def _operation(ws: ClientConnection, op_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Start an operation; its first message (`next` or `error`; an earlier query's
    `complete` passed over)."""
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if message.get("type") == "complete" and message.get("id") != op_id:
            continue
        assert message["id"] == op_id, message
        return message


def _code(message: dict[str, Any]) -> str:
    assert message["type"] == "error", message
    code: str = message["payload"][0]["extensions"]["code"]
    return code


async def test_registered_on_one_process_served_by_the_other(
    settings: Settings, pool: Pool
) -> None:
    async with api_servers(settings, 2) as (first, second):
        token = await _login(first, pool, fresh_phone())
        number = (await graphql(first, SUBMIT, token=token))["data"]["submitApplication"]["number"]
        mine, progress = _unique(MINE), _unique(PROGRESS)

        # HTTP: the hash alone is unknown to both; sent in full to the first, known to both
        status, body = await _post(second, _apq(_sha(mine)), token)
        assert (status, body["errors"][0]["extensions"]["code"]) == (
            200,
            "PERSISTED_QUERY_NOT_FOUND",
        )
        status, answer = await _post(first, _apq(_sha(mine), mine), token)
        assert status == 200 and answer["data"]["myApplications"][0]["number"] == number
        for body in (_apq(_sha(mine)), {"documentId": f"sha256:{_sha(mine)}"}):
            assert await _post(second, body, token) == (200, answer), body

        async with _socket(second, token) as ws:
            # a query over the socket, by the hash the other process learned over HTTP
            message = await _operation(ws, "q", _apq(_sha(mine)))
            assert (message["type"], message["payload"]) == ("next", answer)
            # a subscription no process knows: refused as over HTTP, in the caller's language
            variables = {"n": number}
            message = await _operation(ws, "1", _apq(_sha(progress), variables=variables))
            assert _code(message) == "PERSISTED_QUERY_NOT_FOUND"
            assert message["payload"][0]["message"] == (
                "This request is not known here yet. Send it again in full."
            )
            # the client's retry, with the text: served (its opening message) and kept
            message = await _operation(ws, "1", _apq(_sha(progress), progress, variables=variables))
            assert message["type"] == "next", message
            opening = message["payload"]["data"]["applicationProgress"]
            assert opening["applicationNumber"] == number
            # what is not a hash, or not the text's, is refused and the socket stays open
            message = await _operation(ws, "2", _apq("not-hex", variables=variables))
            assert _code(message) == "PERSISTED_QUERY_INVALID"
            message = await _operation(ws, "3", _apq(_sha(progress + " "), progress))
            assert _code(message) == "PERSISTED_QUERY_HASH_MISMATCH"
            message = await _operation(ws, "4", {"documentId": _sha(mine)})
            assert message["type"] == "next", message

        async with _socket(first, token) as ws:
            # registered over the other process's socket; by `documentId` here
            payload = {"documentId": _sha(progress), "variables": variables}
            message = await _operation(ws, "1", payload)
            assert message["type"] == "next", message
            assert message["payload"]["data"]["applicationProgress"] == opening

        # a document over the size cap is answered, but kept nowhere: sent in full each time
        large = _unique(MINE) + "\n# " + "x" * MAX_DOCUMENT_BYTES
        status, body = await _post(first, _apq(_sha(large), large), token)
        assert (status, body) == (200, answer)
        for server in (first, second):
            _status, body = await _post(server, _apq(_sha(large)), token)
            assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_over_the_socket(
    settings: Settings, pool: Pool, tmp_path: Path
) -> None:
    progress = _unique(PROGRESS)
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({_sha(progress): progress}))
    trusted = {"DOORSTEP_TRUSTED_DOCUMENTS": str(manifest)}
    async with api_servers(settings, 1, trusted) as (server,):
        # a login is not in the manifest: sessions come from a server without one
        async with api_servers(settings, 1) as (open_server,):
            token = await _login(open_server, pool, fresh_phone())
            created = await graphql(open_server, SUBMIT, token=token)
        variables = {"n": created["data"]["submitApplication"]["number"]}
        async with _socket(server, token) as ws:
            for op_id, payload in (
                ("text", {"query": progress, "variables": variables}),
                ("hash", _apq(_sha(progress), variables=variables)),
                ("id", {"documentId": _sha(progress), "variables": variables}),
            ):
                message = await _operation(ws, op_id, payload)
                assert message["type"] == "next", (op_id, message)
            # any other text, even sent with its hash, is not run
            other = _unique(MINE)
            for op_id, payload in (("a", {"query": other}), ("b", _apq(_sha(other), other))):
                message = await _operation(ws, op_id, payload)
                assert _code(message) == "PERSISTED_QUERY_NOT_TRUSTED", op_id
                assert message["payload"][0]["message"] == (
                    "Only the requests of this service's own apps are accepted here."
                )
