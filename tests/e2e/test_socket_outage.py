"""A socket set up while the database is out of reach closes with 1013 (try again later),
which graphql-ws clients retry, not 4500, which they take as final; once the database is back
the same client gets in. The API process reaches PostgreSQL through a proxy that cuts every
connection, as a restart or a network blip does (the shared server is never touched)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.pg_proxy import PgProxy
from tests.e2e.servers import api_servers
from tests.e2e.test_live_progress import _sessions
from tests.e2e.test_live_socket import SUBPROTOCOLS, _acked, _closed_with


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[PgProxy]:
    p = PgProxy(settings.database_url)
    await p.start()
    yield p
    await p.stop()


async def test_database_out_of_reach_at_set_up_closes_with_1013_then_recovers(
    settings: Settings, pool: Pool, proxy: PgProxy
) -> None:
    behind_proxy = dataclasses.replace(settings, database_url=proxy.url)
    async with api_servers(behind_proxy, 1) as (server,):
        citizen, _staff = await _sessions(server, pool)
        proxy.cut()
        async with websockets.connect(server.ws, subprotocols=SUBPROTOCOLS) as ws:
            init = {"type": "connection_init", "payload": {"token": citizen}}
            await ws.send(json.dumps(init))
            assert await _closed_with(ws) == 1013
        # over HTTP alike: 503 with Retry-After and a code clients retry, never `internal`
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{server.base}/graphql",
                json={"query": "{ myApplications { number } }"},
                headers={"Authorization": f"Bearer {citizen}"},
            )
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert "service.unavailable" in response.text and "internal" not in response.text
        proxy.restore()
        async with _acked(server, citizen):
            pass  # the client's retry gets in
