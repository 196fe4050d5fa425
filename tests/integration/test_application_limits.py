"""Submitting applications is limited per citizen, an hour and a day: each one sends an SMS and
puts tasks in units' queues. The app here has tight limits; the citizens are fresh, so no other
test's applications count."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as
from tests.integration.helpers import fresh_phone, login

SUBMIT = "mutation($b: String!) { submitApplication(input: {bundleCode: $b}) { number } }"


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    limited = dataclasses.replace(
        settings, applications_per_citizen_hour=2, applications_per_citizen_day=3
    )
    async with AsyncTestClient(app=create_app(limited)) as client:
        yield client


async def _submit(client: AsyncTestClient[Any], token: str, language: str = "en") -> Any:
    return await gql_as(client, SUBMIT, {"b": "newborn"}, token=token, language=language)


def _refusal(body: dict[str, Any]) -> tuple[str, int, str]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"]["retryAfterSeconds"], error["message"]


async def _written(pool: Pool, phone: str) -> tuple[int, int]:
    """The citizen's applications and the SMS sent about them."""
    citizen_id = await pool.fetchval("select id from citizens where phone = $1", phone)
    applications = await pool.fetchval(
        "select count(*) from applications where citizen_id = $1", citizen_id
    )
    sms = await pool.fetchval(
        "select count(*) from outbox where citizen_id = $1 and kind = 'application.submitted'",
        citizen_id,
    )
    return applications, sms


async def test_a_citizen_submits_so_many_an_hour_and_a_day(
    tight: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    token = await login(tight, pool, phone)
    for _ in range(2):
        body = await _submit(tight, token)
        assert "errors" not in body, body
    code, wait, message = _refusal(await _submit(tight, token))
    assert code == "application.too_many" and 0 < wait <= 3600
    minutes = -(-wait // 60)
    assert message == translate("error.application.too_many", "en", retry_after_minutes=minutes)
    # the refusal wrote nothing and sent nothing
    assert await _written(pool, phone) == (2, 2)
    # in the citizen's other languages, and plainer in elder mode
    for header, language in (("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hant")):
        _code, _wait, text = _refusal(await _submit(tight, token, header))
        assert text == translate(
            "error.application.too_many", language, retry_after_minutes=minutes
        )
    await pool.execute("update citizens set elder_mode = true where phone = $1", phone)
    _code, _wait, plain = _refusal(await _submit(tight, token, "zh-CN"))
    assert plain == translate("error.application.too_many", "zh_Hans", elder=True)
    assert plain != message and "{" not in plain
    # another citizen is not held up
    assert "errors" not in await _submit(tight, await login(tight, pool, fresh_phone()))

    # two hours later the hourly limit has room again; the daily one (3) then holds
    await pool.execute(
        "update applications set created_at = created_at - interval '2 hours' "
        "where citizen_id = (select id from citizens where phone = $1)",
        phone,
    )
    assert "errors" not in await _submit(tight, token)
    code, wait, _message = _refusal(await _submit(tight, token))
    assert code == "application.too_many" and 3600 < wait <= 86400
    assert await _written(pool, phone) == (3, 3)
