"""The API process's own WebSocket transport, against a real `doorstep serve`: what it accepts,
what it refuses and with which code, keepalive, and closing at shutdown."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Server, api_servers, graphql
from tests.e2e.test_live_progress import PROGRESS, SUBMIT, _sessions

SUBPROTOCOLS: Any = ["graphql-transport-ws"]


async def _closed_with(ws: ClientConnection) -> int | None:
    """Read until the server closes; the code it closed with."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@asynccontextmanager
async def _acked(server: Server, token: str) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(server.ws, subprotocols=SUBPROTOCOLS) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        yield ws


@asynccontextmanager
async def _served_application(
    settings: Settings, pool: Pool
) -> AsyncIterator[tuple[Server, str, str, dict[str, Any]]]:
    """One API process, a citizen's and a clerk's session, and the citizen's new application."""
    async with api_servers(settings, 1) as (server,):
        citizen, staff = await _sessions(server, pool)
        app = (await graphql(server, SUBMIT, token=citizen))["data"]["submitApplication"]
        yield server, citizen, staff, app


async def test_the_handshake_is_refused_off_the_path_and_without_the_protocol(
    settings: Settings,
) -> None:
    async with api_servers(settings, 1) as (server,):
        with pytest.raises(websockets.InvalidStatus) as off_path:
            async with websockets.connect(
                f"ws://127.0.0.1:{server.port}/elsewhere", subprotocols=SUBPROTOCOLS
            ):
                pass
        assert off_path.value.response.status_code == 404
        # the legacy graphql-ws protocol, or none: no WebSocket at all
        for offered in (["graphql-ws"], None):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(server.ws, subprotocols=offered):  # type: ignore[arg-type]
                    pass
            assert refused.value.response.status_code == 400
        # plain HTTP on /graphql is untouched
        body = await graphql(server, "{ __typename }")
        assert body["data"] == {"__typename": "Query"}


async def test_messages_outside_the_protocol_close_with_its_codes(
    settings: Settings, pool: Pool
) -> None:
    async with api_servers(settings, 1) as (server,):
        citizen, _staff = await _sessions(server, pool)
        init = json.dumps({"type": "connection_init", "payload": {"token": citizen}})

        async def after(opening: list[str | bytes]) -> int | None:
            async with websockets.connect(server.ws, subprotocols=SUBPROTOCOLS) as ws:
                for message in opening:
                    await ws.send(message)
                return await _closed_with(ws)

        subscribe = json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { myUpdates { seq } }"},
            }
        )
        assert await after([b"\x00binary"]) == 4400
        assert await after(["not json"]) == 4400
        assert await after(['["a list"]']) == 4400
        assert await after(['{"type": "shout"}']) == 4400
        assert await after([subscribe]) == 4401  # before connection_init
        assert await after([init, init]) == 4429
        # larger than the body limit: the WebSocket's own "message too big"
        assert await after([init, "x" * (settings.max_body_bytes + 1)]) == 1009

        async with _acked(server, citizen) as ws:
            await ws.send(json.dumps({"id": "1", "type": "subscribe"}))  # no payload
            assert await _closed_with(ws) == 4400
        async with _acked(server, citizen) as ws:
            await ws.send(subscribe)
            await ws.send(subscribe)  # the same id while it runs
            assert await _closed_with(ws) == 4409


async def test_a_fragmented_message_is_one_message_and_ping_gets_pong(
    settings: Settings, pool: Pool
) -> None:
    async with _served_application(settings, pool) as (server, citizen, _staff, app):
        async with _acked(server, citizen) as ws:
            await ws.send('{"type":"ping"}')
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "pong"}
            text = json.dumps(
                {
                    "id": "p",
                    "type": "subscribe",
                    "payload": {"query": PROGRESS, "variables": {"n": app["number"]}},
                }
            )
            await ws.send(iter([text[:10], text[10:50], text[50:]]))  # three frames
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert first["id"] == "p" and first["type"] == "next", first
            progress = first["payload"]["data"]["applicationProgress"]
            assert progress["applicationNumber"] == app["number"]
            # a query over the socket: its one result, then complete
            await ws.send(
                json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ __typename }"}})
            )
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert answer == {
                "id": "q",
                "type": "next",
                "payload": {"data": {"__typename": "Query"}},
            }
            done = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert done == {"id": "q", "type": "complete"}


