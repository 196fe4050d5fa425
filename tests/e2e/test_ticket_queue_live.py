"""The staff ticket queue, live over graphql-transport-ws across two API processes.

A clerk subscribed on the first process gets every change to a ticket their unit leads, made
through the second, in order and once, with the ticket as it stands; a ticket redispatched to
another unit comes once more without its event and without the ticket (so a list drops it),
and nothing of it after; the same after reconnecting with the last sequence seen. A citizen
cannot subscribe to a ticket queue.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Subscriber, api_servers, graphql
from tests.e2e.test_live_progress import _login

QUEUE = """subscription($after: ID) { ticketQueueUpdates(afterSeq: $after) {
  seq ticketNumber event { seq kind title } ticket { number status leadUnit { code } } } }"""
SUBMIT = """mutation($t: String!) { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise",
  description: $t, regionCode: "110105001001"}) { number leadUnit { code } } }"""
ACK = "mutation($n: String!) { acknowledgeTicket(number: $n) { status } }"
RESOLVE = 'mutation($n: String!) { resolveTicket(number: $n, note: "已处理") { status } }'
REDISPATCH = """mutation($n: String!) { redispatchTicket(number: $n, unitCode: "cy-housing",
  note: "不归派出所") { number } }"""
CLERK = "+8613900139105"  # cy-psb: the community's noise tickets come to it
SUPERVISOR = "+8613900139001"
HOUSING = "+8613900139111"  # cy-housing
CITIZEN = "+8613800138001"


async def _ticket_events(pool: Pool, numbers: list[str], after: int) -> list[int]:
    rows = await pool.fetch(
        """select e.seq from events e join tickets t on t.id = e.ticket_id
           where e.seq > $1 and t.number = any($2::text[]) order by e.seq""",
        after,
        numbers,
    )
    return [r["seq"] for r in rows]


async def _collect(subscriber: Subscriber, count: int) -> list[dict[str, Any]]:
    return [(await subscriber.next())["data"]["ticketQueueUpdates"] for _ in range(count)]


async def _nothing_more(subscriber: Subscriber) -> None:
    try:
        extra = await subscriber.next(wait_seconds=2)
    except TimeoutError:
        extra = None
    assert extra is None, extra


async def _ok(server: Any, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    body = await graphql(server, query, variables, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_tickets_reach_the_clerk_once_in_order_and_leave_when_redispatched(
    settings: Settings, pool: Pool
) -> None:
    async with api_servers(settings, 2) as (first, second):
        citizen = await _login(second, pool, CITIZEN)
        clerk = await _login(second, pool, CLERK, as_staff=True)
        boss = await _login(second, pool, SUPERVISOR, as_staff=True)
        housing = await _login(second, pool, HOUSING, as_staff=True)
        async with Subscriber.open(first, QUEUE, {}, {"token": clerk}) as subscriber:
            opening = (await subscriber.next())["data"]["ticketQueueUpdates"]
            assert opening["event"] is None and opening["ticket"] is None
            assert opening["ticketNumber"] is None
            start = int(opening["seq"])

            # three tickets arrive; the clerk acknowledges and resolves one
            kept, moved, later = [
                (await _ok(second, SUBMIT, {"t": text}, citizen))["submitTicket"]
                for text in ("楼上每晚装修到十一点", "广场舞音响太吵", "夜里唱歌太吵")
            ]
            assert {t["leadUnit"]["code"] for t in (kept, moved, later)} == {"cy-psb"}
            await _ok(second, ACK, {"n": kept["number"]}, clerk)
            await _ok(second, RESOLVE, {"n": kept["number"]}, clerk)
            numbers = [kept["number"], moved["number"], later["number"]]
            expected = await _ticket_events(pool, numbers, start)
            got = await _collect(subscriber, len(expected))
            assert [int(u["seq"]) for u in got] == expected
            assert {u["ticketNumber"] for u in got} == set(numbers)
            assert all(u["event"] and u["ticket"]["leadUnit"]["code"] == "cy-psb" for u in got)
            mine = [u for u in got if u["ticketNumber"] == kept["number"]]
            assert mine[-1]["ticket"]["status"] == "RESOLVED"
            await _nothing_more(subscriber)

            # the supervisor sends the other to housing: one message without event or ticket,
            # then nothing of what housing does with it
            mark = expected[-1]
            await _ok(second, REDISPATCH, {"n": moved["number"]}, boss)
            await _ok(second, ACK, {"n": moved["number"]}, housing)
            left = await _collect(subscriber, 1)
            assert left[0]["ticketNumber"] == moved["number"]
            assert left[0]["event"] is None and left[0]["ticket"] is None
            assert int(left[0]["seq"]) in await _ticket_events(pool, [moved["number"]], mark)
            await _nothing_more(subscriber)
            last = int(left[0]["seq"])

        # offline meanwhile: reconnecting with the last sequence gets exactly what was missed
        await _ok(second, ACK, {"n": later["number"]}, clerk)
        missed = await _ticket_events(pool, [later["number"]], last)
        assert missed
        async with Subscriber.open(first, QUEUE, {"after": str(last)}, {"token": clerk}) as again:
            got = await _collect(again, len(missed))
            assert [int(u["seq"]) for u in got] == missed
            assert got[-1]["ticket"]["status"] == "ACKNOWLEDGED"
            await _nothing_more(again)


async def test_citizens_have_no_ticket_queue(settings: Settings, pool: Pool) -> None:
    async with api_servers(settings, 1) as (server,):
        citizen = await _login(server, pool, CITIZEN)
        async with Subscriber.open(server, QUEUE, {}, {"token": citizen}) as subscriber:
            message = json.loads(await asyncio.wait_for(subscriber.connection.recv(), 10))
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == "auth.forbidden"
