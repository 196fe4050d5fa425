"""Filing tickets is limited (each can send SMS): per citizen per hour and per day, per client
address per hour for the app and Open311; a hotline clerk's filings count against the caller.

Each test runs its own app with tight limits, fresh citizens, and its own client address (sent
in the trusted proxy header), so no other test's tickets count."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.errors import RateLimited
from doorstep.domain.policy import Actor, Role
from doorstep.i18n import translate
from doorstep.services import api_keys
from doorstep.services.deps import Deps
from doorstep.services.tickets import submit as service
from doorstep.store.db import Pool
from tests.integration.helpers import fresh_phone, from_peer, login

HEADER = "x-test-client"
SUBMIT = """mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { number } }"""
NOISE = {
    "kind": "COMPLAINT",
    "categoryCode": "noise",
    "description": "楼上邻居深夜大声喧哗",
    "regionCode": "110105001001",
}


PROXY = "10.9.8.7"


def _address() -> str:
    # unique per test run: the documentation range 2001:db8::/32
    high, low = divmod(uuid.uuid4().int % 0xFFFF_FFFF + 1, 0x10000)
    return f"2001:db8::{high:x}:{low:x}"


@pytest.fixture
def tight(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        tickets_per_citizen_hour=2,
        tickets_per_citizen_day=3,
        tickets_per_client_hour=100_000,
        client_ip_header=HEADER,
        trusted_proxies=(PROXY,),
    )


@pytest.fixture
async def app_client(tight: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=from_peer(create_app(tight), PROXY)) as client:
        yield client


async def _submit(
    client: AsyncTestClient[Any],
    token: str,
    address: str,
    *,
    language: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", HEADER: address}
    if language:
        headers["Accept-Language"] = language
    response = await client.post(
        "/graphql", headers=headers, json={"query": SUBMIT, "variables": {"i": {**NOISE, **fields}}}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _refusal(body: dict[str, Any]) -> tuple[str, int, str]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"]["retryAfterSeconds"], error["message"]


async def _count(pool: Pool, phone: str) -> tuple[int, int]:
    tickets = await pool.fetchval(
        "select count(*) from tickets t join citizens c on c.id = t.citizen_id where c.phone = $1",
        phone,
    )
    sms = await pool.fetchval(
        "select count(*) from outbox where phone = $1 and kind = 'ticket.received'", phone
    )
    return tickets, sms


async def test_a_citizen_files_so_many_an_hour_and_a_day(
    app_client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone, address = fresh_phone(), _address()
    token = await login(app_client, pool, phone)
    for _ in range(2):
        assert "errors" not in await _submit(app_client, token, address)
    body = await _submit(app_client, token, address, language="en")
    code, wait, message = _refusal(body)
    assert code == "ticket.too_many" and 0 < wait <= 3600
    minutes = -(-wait // 60)
    assert message == translate("error.ticket.too_many", "en", retry_after_minutes=minutes)
    # the refusal wrote nothing and sent nothing
    assert await _count(pool, phone) == (2, 2)
    # the same refusal in the citizen's other languages, and plainer in elder mode
    for header, language in (("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hant")):
        _code, _wait, text = _refusal(await _submit(app_client, token, address, language=header))
        assert text == translate("error.ticket.too_many", language, retry_after_minutes=minutes)
    await pool.execute("update citizens set elder_mode = true where phone = $1", phone)
    _code, _wait, plain = _refusal(await _submit(app_client, token, address, language="zh-CN"))
    assert plain == translate("error.ticket.too_many", "zh_Hans", elder=True)
    assert plain != message and "{" not in plain
    # another citizen at the same address is not held up
    other = await login(app_client, pool, fresh_phone())
    assert "errors" not in await _submit(app_client, other, address)

    # an hour later the hourly limit has room again, the daily one (3) does not for long
    await pool.execute(
        "update tickets set created_at = created_at - interval '2 hours' "
        "where citizen_id = (select id from citizens where phone = $1)",
        phone,
    )
    assert "errors" not in await _submit(app_client, token, address)
    code, wait, _message = _refusal(await _submit(app_client, token, address))
    assert code == "ticket.too_many" and 3600 < wait <= 86400
    assert await _count(pool, phone) == (3, 3)


async def test_a_hotline_clerk_is_limited_per_caller_not_per_clerk(
    app_client: AsyncTestClient[Any], pool: Pool
) -> None:
    clerk_phone = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-civil-affairs' and s.role = 'staff'"
    )
    clerk = await login(app_client, pool, clerk_phone, as_staff=True)
    caller, address = fresh_phone(), _address()
    for _ in range(2):
        assert "errors" not in await _submit(app_client, clerk, address, citizenPhone=caller)
    code, _wait, _message = _refusal(await _submit(app_client, clerk, address, citizenPhone=caller))
    assert code == "ticket.too_many"
    # the caller's own app filings count against the same limit
    caller_token = await login(app_client, pool, caller)
    assert _refusal(await _submit(app_client, caller_token, _address()))[0] == "ticket.too_many"
    # the clerk goes on taking other callers' calls; the call centre's address is not counted
    for _ in range(3):
        assert "errors" not in await _submit(app_client, clerk, address, citizenPhone=fresh_phone())
    assert (
        await pool.fetchval(
            "select count(*) from tickets where channel = 'hotline' and client_addr is not null"
        )
        == 0
    )


async def test_one_address_files_so_many_an_hour_graphql_and_open311(
    settings: Settings, pool: Pool
) -> None:
    strict = dataclasses.replace(
        settings, tickets_per_client_hour=3, client_ip_header=HEADER, trusted_proxies=(PROXY,)
    )
    address = _address()
    async with AsyncTestClient(app=from_peer(create_app(strict), PROXY)) as client:
        tokens = [await login(client, pool, fresh_phone()) for _ in range(3)]
        for token in tokens[:2]:
            assert "errors" not in await _submit(client, token, address)
        app = await api_keys.issue(Deps(pool=pool, settings=strict), "app", ["open311:write"])
        form = {
            "api_key": app.key,
            "service_code": "noise",
            "address_id": "110105001001",
            "description": "楼下烧烤店凌晨还在营业",
        }
        created = await client.post(
            "/open311/v2/requests.json",
            data=form,
            headers={HEADER: address, "Authorization": f"Bearer {tokens[2]}"},
        )
        assert created.status_code == 201, created.text
        # the fourth from this address, whoever files it and however, is refused
        code, wait, _message = _refusal(await _submit(client, tokens[0], address))
        assert code == "ticket.too_many" and 0 < wait <= 3600
        refused = await client.post(
            "/open311/v2/requests.json",
            data=form,
            headers={
                HEADER: address,
                "Accept-Language": "en",
                "Authorization": f"Bearer {tokens[1]}",
            },
        )
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 3600
        [answer] = refused.json()
        assert answer["code"] == 429 and answer["error_code"] == "ticket.too_many"
        # in the citizen's own language (theirs wins over the header, as everywhere)
        minutes = -(-int(refused.headers["retry-after"]) // 60)
        assert answer["description"] == translate(
            "error.ticket.too_many", "zh_Hans", retry_after_minutes=minutes
        )
        # another address is not held up
        assert "errors" not in await _submit(client, tokens[0], _address())


async def test_concurrent_filings_cannot_pass_the_limit_together(
    tight: Settings, pool: Pool
) -> None:
    deps = Deps(pool=pool, settings=dataclasses.replace(tight, tickets_per_citizen_hour=3))
    phone = fresh_phone()
    citizen_id = await pool.fetchval("insert into citizens (phone) values ($1) returning id", phone)
    actor = Actor(role=Role.CITIZEN, citizen_id=citizen_id)
    data = service.TicketInput(
        kind="complaint",
        category_code="noise",
        description="夜里施工太吵",
        region_code="110105001002",
    )
    results = await asyncio.gather(
        *(service.submit_ticket(deps, actor, data, client_addr=_address()) for _ in range(8)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(refused) == 5 and all(r.code == "ticket.too_many" for r in refused)
    assert not [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, RateLimited)
    ]
    assert await _count(pool, phone) == (3, 3)
