"""Log-in by SMS code through the real GraphQL endpoint: codes, limits, sessions, languages.

Log-in codes are rate limited per phone (1 a minute, 5 an hour, 10 a day): instead of sleeping,
tests move `login_codes.created_at` back in time.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.integration.helpers import (
    REQUEST_CODE,
    VERIFY_CODE,
    error_code,
    fresh_phone,
    latest_code,
    login,
    post_gql,
)

MY_APPLICATIONS = "{ myApplications { number } }"
ME = "{ me { role } }"
LOGOUT = "mutation { logout }"


async def request_code(
    client: AsyncTestClient[Any], phone: str, *, language: str | None = None
) -> dict[str, Any]:
    body, _ = await post_gql(client, REQUEST_CODE, {"p": phone}, language=language)
    return body


async def verify(
    client: AsyncTestClient[Any],
    phone: str,
    code: str,
    *,
    as_staff: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    body, _ = await post_gql(
        client, VERIFY_CODE, {"p": phone, "c": code, "s": as_staff}, language=language
    )
    return body


async def age_codes(pool: Pool, phone: str, interval: str = "2 minutes") -> None:
    """Pretend the codes of this phone were sent `interval` earlier (instead of waiting)."""
    await pool.execute(
        f"update login_codes set created_at = created_at - interval '{interval}' where phone = $1",
        phone,
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def attempts(pool: Pool, phone: str) -> int:
    value: int = await pool.fetchval(
        "select attempts from login_codes where phone = $1 order by id desc limit 1", phone
    )
    return value


# --- first log-in, codes -------------------------------------------------------------------


async def test_first_login_creates_the_citizen(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    sent = await request_code(client, phone)
    assert "errors" not in sent, sent
    assert sent["data"]["requestLoginCode"] == {"phone": phone, "resendAfterSeconds": 60}
    body = await verify(client, phone, await latest_code(pool, phone))
    assert "errors" not in body, body
    session = body["data"]["verifyLoginCode"]
    assert session["role"] == "CITIZEN" and session["newCitizen"] is True
    assert await pool.fetchval("select count(*) from citizens where phone = $1", phone) == 1

    await age_codes(pool, phone)
    await request_code(client, phone)
    body = await verify(client, phone, await latest_code(pool, phone))
    assert body["data"]["verifyLoginCode"]["newCitizen"] is False
    assert await pool.fetchval("select count(*) from citizens where phone = $1", phone) == 1
    registered = await pool.fetchval(
        "select count(*) from events e join citizens c on c.id = e.citizen_id "
        "where c.phone = $1 and e.kind = 'citizen.registered'",
        phone,
    )
    assert registered == 1


async def test_phone_in_national_form_is_normalised(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    sent = await request_code(client, "  " + phone[3:6] + " " + phone[6:10] + "-" + phone[10:])
    assert sent["data"]["requestLoginCode"]["phone"] == phone, sent


@pytest.mark.parametrize("raw", ["12345", "abc", "+86 138 0013 800", "", "+8613800138001 ext 9"])
async def test_malformed_phone_is_refused_and_nothing_written(
    client: AsyncTestClient[Any], pool: Pool, raw: str
) -> None:
    before = [await pool.fetchval(f"select count(*) from {t}") for t in ("login_codes", "outbox")]
    body = await request_code(client, raw)
    assert error_code(body) == "phone.invalid"
    assert body["data"] is None
    body = await verify(client, raw, "123456")
    assert error_code(body) == "phone.invalid"
    after = [await pool.fetchval(f"select count(*) from {t}") for t in ("login_codes", "outbox")]
    assert after == before


async def test_wrong_code_counts_attempts(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    code = await latest_code(pool, phone)
    for expected in (1, 2):
        body = await verify(client, phone, wrong(code))
        assert error_code(body) == "login.code_wrong"
        assert body["data"] is None
        assert await attempts(pool, phone) == expected
    body = await verify(client, phone, code)
    assert "errors" not in body, body


async def test_five_wrong_tries_lock_the_code(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    code = await latest_code(pool, phone)
    codes = [error_code(await verify(client, phone, wrong(code))) for _ in range(5)]
    assert codes == ["login.code_wrong"] * 4 + ["login.too_many_attempts"]
    body = await verify(client, phone, code)
    assert error_code(body) == "login.too_many_attempts"
    assert await attempts(pool, phone) == 5
    assert await pool.fetchval("select count(*) from citizens where phone = $1", phone) == 0
    # a new code starts afresh
    await age_codes(pool, phone)
    await request_code(client, phone)
    body = await verify(client, phone, await latest_code(pool, phone))
    assert "errors" not in body, body


async def test_expired_code_is_refused(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    body = await verify(client, phone, "123456")
    assert error_code(body) == "login.code_expired"  # none was ever sent
    await request_code(client, phone)
    code = await latest_code(pool, phone)
    await pool.execute(
        "update login_codes set expires_at = now() - interval '1 second' where phone = $1", phone
    )
    body = await verify(client, phone, code)
    assert error_code(body) == "login.code_expired"


@pytest.mark.parametrize("code", ["12ab56", "1234567", "12345", "", "¹²³⁴⁵⁶", "١٢٣٤٥٦"])
async def test_code_of_wrong_format(client: AsyncTestClient[Any], pool: Pool, code: str) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    body = await verify(client, phone, code)
    assert error_code(body) == "login.code_format"
    assert await attempts(pool, phone) == 0


async def test_full_width_digits_are_read_as_digits(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    code = await latest_code(pool, phone)
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    body = await verify(client, phone, f" {full_width} ")
    assert "errors" not in body, body


async def test_code_is_single_use(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    code = await latest_code(pool, phone)
    assert "errors" not in await verify(client, phone, code)
    body = await verify(client, phone, code)
    assert error_code(body) == "login.code_expired"


async def test_newer_code_supersedes_older(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    old = await latest_code(pool, phone)
    await age_codes(pool, phone)
    await request_code(client, phone)
    new = await latest_code(pool, phone)
    if old != new:  # one chance in a million that both are the same six digits
        assert error_code(await verify(client, phone, old)) == "login.code_wrong"
    assert "errors" not in await verify(client, phone, new)
    # the older code does not come back to life once the newer one is used
    body = await verify(client, phone, old)
    assert error_code(body) in {"login.code_expired", "login.code_wrong"}, body


# --- rate limits ---------------------------------------------------------------------------


def retry_after(body: dict[str, Any]) -> int:
    assert error_code(body) == "login.too_many_codes", body
    assert body["data"] is None
    value: int = body["errors"][0]["extensions"]["retryAfterSeconds"]
    return value


async def test_one_code_a_minute_per_phone(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    assert "errors" not in await request_code(client, phone)
    body = await request_code(client, phone, language="en")
    seconds = retry_after(body)
    assert 0 < seconds <= 60
    assert f"{seconds} seconds" in body["errors"][0]["message"]
    assert await pool.fetchval("select count(*) from login_codes where phone = $1", phone) == 1
    assert await pool.fetchval("select count(*) from outbox where phone = $1", phone) == 1
    await age_codes(pool, phone)
    assert "errors" not in await request_code(client, phone)


async def test_five_codes_an_hour_ten_a_day(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    for _ in range(5):
        assert "errors" not in await request_code(client, phone)
        await age_codes(pool, phone)
    assert 60 < retry_after(await request_code(client, phone)) <= 3600

    await age_codes(pool, phone, "2 hours")
    for _ in range(5):
        assert "errors" not in await request_code(client, phone)
        await age_codes(pool, phone)
    await age_codes(pool, phone, "2 hours")
    assert 3600 < retry_after(await request_code(client, phone)) <= 86400
    assert await pool.fetchval("select count(*) from login_codes where phone = $1", phone) == 10

    await age_codes(pool, phone, "1 day")
    assert "errors" not in await request_code(client, phone)


async def test_codes_per_client_address(settings: Settings, pool: Pool) -> None:
    strict = dataclasses.replace(settings, login_codes_per_client_hour=3)
    # every test request comes from the same test-client address: start its hour afresh
    await pool.execute(
        "update login_codes set created_at = created_at - interval '2 hours' "
        "where client_addr = 'testclient' "
        "and created_at > now() - interval '1 hour'"
    )
    async with AsyncTestClient(app=create_app(strict)) as client:
        for _ in range(3):
            assert "errors" not in await request_code(client, fresh_phone())
        phone = fresh_phone()
        body = await request_code(client, phone)
        assert 0 < retry_after(body) <= 3600
        assert await pool.fetchval("select count(*) from login_codes where phone = $1", phone) == 0
        assert await pool.fetchval("select count(*) from outbox where phone = $1", phone) == 0


# --- SMS pumping ----------------------------------------------------------------------------

PUMPING_NUMBERS = [
    "+882167890123",  # satellite (international networks)
    "+8610 6552 9988",  # a Beijing landline
    "+44 7911 123456",  # a UK mobile: not an allowed region
    "+88163 9555 123",  # Iridium satellite
    "+1 900 555 0123",  # premium rate
    "+676 20 123",  # Tonga (a classic pumping destination)
]


@pytest.mark.parametrize("raw", PUMPING_NUMBERS)
async def test_codes_only_to_mobiles_of_allowed_regions(
    client: AsyncTestClient[Any], pool: Pool, raw: str
) -> None:
    before = await pool.fetchval("select count(*) from login_codes")
    body = await request_code(client, raw, language="en")
    assert error_code(body) == "login.number_not_allowed", body
    assert body["errors"][0]["message"] == translate("error.login.number_not_allowed", "en")
    assert await pool.fetchval("select count(*) from login_codes") == before


async def test_more_regions_can_be_allowed(settings: Settings, pool: Pool) -> None:
    wider = dataclasses.replace(settings, login_code_regions=("CN", "HK"))
    async with AsyncTestClient(app=create_app(wider)) as client:
        assert "errors" not in await request_code(client, "+852 5123 4567")
        # a Hong Kong landline is still refused
        assert error_code(await request_code(client, "+852 2123 4567")) == (
            "login.number_not_allowed"
        )


async def test_the_hourly_budget_pauses_codes_and_raises_an_ops_event(
    settings: Settings, pool: Pool
) -> None:
    sent = await pool.fetchval(
        "select count(*) from login_codes where created_at > now() - interval '1 hour'"
    )
    budget = dataclasses.replace(settings, login_codes_per_hour=sent + 2)
    events_before = await pool.fetchval(
        "select count(*) from events where kind = 'ops.login_codes_budget_exceeded'"
    )
    try:
        async with AsyncTestClient(app=create_app(budget)) as client:
            for _ in range(2):
                assert "errors" not in await request_code(client, fresh_phone())
            for _ in range(2):  # paused: refused, and the event raised once
                phone = fresh_phone()
                body = await request_code(client, phone, language="zh-Hant")
                assert error_code(body) == "login.codes_paused"
                wait = body["errors"][0]["extensions"]["retryAfterSeconds"]
                assert 3500 <= wait <= 3600
                assert body["errors"][0]["message"] == translate(
                    "error.login.codes_paused", "zh_Hant", retry_after_seconds=wait
                )
                assert (
                    await pool.fetchval("select count(*) from outbox where phone = $1", phone) == 0
                )
        assert (
            await pool.fetchval(
                "select count(*) from events where kind = 'ops.login_codes_budget_exceeded'"
            )
            == events_before + 1
        )
    finally:
        await pool.execute("delete from channel_pauses where channel = 'login_codes'")


# --- sessions ------------------------------------------------------------------------------


async def test_logout_revokes_the_token(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await login(client, pool, fresh_phone())
    body, _ = await post_gql(client, ME, token=token)
    assert body["data"]["me"] == {"role": "CITIZEN"}
    body, _ = await post_gql(client, LOGOUT, token=token)
    assert body == {"data": {"logout": True}}
    body, _ = await post_gql(client, MY_APPLICATIONS, token=token)
    assert error_code(body) == "auth.required"
    body, _ = await post_gql(client, ME, token=token)
    assert body["data"]["me"] is None
    body, _ = await post_gql(client, LOGOUT, token=token)
    assert error_code(body) == "auth.required"


async def test_expired_session_is_refused(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await login(client, pool, fresh_phone())
    body, _ = await post_gql(client, MY_APPLICATIONS, token=token)
    assert body == {"data": {"myApplications": []}}
    await pool.execute(
        "update sessions set expires_at = now() - interval '1 second' where token_hash = $1",
        hashlib.sha256(token.encode()).digest(),
    )
    body, _ = await post_gql(client, MY_APPLICATIONS, token=token)
    assert error_code(body) == "auth.required"


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer " + "x" * 5000, "Bearer ", "Basic dXNlcjpwYXNz", "garbage"],
)
async def test_garbage_authorization_is_anonymous(
    client: AsyncTestClient[Any], header: str
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { role } myApplications { number } }"},
        headers={"Authorization": header},
    )
    assert response.status_code == 200
    body = response.json()
    assert error_code(body) == "auth.required"
    assert "Traceback" not in response.text


async def test_citizen_phone_cannot_log_in_as_staff(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    await request_code(client, phone)
    sessions = await pool.fetchval("select count(*) from sessions")
    body = await verify(client, phone, await latest_code(pool, phone), as_staff=True)
    assert error_code(body) == "login.not_staff"
    assert body["data"] is None
    assert await pool.fetchval("select count(*) from sessions") == sessions


# --- languages -----------------------------------------------------------------------------

LANGUAGES = {"en": "en", "zh-CN": "zh_Hans", "zh-TW": "zh_Hant"}


@pytest.mark.parametrize("error", ["phone.invalid", "login.code_wrong", "login.too_many_codes"])
async def test_errors_in_the_callers_language(
    client: AsyncTestClient[Any], pool: Pool, error: str
) -> None:
    phone = fresh_phone()
    if error != "phone.invalid":
        await request_code(client, phone)
    code = wrong(await latest_code(pool, phone)) if error == "login.code_wrong" else ""
    messages: dict[str, str] = {}
    for header, language in LANGUAGES.items():
        if error == "phone.invalid":
            body = await request_code(client, "12345", language=header)
        elif error == "login.code_wrong":
            body = await verify(client, phone, code, language=header)
        else:
            body = await request_code(client, phone, language=header)
        assert error_code(body) == error
        message = body["errors"][0]["message"]
        params = {
            k: v
            for k, v in {
                "retry_after_seconds": body["errors"][0]["extensions"].get("retryAfterSeconds")
            }.items()
            if v is not None
        }
        assert message == translate(f"error.{error}", language, **params)
        messages[language] = message
    assert messages["en"].isascii()
    assert not messages["zh_Hans"].isascii() and not messages["zh_Hant"].isascii()
    assert len(set(messages.values())) == 3, messages


async def test_no_language_header_means_simplified_chinese(client: AsyncTestClient[Any]) -> None:
    body = await request_code(client, "abc")
    assert body["errors"][0]["message"] == translate("error.phone.invalid", "zh_Hans")
    body = await request_code(client, "abc", language="fr-FR, en;q=0.5")
    assert body["errors"][0]["message"] == translate("error.phone.invalid", "en")


async def test_login_code_sms_in_the_callers_language(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    await request_code(client, phone, language="zh-TW")
    language = await pool.fetchval(
        "select language from outbox where phone = $1 and kind = 'login_code'", phone
    )
    assert language == "zh_Hant"
