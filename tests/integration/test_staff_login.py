"""Staff log-in: the SMS code and a TOTP second factor once enrolled (always, outside dev),
short staff sessions, and a record of every try that admins read."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain import pii
from doorstep.services.staff_totp import PURPOSE
from doorstep.store.db import Pool
from tests.conftest import TEST_DATA_KEY, TEST_INDEX_KEY
from tests.integration.helpers import (
    REQUEST_CODE,
    error_code,
    forget_recent_codes,
    fresh_phone,
    gql,
    latest_code,
    login,
)
from tests.integration.identity_helpers import TEST_TOTP_SECRET, staff_totp_code
from tests.integration.test_metrics import scrape, value

VERIFY = """mutation($p: String!, $c: String!, $t: String) {
  verifyLoginCode(phone: $p, code: $c, asStaff: true, totpCode: $t) { token role expiresAt } }"""
ENROL = "mutation { enrolStaffTotp }"
LOGINS = """query($s: ID) { staffLogins(staffId: $s) { staffId staffName phoneMasked clientAddr
  success reason } }"""


async def _new_staff(pool: Pool) -> tuple[int, str]:
    phone = fresh_phone().replace("+86137", "+86139")
    # not cy-psb: other tests look up "the" cy-psb clerk by unit and role
    unit_id = await pool.fetchval("select id from units where code = 'cy-culture'")
    staff_id: int = await pool.fetchval(
        """insert into staff_members (phone, name, unit_id, role) values ($1, '测试员', $2, 'staff')
           returning id""",
        phone,
        unit_id,
    )
    return staff_id, phone


async def _code(client: AsyncTestClient[Any], pool: Pool, phone: str) -> str:
    await forget_recent_codes(pool, phone)
    body = await gql(client, REQUEST_CODE, {"p": phone})
    assert "errors" not in body, body
    return await latest_code(pool, phone)


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """An app whose staff must have a second factor (as outside dev)."""
    strict = dataclasses.replace(settings, staff_totp_required=True)
    async with AsyncTestClient(app=create_app(strict)) as c:
        yield c


async def test_an_enrolled_staff_member_needs_a_fresh_totp_code(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    staff_id, phone = await _new_staff(pool)
    good = await staff_totp_code(pool, phone)
    sms = await _code(client, pool, phone)
    # the SMS code alone opens nothing
    body = await gql(client, VERIFY, {"p": phone, "c": sms})
    assert error_code(body) == "login.totp_required", body
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": wrong})
    assert error_code(body) == "login.totp_wrong", body
    # a wrong second factor spends one of the SMS code's five tries
    attempts = await pool.fetchval(
        "select attempts from login_codes where phone = $1 order by id desc limit 1", phone
    )
    assert attempts == 1
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": good})
    assert "errors" not in body, body
    # the same code again (a new SMS code): replayed within its window, refused
    sms = await _code(client, pool, phone)
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": good})
    assert error_code(body) == "login.totp_wrong", body
    sessions = await pool.fetchval("select count(*) from sessions where staff_id = $1", staff_id)
    assert sessions == 1


async def test_staff_sessions_are_short_and_citizens_keep_theirs(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings
) -> None:
    _staff_id, phone = await _new_staff(pool)
    await login(client, pool, phone, as_staff=True)
    await login(client, pool, fresh_phone())
    lengths = await pool.fetch(
        """select s.role, s.expires_at - s.created_at as length from sessions s
           join (select max(id) as id from sessions group by role = 'citizen') last
             on last.id = s.id"""
    )
    by_role = {r["role"]: r["length"] for r in lengths}
    assert by_role["staff"] == timedelta(hours=settings.staff_session_hours) == timedelta(hours=12)
    assert by_role["citizen"] == timedelta(days=settings.session_days)


async def test_outside_dev_a_staff_member_without_a_second_factor_cannot_log_in(
    strict_client: AsyncTestClient[Any], pool: Pool
) -> None:
    staff_id, phone = await _new_staff(pool)
    sms = await _code(strict_client, pool, phone)
    body = await gql(strict_client, VERIFY, {"p": phone, "c": sms})
    assert error_code(body) == "login.totp_not_enrolled", body
    assert await pool.fetchval("select count(*) from sessions where staff_id = $1", staff_id) == 0
    # the operators enrol them (`doorstep staff-totp`), then the code opens a session
    body = await gql(
        strict_client, VERIFY, {"p": phone, "c": sms, "t": await staff_totp_code(pool, phone)}
    )
    assert "errors" not in body, body


async def test_a_staff_member_enrols_once_and_the_secret_is_kept_encrypted(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    staff_id, phone = await _new_staff(pool)
    token = await _login_without_factor(client, pool, phone)
    body = await gql(client, ENROL, token=token)
    uri = body["data"]["enrolStaffTotp"]
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    secret = pyotp.parse_uri(uri).secret
    stored = await pool.fetchval("select secret_enc from staff_totp where staff_id = $1", staff_id)
    assert secret.encode() not in stored
    assert pii.decrypt(stored, TEST_DATA_KEY, purpose=PURPOSE) == secret
    # shown once: a second enrolment (a stolen session swapping the factor) is refused
    body = await gql(client, ENROL, token=token)
    assert error_code(body) == "staff_totp.already_enrolled", body
    # and from now on the authenticator's code is asked
    sms = await _code(client, pool, phone)
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": pyotp.TOTP(secret).now()})
    assert "errors" not in body, body


async def test_an_admin_enrols_another_staff_member_and_hands_the_uri_over(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    staff_id, phone = await _new_staff(pool)
    await staff_totp_code(pool, phone)  # enrolled, then the phone with the app is lost
    query = "mutation($s: ID!) { enrolStaffTotpFor(staffId: $s) }"
    body = await gql(client, query, {"s": str(staff_id)}, token=tokens["supervisor"])
    assert error_code(body) == "auth.forbidden", body
    body = await gql(client, query, {"s": str(staff_id)}, token=tokens["admin"])
    secret = pyotp.parse_uri(body["data"]["enrolStaffTotpFor"]).secret
    # the old factor's code opens nothing; the new one does
    sms = await _code(client, pool, phone)
    old = pyotp.TOTP(TEST_TOTP_SECRET).now()
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": old})
    assert error_code(body) == "login.totp_wrong", body
    body = await gql(client, VERIFY, {"p": phone, "c": sms, "t": pyotp.TOTP(secret).now()})
    assert "errors" not in body, body


async def _login_without_factor(client: AsyncTestClient[Any], pool: Pool, phone: str) -> str:
    sms = await _code(client, pool, phone)
    body = await gql(client, VERIFY, {"p": phone, "c": sms})
    assert "errors" not in body, body
    token: str = body["data"]["verifyLoginCode"]["token"]
    return token


async def test_every_staff_log_in_is_recorded_with_the_address_the_proxies_name(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    staff_id, phone = await _new_staff(pool)
    await staff_totp_code(pool, phone)
    before = await scrape(client)
    sms = await _code(client, pool, phone)
    wrong_sms = f"{(int(sms) + 1) % 10**6:06d}"
    # a client naming itself in X-Forwarded-For is not believed (no trusted proxy)
    headers = {"X-Forwarded-For": "203.0.113.9"}
    response = await client.post(
        "/graphql",
        json={"query": VERIFY, "variables": {"p": phone, "c": wrong_sms}},
        headers=headers,
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "login.code_wrong"
    await gql(client, VERIFY, {"p": phone, "c": sms})  # no second factor
    await login(client, pool, phone, as_staff=True)
    body = await gql(client, LOGINS, {"s": str(staff_id)}, token=tokens["admin"])
    rows = body["data"]["staffLogins"]
    assert [(r["success"], r["reason"]) for r in rows] == [
        (True, None),
        (False, "login.totp_required"),
        (False, "login.code_wrong"),
    ]
    assert {r["staffName"] for r in rows} == {"测试员"}
    assert all(r["phoneMasked"].startswith("+86 139****") for r in rows)
    assert all(r["clientAddr"] and r["clientAddr"] != "203.0.113.9" for r in rows)
    # and counted for the alerting side
    after = await scrape(client)
    for result, code in (("failure", "login.totp_required"), ("success", "")):
        grew = value(after, "doorstep_staff_logins_total", result=result, code=code) - value(
            before, "doorstep_staff_logins_total", result=result, code=code
        )
        assert grew >= 1, (result, code)
    # only admins read it
    for role in ("staff", "supervisor", "citizen"):
        body = await gql(client, LOGINS, {"s": str(staff_id)}, token=tokens[role])
        assert error_code(body) == "auth.forbidden", (role, body)
    body = await gql(client, LOGINS, {"s": str(staff_id)})
    assert error_code(body) == "auth.required"


async def test_the_operators_enrol_the_first_admin_from_the_command_line(
    settings: Settings, pool: Pool
) -> None:
    import asyncio
    import base64

    from doorstep.cli import main

    env = {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DOORSTEP_DATA_KEY": base64.b64encode(TEST_DATA_KEY).decode(),
        "DOORSTEP_INDEX_KEY": base64.b64encode(TEST_INDEX_KEY).decode(),
        "DOORSTEP_DEV": "",
    }
    staff_id, phone = await _new_staff(pool)
    runner = CliRunner()

    async def run(*args: str) -> Any:
        # the command runs its own event loop: off this one
        return await asyncio.to_thread(runner.invoke, main, list(args), env=env)

    first = await run("staff-totp", phone)
    assert first.exit_code == 0, first.output
    uri = first.output.strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/")
    stored = await pool.fetchval("select secret_enc from staff_totp where staff_id = $1", staff_id)
    assert pii.decrypt(stored, TEST_DATA_KEY, purpose=PURPOSE) == pyotp.parse_uri(uri).secret
    again = await run("staff-totp", phone)
    assert again.exit_code != 0 and "staff_totp.already_enrolled" in again.output
    reset = await run("staff-totp", phone, "--reset")
    assert reset.exit_code == 0, reset.output
    assert reset.output.strip().splitlines()[-1] != uri
    unknown = await run("staff-totp", "+8613700000000")
    assert unknown.exit_code != 0 and "login.not_staff" in unknown.output


async def test_staff_sessions_from_before_the_second_factor_end_with_the_migration(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    from pathlib import Path

    import doorstep.store

    staff_id, phone = await _new_staff(pool)
    await login(client, pool, phone, as_staff=True)
    citizen_phone = fresh_phone()
    await login(client, pool, citizen_phone)
    migration = (
        Path(doorstep.store.__file__).parent / "migrations/0016_staff_sessions_second_factor.sql"
    )
    ended = """select bool_and(s.revoked_at is not null) from sessions s
               left join citizens c on c.id = s.citizen_id
               where s.staff_id = $1 or c.phone = $2
               group by s.staff_id is null order by s.staff_id is null"""
    # run and rolled back: the other tests' staff sessions live on
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(migration.read_text())
            rows = await conn.fetch(ended, staff_id, citizen_phone)
        finally:
            await tx.rollback()
    # staff: ended; citizens: untouched
    assert [r[0] for r in rows] == [True, False]
