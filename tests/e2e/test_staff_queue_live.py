"""The staff queue, live over graphql-transport-ws across two API processes.

A clerk subscribed on the first process gets every change to an application their unit has a
task in, made through the second, in order and once, with the tasks as they stand; nothing of
applications outside the unit; the same after reconnecting with the last sequence seen. A
citizen cannot subscribe to a unit queue.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Subscriber, api_servers, graphql
from tests.e2e.test_live_progress import _login

QUEUE = """subscription($after: ID) { unitQueueUpdates(afterSeq: $after) {
  seq applicationNumber event { seq kind }
  tasks { applicationNumber task { id unitCode status } } } }"""
SUBMIT = """mutation($b: String!) { submitApplication(input: {bundleCode: $b})
  { number tasks { id unitCode } } }"""
ASK = 'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "请补充材料") { status } }'
SUPPLY = "mutation($n: String!) { supplyMaterials(number: $n) { status } }"
CLERK = "+8613900139105"  # cy-psb: birth registration in 新生儿, nothing in 退休
CITIZEN = "+8613800138004"


async def _unit_events(pool: Pool, after: int) -> list[int]:
    rows = await pool.fetch(
        """select e.seq from events e where e.seq > $1 and e.application_id in (
             select t.application_id from tasks t join units u on u.id = t.unit_id
             where u.code = 'cy-psb') order by e.seq""",
        after,
    )
    return [r["seq"] for r in rows]


async def _collect(subscriber: Subscriber, count: int) -> list[dict[str, Any]]:
    return [(await subscriber.next())["data"]["unitQueueUpdates"] for _ in range(count)]


async def _nothing_more(subscriber: Subscriber) -> None:
    try:
        extra = await subscriber.next(wait_seconds=2)
    except TimeoutError:
        extra = None
    assert extra is None, extra


async def test_work_arriving_reaches_the_clerk_once_in_order(
    settings: Settings, pool: Pool
) -> None:
    async with api_servers(settings, 2) as (first, second):
        citizen = await _login(second, pool, CITIZEN)
        clerk = await _login(second, pool, CLERK, as_staff=True)
        async with Subscriber.open(first, QUEUE, {}, {"token": clerk}) as subscriber:
            opening = (await subscriber.next())["data"]["unitQueueUpdates"]
            assert opening["event"] is None and opening["tasks"] == []
            start = int(opening["seq"])

            # work arrives: a 新生儿 application (a task for cy-psb) and one the unit has no
            # part in; then 补正 asked and answered three times
            other = await graphql(second, SUBMIT, {"b": "retirement"}, citizen)
            assert "errors" not in other, other
            body = await graphql(second, SUBMIT, {"b": "newborn"}, citizen)
            app = body["data"]["submitApplication"]
            task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
            for _ in range(3):
                assert "errors" not in await graphql(second, ASK, {"t": task_id}, clerk)
                assert "errors" not in await graphql(second, SUPPLY, {"n": app["number"]}, citizen)

            expected = await _unit_events(pool, start)
            assert len(expected) >= 7
            got = await _collect(subscriber, len(expected))
            assert [int(u["seq"]) for u in got] == expected
            assert {u["applicationNumber"] for u in got} == {app["number"]}
            arrived = got[0]
            assert arrived["event"]["kind"] == "application.submitted"
            # the unit's own task only, as it stands at that change
            assert [t["task"]["unitCode"] for t in arrived["tasks"]] == ["cy-psb"]
            assert got[-1]["tasks"][0]["task"]["status"] == "ACCEPTED"
            await _nothing_more(subscriber)
            last = expected[-1]

        # offline meanwhile: reconnecting with the last sequence gets exactly what was missed
        assert "errors" not in await graphql(second, ASK, {"t": task_id}, clerk)
        missed = await _unit_events(pool, last)
        assert missed
        async with Subscriber.open(first, QUEUE, {"after": str(last)}, {"token": clerk}) as again:
            got = await _collect(again, len(missed))
            assert [int(u["seq"]) for u in got] == missed
            assert got[-1]["tasks"][0]["task"]["status"] == "NEEDS_MATERIALS"
            await _nothing_more(again)


async def test_citizens_have_no_unit_queue(settings: Settings, pool: Pool) -> None:
    async with api_servers(settings, 1) as (server,):
        citizen = await _login(server, pool, CITIZEN)
        async with Subscriber.open(server, QUEUE, {}, {"token": citizen}) as subscriber:
            message = json.loads(await asyncio.wait_for(subscriber.connection.recv(), 10))
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == "auth.forbidden"
