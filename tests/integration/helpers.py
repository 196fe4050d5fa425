"""Talking to the real GraphQL endpoint the way a phone does."""

from __future__ import annotations

import itertools
from typing import Any

from arq.worker import Worker
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.pii import unseal_sms_params
from doorstep.store.db import Pool
from doorstep.workers.main import worker_settings
from tests.conftest import TEST_DATA_KEY
from tests.integration.identity_helpers import staff_totp_code

_phones = itertools.count(1)


def fresh_phone() -> str:
    """A number no other test uses: +86 137 xxxx xxxx (a valid mobile range)."""
    import os

    return f"+86137{os.getpid() % 10000:04d}{next(_phones):04d}"


async def _post(
    client: AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None,
    token: str | None,
    language: str | None,
    acting_for: str | None = None,
) -> Any:
    """POST /graphql with the headers a phone sends; the answer must be HTTP 200."""
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if acting_for is not None:
        headers["X-Acting-For"] = acting_for
    if language:
        headers["Accept-Language"] = language
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def gql(
    client: AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    response = await _post(client, query, variables, token, language)
    body: dict[str, Any] = response.json()
    return body


def error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    if not errors:
        return None
    code: str = errors[0]["extensions"]["code"]
    return code


async def latest_code(pool: Pool, phone: str) -> str:
    """The newest log-in code sent to `phone`, opened as the worker opens it (it is sealed at
    rest with the data key)."""
    params = await pool.fetchval(
        "select params from outbox where phone = $1 and kind = 'login_code' "
        "order by id desc limit 1",
        phone,
    )
    return str(unseal_sms_params(params, TEST_DATA_KEY)["code"])


REQUEST_CODE = "mutation($p: String!) { requestLoginCode(phone: $p) { phone resendAfterSeconds } }"
VERIFY_CODE = """mutation($p: String!, $c: String!, $s: Boolean!, $t: String) {
  verifyLoginCode(phone: $p, code: $c, asStaff: $s, totpCode: $t) { token role newCitizen } }"""


async def forget_recent_codes(pool: Pool, phone: str) -> None:
    """Age this phone's earlier codes past the rate-limit windows (tests log in the same
    demo accounts many times; the limits themselves have their own tests)."""
    await pool.execute(
        "update login_codes set created_at = created_at - interval '2 days' where phone = $1", phone
    )


async def login(
    client: AsyncTestClient[Any], pool: Pool, phone: str, *, as_staff: bool = False
) -> str:
    await forget_recent_codes(pool, phone)
    body = await gql(client, REQUEST_CODE, {"p": phone})
    assert "errors" not in body, body
    code = await latest_code(pool, body["data"]["requestLoginCode"]["phone"])
    # staff give their second factor too (TOTP: tests.integration.identity_helpers)
    totp = await staff_totp_code(pool, phone) if as_staff else None
    body = await gql(client, VERIFY_CODE, {"p": phone, "c": code, "s": as_staff, "t": totp})
    assert "errors" not in body, body
    token: str = body["data"]["verifyLoginCode"]["token"]
    return token


async def post_gql(
    client: AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    language: str | None = None,
    acting_for: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Like `gql`, but also returns the raw response text (to look for leaks and traces)."""
    response = await _post(client, query, variables, token, language, acting_for)
    assert_no_trace(response.text)
    body: dict[str, Any] = response.json()
    return body, response.text


def assert_no_trace(text: str) -> None:
    """Nothing of the server's insides reaches a client: no trace, no file paths."""
    for marker in ("Traceback", 'File "', "stacktrace", '.py", line'):
        assert marker not in text, text


async def row_counts(pool: Pool, *tables: str) -> dict[str, int]:
    """Rows per table, to show that a refused request wrote nothing."""
    names = tables or ("applications", "tasks", "events", "outbox")
    return {t: await pool.fetchval(f"select count(*) from {t}") for t in names}


class WorkerKilled(BaseException):
    """The process died here: no except clause of ours runs."""


def burst_worker(settings: Settings) -> Worker:
    """The real arq worker of `doorstep worker`, in burst mode: it drains the queue and ends."""
    options: dict[str, Any] = worker_settings(settings)
    options.update(burst=True, handle_signals=False, poll_delay=0.05, cron_jobs=[])
    return Worker(**options)


def from_peer(app: Any, address: str) -> Any:
    """The app as reached from `address` (the test client always connects as 'testclient'):
    what a proxy in front of the service, or a caller elsewhere, looks like to it."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "client": (address, 50000)}
        await app(scope, receive, send)

    return wrapped
