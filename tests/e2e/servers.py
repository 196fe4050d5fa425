"""Real API processes for end-to-end tests, and a minimal graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import websockets
from websockets.typing import Subprotocol

from doorstep.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


# the bearer token of /metrics on the production-configured servers
METRICS_TOKEN = "m" * 64


def server_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DOORSTEP_DATA_KEY": base64.b64encode(settings.data_key).decode(),
        "DOORSTEP_INDEX_KEY": base64.b64encode(settings.index_key).decode(),
        "DOORSTEP_QUEUE": settings.queue_name,
        # production settings: no DOORSTEP_DEV; SMS by the console channel, chosen on purpose
        "DOORSTEP_DEV": "",
        "SMS_CALLBACK_TOKEN": settings.sms.callback_token,
        "DOORSTEP_METRICS_TOKEN": METRICS_TOKEN,
        "DOORSTEP_SMS_CHANNEL": "console",
        # online identity checks off on purpose: clerks check ID cards
        "DOORSTEP_IDENTITY_PROVIDER": "counter",
        # material files: production keeps none until a folder (or store) is named
        "DOORSTEP_FILES_DIR": settings.files_dir,
        "DOORSTEP_FILE_STORAGE": "disk" if settings.files_dir else "none",
        "DOORSTEP_LOGIN_CODES_PER_CLIENT_HOUR": "100000",
        "DOORSTEP_LOGIN_CODES_PER_HOUR": "100000",
        "DOORSTEP_TICKETS_PER_CITIZEN_HOUR": "100000",
        "DOORSTEP_TICKETS_PER_CITIZEN_DAY": "100000",
        "DOORSTEP_TICKETS_PER_CLIENT_HOUR": "100000",
        "DOORSTEP_APPLICATIONS_PER_CITIZEN_HOUR": "100000",
        "DOORSTEP_APPLICATIONS_PER_CITIZEN_DAY": "100000",
    }


@asynccontextmanager
async def api_servers(
    settings: Settings, count: int, extra_env: dict[str, str] | None = None
) -> AsyncIterator[list[Server]]:
    servers = []
    for _ in range(count):
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "doorstep",
            "serve",
            "--port",
            str(port),
            env={**server_env(settings), **(extra_env or {})},
        )
        servers.append(Server(process, port))
    try:
        async with httpx.AsyncClient() as client:
            for server in servers:
                # generous: with a test worker per core a start (imports, the schema) can take
                # far longer than alone; the deadline only catches a server that never comes up
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if (await client.get(f"{server.base}/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert server.process.returncode is None, "server exited"
                    assert time.monotonic() < deadline, "server not ready"
                    await asyncio.sleep(0.1)
        yield servers
    finally:
        for server in servers:
            if server.process.returncode is None:
                server.process.terminate()
        for server in servers:
            await server.process.wait()


async def graphql(
    server: Server, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server.base}/graphql",
            headers=headers,
            json={"query": query, "variables": variables or {}},
        )
    body: dict[str, Any] = response.json()
    return body


class Subscriber:
    """One graphql-transport-ws connection with one subscription."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def open(
        cls, server: Server, query: str, variables: dict[str, Any], params: dict[str, Any]
    ) -> AsyncIterator[Subscriber]:
        async with websockets.connect(
            server.ws, subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as connection:
            await connection.send(json.dumps({"type": "connection_init", "payload": params}))
            ack = json.loads(await asyncio.wait_for(connection.recv(), 10))
            assert ack["type"] == "connection_ack", ack
            await connection.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": query, "variables": variables},
                    }
                )
            )
            yield cls(connection)

    async def next(self, wait_seconds: float = 15) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), wait_seconds))
            if message["type"] == "ping":
                await self.connection.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            payload: dict[str, Any] = message["payload"]
            assert not payload.get("errors"), payload
            return payload
