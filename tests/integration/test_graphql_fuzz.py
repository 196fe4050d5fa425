"""Schemathesis against the committed SDL: for every root field, generated documents (arguments
of every shape the schema allows, random selections) sent with no session, a citizen's and a
clerk's. Whatever they ask, the answer is HTTP 200 with data or refusals, never an internal
error: every refusal has a stable code and a message.

The fuzzer works on a database of its own: its mutations change whatever they may (the
citizen's elder mode and channel, a category retired), and the other tests of this process
read the shared demo data."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient, TestClient
from schemathesis.graphql import nodes

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.graphql.schema import SDL_PATH
from doorstep.store.db import create_pool
from tests.conftest import demo_database
from tests.integration.conftest import CITIZEN_PHONE
from tests.integration.helpers import login

# JSON (a form's fields): any short text
schemathesis.graphql.scalar("JSON", st.text(max_size=8).map(lambda v: nodes.String(value=v)))
SCHEMA = schemathesis.graphql.from_path(SDL_PATH)
WHO = ("anonymous", "citizen", "staff")
ENDS_SESSION = re.compile(r"\blogout\b")


@pytest.fixture(scope="module")
async def fuzz_settings(settings: Settings, run_id: str) -> AsyncIterator[Settings]:
    async with demo_database(f"doorstep_fuzz_{run_id}") as url:
        yield dataclasses.replace(settings, database_url=url, queue_name=f"doorstep:fuzz:{run_id}")


@pytest.fixture(scope="module")
async def fuzz_tokens(fuzz_settings: Settings) -> AsyncIterator[dict[str, str]]:
    """A citizen's and a clerk's session in the fuzzer's database."""
    pool = await create_pool(fuzz_settings.database_url, min_size=1, max_size=2)
    try:
        staff_phone = await pool.fetchval(
            "select s.phone from staff_members s join units u on u.id = s.unit_id "
            "where u.code = 'cy-psb' and s.role = 'staff' order by s.id limit 1"
        )
        async with AsyncTestClient(app=create_app(fuzz_settings)) as client:
            yield {
                "citizen": await login(client, pool, CITIZEN_PHONE),
                "staff": await login(client, pool, staff_phone, as_staff=True),
            }
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def sync_client(fuzz_settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(fuzz_settings)) as client:
        yield client


@SCHEMA.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_document_meets_an_internal_error(
    case: Any, sync_client: TestClient[Any], fuzz_tokens: dict[str, str]
) -> None:
    document = case.body if isinstance(case.body, str) else case.body["query"]
    for who in WHO:
        # `logout` would end the session every later test of this process shares (they then
        # met auth.required); it is fuzzed without one, and tested with one in test_login.py
        if who in fuzz_tokens and ENDS_SESSION.search(document):
            continue
        headers = {"Authorization": f"Bearer {fuzz_tokens[who]}"} if who in fuzz_tokens else {}
        response = sync_client.post("/graphql", json={"query": document}, headers=headers)
        assert response.status_code in (200, 400, 413, 429), (who, document, response.text)
        body = response.json()
        for error in body.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code and code != "internal", (who, document, error)
            assert error.get("message"), (who, document, error)
