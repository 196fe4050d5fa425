"""The database out of reach for a moment (a restart, a failover, a killed connection): the
answer says so with HTTP 503, `Retry-After` and the code `service.unavailable`, which clients
retry, never `internal`; a read tries once more by itself first. The connections are really
terminated on the real PostgreSQL (`pg_terminate_backend`), as a fast shutdown does to each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.graphql import context as graphql_context
from doorstep.i18n import translate
from doorstep.services import applications, preferences
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.helpers import fresh_phone, login

# the general way's reads: the list alone may be answered from the response cache, and beside
# `me` by the precompiled path; an application's timeline keeps it off both fast ways (and off
# the executor's compiled list), so strawberry resolves every field
MY_APPLICATIONS = "{ me { role } myApplications { number timeline { kind } } }"
SET_LANGUAGE = 'mutation { setLanguage(language: "en") { language } }'


def _pids(deps: Deps) -> list[int]:
    """The server processes behind the app's pool (asyncpg keeps them on its holders)."""
    holders = deps.pool._holders  # type: ignore[attr-defined]
    return [
        h._con.get_server_pid() for h in holders if h._con is not None and not h._con.is_closed()
    ]


async def _terminate_every_connection(deps: Deps) -> None:
    """What a PostgreSQL restart does to the app: each of its sessions ends (57P01), this one
    last, so the statement in flight fails as a request's would. Other sessions of the test
    database (the tests' own pool) are left alone."""
    async with deps.pool.acquire() as conn:
        await conn.execute(
            "select pg_terminate_backend(pid) from unnest($1::int[]) pid "
            "where pid <> pg_backend_pid()",
            _pids(deps),
        )
        await conn.execute("select pg_terminate_backend(pg_backend_pid())")


def _dying_once(real: Callable[..., Any], calls: list[int]) -> Callable[..., Any]:
    async def first_call_meets_a_restart(deps: Deps, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            await _terminate_every_connection(deps)
        return await real(deps, *args, **kwargs)

    return first_call_meets_a_restart


def _post(client: AsyncTestClient[Any], query: str, token: str, language: str = "en") -> Any:
    return client.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )


async def test_a_read_that_meets_a_restart_retries_once_by_itself(
    client: AsyncTestClient[Any], tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(
        applications, "my_applications", _dying_once(applications.my_applications, calls)
    )
    response = await _post(client, MY_APPLICATIONS, tokens["citizen"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert isinstance(body["data"]["myApplications"], list)
    assert len(calls) == 2  # the first met the restart, the second the reconnected pool


async def test_a_read_that_keeps_failing_answers_503_with_retry_after(
    client: AsyncTestClient[Any], pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await login(client, pool, fresh_phone())  # no language chosen: the header decides
    calls: list[int] = []

    async def always_down(deps: Deps, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        await _terminate_every_connection(deps)

    monkeypatch.setattr(applications, "my_applications", always_down)
    messages = set()
    for language in ("zh-CN", "zh-TW", "en"):
        response = await _post(client, MY_APPLICATIONS, token, language)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "service.unavailable", "retryAfterSeconds": 2}
        messages.add(error["message"])
    assert len(messages) == 3
    assert len(calls) == 6  # each read tried twice, never more


async def test_a_write_that_meets_a_restart_is_not_retried_and_says_503(
    client: AsyncTestClient[Any], pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await login(client, pool, fresh_phone())
    calls: list[int] = []
    monkeypatch.setattr(preferences, "set_language", _dying_once(preferences.set_language, calls))
    response = await _post(client, SET_LANGUAGE, token)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    assert response.json()["errors"][0]["extensions"]["code"] == "service.unavailable"
    assert len(calls) == 1  # a write's outcome is the client's to retry
    # the pool has reconnected: the client's retry goes through
    again = await _post(client, SET_LANGUAGE, token)
    assert again.status_code == 200 and "errors" not in again.json(), again.text
    assert len(calls) == 2


async def test_the_session_read_retries_once_then_answers_503(
    client: AsyncTestClient[Any], tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = actor_for_token  # the function the context looks up by name
    monkeypatch.setattr(graphql_context, "actor_for_token", _dying_once(real, calls))
    response = await _post(client, MY_APPLICATIONS, tokens["citizen"])
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    assert len(calls) == 2

    async def always_down(deps: Deps, *args: Any) -> Any:
        await _terminate_every_connection(deps)

    monkeypatch.setattr(graphql_context, "actor_for_token", always_down)
    response = await _post(client, MY_APPLICATIONS, tokens["citizen"], "zh-CN")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["code"] == "service.unavailable" and body["retryAfterSeconds"] == 2
    assert body["message"] == translate("error.service.unavailable", "zh_Hans", seconds=2)


async def test_idle_connections_killed_between_requests_cost_nothing(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    app_deps: Deps = client.app.state.deps
    assert (await _post(client, MY_APPLICATIONS, tokens["citizen"])).status_code == 200
    killed = await pool.fetchval(
        "select count(*) filter (where pg_terminate_backend(pid)) from unnest($1::int[]) pid",
        _pids(app_deps),
    )
    assert killed >= 1
    response = await _post(client, MY_APPLICATIONS, tokens["citizen"])
    assert response.status_code == 200 and "errors" not in response.json(), response.text