async def _raw_upgrade(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws"
            "\r\n\r\n"
        ).encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def test_a_peer_that_never_answers_pings_is_closed(settings: Settings) -> None:
    async with api_servers(
        settings, 1, {"DOORSTEP_WS_PING_SECONDS": "0.5", "DOORSTEP_WS_INIT_TIMEOUT": "60"}
    ) as (server,):
        # websockets answers pings by itself: it stays open over several ping rounds
        async with websockets.connect(server.ws, subprotocols=SUBPROTOCOLS) as answering:
            await asyncio.sleep(2.5)
            await answering.send('{"type":"ping"}')
            assert json.loads(await asyncio.wait_for(answering.recv(), 10))["type"] == "pong"
        # a raw socket that reads but never answers: pinged, then closed with 1001 (going away),
        # which graphql-ws retries (1011 would end the client for good)
        reader, writer = await _raw_upgrade(server.port)
        seen = bytearray()
        try:
            while chunk := await asyncio.wait_for(reader.read(1024), 10):
                seen += chunk
        finally:
            writer.close()
        assert seen[0] == 0x89, "the first frame is the server's ping"
        close = seen.rfind(b"\x88")  # the close frame: opcode, length, code
        assert close >= 0 and int.from_bytes(seen[close + 2 : close + 4], "big") == 1001


async def test_shutdown_closes_every_socket_with_service_restart(
    settings: Settings, pool: Pool
) -> None:
    async with _served_application(settings, pool) as (server, citizen, _staff, app):
        async with _acked(server, citizen) as ws:
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": PROGRESS, "variables": {"n": app["number"]}},
                    }
                )
            )
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "next"
            server.process.terminate()
            assert await _closed_with(ws) == 1012


async def test_subscribing_in_a_loop_is_refused_past_the_window(
    settings: Settings, pool: Pool
) -> None:
    from doorstep.live.session import SUBSCRIBES_PER_WINDOW

    async with api_servers(settings, 1) as (server,):
        citizen, _staff = await _sessions(server, pool)
        async with _acked(server, citizen) as ws:
            query = {"query": "subscription { myUpdates { seq } }"}
            for i in range(SUBSCRIBES_PER_WINDOW):  # subscribe, complete, again: all taken
                await ws.send(json.dumps({"id": f"s{i}", "type": "subscribe", "payload": query}))
                await ws.send(json.dumps({"id": f"s{i}", "type": "complete"}))
            for i in range(3):
                await ws.send(json.dumps({"id": f"x{i}", "type": "subscribe", "payload": query}))
            refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert refused["type"] == "error" and refused["id"] == "x0", refused
            extensions = refused["payload"][0]["extensions"]
            assert extensions["code"] == "ws.subscribing_too_fast"
            assert 1 <= extensions["retryAfterSeconds"] <= 60
            assert "秒" in refused["payload"][0]["message"]  # in the caller's language


async def test_a_change_comes_with_the_application_as_it_stands(
    settings: Settings, pool: Pool
) -> None:
    state = """subscription($n: String!) { applicationProgress(number: $n) {
      seq event { kind } application { status } } }"""
    async with _served_application(settings, pool) as (server, citizen, staff, app):
        task = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
        async with _acked(server, citizen) as ws:
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": state, "variables": {"n": app["number"]}},
                    }
                )
            )
            opening = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert opening["payload"]["data"]["applicationProgress"]["application"] == {
                "status": "SUBMITTED"
            }
            body = await graphql(
                server,
                "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
                {"t": task},
                staff,
            )
            assert "errors" not in body, body
            changes: list[dict[str, Any]] = []
            while not changes or changes[-1]["event"]["kind"] != "application.status_changed":
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                changes.append(message["payload"]["data"]["applicationProgress"])
            assert changes[0]["event"]["kind"] == "task.accept"
            assert all(c["application"] == {"status": "IN_PROGRESS"} for c in changes)


