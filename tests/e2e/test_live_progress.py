"""Live progress across two API processes on one PostgreSQL.

A subscriber on the first process must get every change made through the second, in order and
exactly once: with the hints flowing, with its process's LISTEN connection killed midway, and
after reconnecting with the last sequence it saw.
"""

from __future__ import annotations

import asyncio
from typing import Any

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Server, Subscriber, api_servers, graphql
from tests.integration.helpers import forget_recent_codes, latest_code
from tests.integration.identity_helpers import staff_totp_code

PROGRESS = """subscription($n: String!, $after: ID) {
  applicationProgress(number: $n, afterSeq: $after) {
    seq applicationNumber event { seq kind } } }"""
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode } } }"""
ASK = 'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "请补充材料") { status } }'
SUPPLY = "mutation($n: String!) { supplyMaterials(number: $n) { status } }"


async def _login(server: Server, pool: Pool, phone: str, as_staff: bool = False) -> str:
    await forget_recent_codes(pool, phone)
    await graphql(
        server, "mutation($p: String!) { requestLoginCode(phone: $p) { phone } }", {"p": phone}
    )
    code = await latest_code(pool, phone)
    body = await graphql(
        server,
        """mutation($p: String!, $c: String!, $s: Boolean!, $t: String) {
        verifyLoginCode(phone: $p, code: $c, asStaff: $s, totpCode: $t) { token } }""",
        # production settings: staff give their second factor
        {
            "p": phone,
            "c": code,
            "s": as_staff,
            "t": await staff_totp_code(pool, phone) if as_staff else None,
        },
    )
    token: str = body["data"]["verifyLoginCode"]["token"]
    return token


async def _sessions(server: Server, pool: Pool) -> tuple[str, str]:
    staff_phone = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    return (
        await _login(server, pool, "+8613800138004"),
        await _login(server, pool, staff_phone, as_staff=True),
    )


async def _changes(
    server: Server, citizen: str, staff: str, number: str, task_id: str, cycles: int
) -> None:
    for _ in range(cycles):
        body = await graphql(server, ASK, {"t": task_id}, staff)
        assert "errors" not in body, body
        body = await graphql(server, SUPPLY, {"n": number}, citizen)
        assert "errors" not in body, body


async def _expected(pool: Pool, number: str, after: int) -> list[int]:
    rows = await pool.fetch(
        "select e.seq from events e join applications a "
        "on a.id = e.application_id where a.number = $1 and e.seq > $2 "
        "order by e.seq",
        number,
        after,
    )
    return [r["seq"] for r in rows]


async def _collect(subscriber: Subscriber, count: int) -> list[dict[str, Any]]:
    return [(await subscriber.next())["data"]["applicationProgress"] for _ in range(count)]


async def test_changes_through_one_process_reach_a_subscriber_on_the_other(
    settings: Settings, pool: Pool
) -> None:
    async with api_servers(settings, 2) as (first, second):
        citizen, staff = await _sessions(second, pool)
        app = (await graphql(second, SUBMIT, token=citizen))["data"]["submitApplication"]
        task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")

        async with Subscriber.open(
            first, PROGRESS, {"n": app["number"]}, {"token": citizen}
        ) as subscriber:
            opening = (await subscriber.next())["data"]["applicationProgress"]
            assert opening["event"] is None and opening["applicationNumber"] == app["number"]
            start = int(opening["seq"])

            # 50 changes: 25 rounds of "materials asked" and "materials supplied"
            await _changes(second, citizen, staff, app["number"], task_id, 25)
            expected = await _expected(pool, app["number"], start)
            assert len(expected) >= 50
            got = await _collect(subscriber, len(expected))
            assert [int(u["seq"]) for u in got] == expected
            assert [int(u["event"]["seq"]) for u in got] == expected

            # kill the first process's LISTEN connection, then change things again
            killed = await pool.fetchval(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                "where application_name = $1",
                f"doorstep-listener-{first.process.pid}",
            )
            assert killed == 1
            last = expected[-1]
            await _changes(second, citizen, staff, app["number"], task_id, 10)
            expected = await _expected(pool, app["number"], last)
            got = await _collect(subscriber, len(expected))
            assert [int(u["seq"]) for u in got] == expected

            # nothing more than that: no duplicates trail behind
            try:
                extra = await subscriber.next(wait_seconds=3)
            except TimeoutError:
                extra = None
            assert extra is None, extra
            last = expected[-1]

        # offline: changes happen; reconnecting with the last sequence gets exactly those
        await _changes(second, citizen, staff, app["number"], task_id, 3)
        missed = await _expected(pool, app["number"], last)
        async with Subscriber.open(
            first, PROGRESS, {"n": app["number"], "after": str(last)}, {"token": citizen}
        ) as subscriber:
            got = await _collect(subscriber, len(missed))
            assert [int(u["seq"]) for u in got] == missed
        # the listener came back by itself
        assert (
            await pool.fetchval(
                "select count(*) from pg_stat_activity where application_name = $1",
                f"doorstep-listener-{first.process.pid}",
            )
            == 1
        )


async def test_subscriptions_need_a_valid_session_and_own_data(
    settings: Settings, pool: Pool
) -> None:
    import json

    import websockets

    async with api_servers(settings, 1) as (server,):
        citizen, _staff = await _sessions(server, pool)
        other = await _login(server, pool, "+8613800138005")
        app = (await graphql(server, SUBMIT, token=citizen))["data"]["submitApplication"]

        async def close_code(params: Any) -> int | None:
            async with websockets.connect(server.ws, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                await ws.send(json.dumps({"type": "connection_init", "payload": params}))
                try:
                    await asyncio.wait_for(ws.recv(), 5)
                    await asyncio.wait_for(ws.recv(), 5)
                except websockets.ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None
                return None

        assert await close_code({}) == 4403
        assert await close_code({"token": "not-a-session"}) == 4403
        assert await close_code({"token": citizen, "pad": "x" * 10_000}) == 4403
        assert await close_code("a string") == 4400

        # someone else's application: an error on the operation, nothing leaks
        async with Subscriber.open(
            server, PROGRESS, {"n": app["number"]}, {"token": other}
        ) as subscriber:
            message = json.loads(await asyncio.wait_for(subscriber.connection.recv(), 10))
            assert message["type"] in {"error", "next"}
            errors = (
                message["payload"] if message["type"] == "error" else (message["payload"]["errors"])
            )
            assert errors[0]["extensions"]["code"] == "application.not_found"
            assert app["number"] not in json.dumps(message)


async def _reply(ws: Any) -> dict[str, Any]:
    """The next message that answers an operation ("complete" only closes one)."""
    import json

    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] != "complete":
            return message


async def test_websocket_abuse_is_refused_cleanly(settings: Settings, pool: Pool) -> None:
    import json

    import websockets

    async with api_servers(
        settings, 1, {"DOORSTEP_WS_INIT_TIMEOUT": "1", "DOORSTEP_WS_MAX_SUBSCRIPTIONS": "3"}
    ) as (server,):
        citizen, _staff = await _sessions(server, pool)

        # a client that never says connection_init is closed by the server
        async with websockets.connect(server.ws, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            try:
                await asyncio.wait_for(ws.recv(), 10)
                code = None
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
            assert code == 4408

        async with websockets.connect(server.ws, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"token": citizen}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            # an unknown number, and a mistyped one: refused with their codes
            for op_id, number, refusal in (
                ("a", "1000000000", "application.number_invalid"),
                ("b", "1099999993", "application.not_found"),
            ):
                from doorstep.domain.case_numbers import is_valid_case_number

                if refusal == "application.not_found":
                    assert is_valid_case_number(number)
                await ws.send(
                    json.dumps(
                        {
                            "id": op_id,
                            "type": "subscribe",
                            "payload": {"query": PROGRESS, "variables": {"n": number}},
                        }
                    )
                )
                message = await _reply(ws)
                errors = (
                    message["payload"]
                    if message["type"] == "error"
                    else message["payload"]["errors"]
                )
                assert errors[0]["extensions"]["code"] == refusal, message
            # a flood of subscriptions: the cap holds, the excess gets a coded refusal
            my_updates = "subscription { myUpdates { seq } }"
            for i in range(10):
                await ws.send(
                    json.dumps(
                        {"id": f"f{i}", "type": "subscribe", "payload": {"query": my_updates}}
                    )
                )
            refused = []
            for _ in range(7):
                message = await _reply(ws)
                assert message["type"] == "error", message
                refused.append(message["payload"][0]["extensions"]["code"])
            assert refused == ["ws.too_many_subscriptions"] * 7
