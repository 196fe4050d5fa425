"""An agent follows their principal over graphql-transport-ws (`actingFor` in connection_init),
and the subscription ends with `delegation.inactive` as soon as the principal revokes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Subscriber, api_servers, graphql
from tests.e2e.test_live_progress import _login
from tests.integration.helpers import fresh_phone

UPDATES = "subscription { myUpdates { seq applicationNumber event { kind } } }"


async def _message(subscriber: Subscriber) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(
            await asyncio.wait_for(subscriber.connection.recv(), 30)
        )
        if message["type"] == "ping":
            await subscriber.connection.send(json.dumps({"type": "pong"}))
            continue
        return message


async def test_a_revoked_agent_stops_hearing_at_once(settings: Settings, pool: Pool) -> None:
    # the periodic re-check is an hour here: only the revocation's own hint can end it
    env = {"DOORSTEP_DELEGATION_RECHECK_SECONDS": "3600"}
    async with api_servers(settings, 1, env) as (server,):
        mother_phone, daughter_phone = fresh_phone(), fresh_phone()
        mother = await _login(server, pool, mother_phone)
        daughter = await _login(server, pool, daughter_phone)
        asked = await graphql(
            server,
            """mutation($p: String!) { requestDelegation(
            principalPhone: $p, themes: [ALL], days: 30) { id } }""",
            {"p": mother_phone},
            daughter,
        )
        delegation_id = asked["data"]["requestDelegation"]["id"]
        await graphql(
            server,
            "mutation($id: ID!) { answerDelegation(id: $id, consent: true) { status } }",
            {"id": delegation_id},
            mother,
        )

        async with Subscriber.open(
            server, UPDATES, {}, {"token": daughter, "actingFor": mother_phone}
        ) as agent:
            await asyncio.sleep(0.5)  # let the subscription register before the change
            body = await graphql(
                server,
                'mutation { submitApplication(input: {bundleCode: "kindergarten"}) { number } }',
                token=mother,
            )
            number = body["data"]["submitApplication"]["number"]
            update = await _message(agent)
            assert update["type"] == "next", update
            assert update["payload"]["data"]["myUpdates"]["applicationNumber"] == number

            await graphql(
                server,
                "mutation($id: ID!) { revokeDelegation(id: $id) { status } }",
                {"id": delegation_id},
                mother,
            )
            ended = await _message(agent)
            errors = (
                ended["payload"] if ended["type"] == "error" else ended["payload"].get("errors")
            )
            assert errors and errors[0]["extensions"]["code"] == "delegation.inactive", ended

        # a new subscription as her agent is refused outright
        async with Subscriber.open(
            server, UPDATES, {}, {"token": daughter, "actingFor": mother_phone}
        ) as agent:
            refused = await _message(agent)
            errors = (
                refused["payload"]
                if refused["type"] == "error"
                else refused["payload"].get("errors")
            )
            assert errors and errors[0]["extensions"]["code"] == "delegation.inactive", refused