async def test_malformed_arguments_are_refused_with_their_codes(
    settings: Settings, pool: Pool
) -> None:
    async with _served_application(settings, pool) as (server, citizen, _staff, app):
        async with _acked(server, citizen) as ws:
            for op_id, variables, code in (
                ("a", {"n": app["number"], "after": "abc"}, "progress.after_seq_invalid"),
                ("b", {"n": app["number"], "after": "-1"}, "progress.after_seq_invalid"),
                ("c", {"n": 5}, "graphql.invalid"),
                ("d", {"n": "9" * 5000}, "application.number_invalid"),
            ):
                await ws.send(
                    json.dumps(
                        {
                            "id": op_id,
                            "type": "subscribe",
                            "payload": {"query": PROGRESS, "variables": variables},
                        }
                    )
                )
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                errors = (
                    message["payload"]
                    if message["type"] == "error"
                    else message["payload"]["errors"]
                )
                assert message["id"] == op_id and errors[0]["extensions"]["code"] == code, message
                assert errors[0]["message"]  # in words, never a bare "complete"
            # documents that do not parse, are over the token limit, or ask for what is not
            # there: answered as over HTTP, and the connection stays
            for op_id, query in (
                ("e", "subscription {"),
                ("f", "subscription { myUpdates { " + "seq " * 3000 + "} }"),
                ("g", "subscription { nope }"),
                ("h", "subscription { myUpdates @include(if: true) { seq } }"),
            ):
                await ws.send(
                    json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}})
                )
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert message["type"] == "error" and message["id"] == op_id, message
                assert message["payload"][0]["extensions"]["code"] == "graphql.invalid", message


async def test_a_socket_follows_its_session_after_it_opened(settings: Settings, pool: Pool) -> None:
    """Elder mode and language chosen after the socket opened reach the next operation on it;
    a log-out closes it at the next operation with 4403, as at connection_init."""
    query = """subscription($n: String!) { applicationProgress(number: $n) {
      application { statusLabel readAloud } } }"""

    async def first_application(ws: ClientConnection, op: str) -> dict[str, Any]:
        subscribe = {"query": query, "variables": {"n": app["number"]}}
        await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": subscribe}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        application: dict[str, Any] = message["payload"]["data"]["applicationProgress"][
            "application"
        ]
        return application

    async with _served_application(settings, pool) as (server, citizen, _staff, app):
        async with _acked(server, citizen) as ws:
            before = await first_application(ws, "1")
            assert before["readAloud"] is None
            await graphql(
                server, "mutation { setElderMode(on: true) { elderMode } }", token=citizen
            )
            await graphql(
                server, 'mutation { setLanguage(language: "en") { language } }', token=citizen
            )
            after = await first_application(ws, "2")
            assert after["readAloud"], "elder mode chosen after connecting is not applied"
            assert after["statusLabel"] != before["statusLabel"]  # English now
            assert after["statusLabel"].isascii()

            await graphql(server, "mutation { logout }", token=citizen)
            subscribe = {"query": "subscription { myUpdates { seq } }"}
            await ws.send(json.dumps({"id": "3", "type": "subscribe", "payload": subscribe}))
            assert await _closed_with(ws) == 4403


async def test_several_operations_and_no_operation_name_run_none(
    settings: Settings, pool: Pool
) -> None:
    """GraphQL's rule, as over HTTP: a `subscribe` whose document holds several operations and
    names none of them runs none (not the first); its id gets an error coded
    graphql.operation_name_required in the connection's language, and the connection stays."""
    from tests.e2e.test_live_progress import _login
    from tests.integration.helpers import fresh_phone

    several = "query Q { __typename } subscription S { myUpdates { seq } }"
    async with api_servers(settings, 1) as (server,):
        token = await _login(server, pool, fresh_phone())
        for language, words in (("zh-CN", "多个操作"), ("en", "operationName")):
            async with websockets.connect(
                server.ws,
                subprotocols=SUBPROTOCOLS,
                additional_headers={"Accept-Language": language},
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
                await ws.send(
                    json.dumps({"id": "a", "type": "subscribe", "payload": {"query": several}})
                )
                refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert refused["type"] == "error" and refused["id"] == "a", refused
                assert refused["payload"][0]["extensions"]["code"] == (
                    "graphql.operation_name_required"
                )
                assert words in refused["payload"][0]["message"], refused
                # named, the same document runs the one named, on the same connection
                payload = {"query": several, "operationName": "Q"}
                await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": payload}))
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert answer == {
                    "id": "b",
                    "type": "next",
                    "payload": {"data": {"__typename": "Query"}},
                }, answer
