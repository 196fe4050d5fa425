"""My notifications: one not sent yet already says what it will say, in the citizen's language
and wording, exactly as the text stored once it is sent; a log-in code never shows."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.pii import MASK, unseal_sms_params
from doorstep.i18n import translate
from doorstep.notify.channels import ConsoleChannel
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.conftest import TEST_DATA_KEY
from tests.fakes.aliyun_sms import FakeDysmsapi
from tests.integration.helpers import (
    REQUEST_CODE,
    forget_recent_codes,
    fresh_phone,
    gql,
    login,
)

HISTORY = "{ myNotifications(first: 10) { id kind status statusLabel text } }"
SUBMIT = 'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }'
SET_UP = """mutation($l: String!, $e: Boolean!) { setLanguage(language: $l) { language }
  setElderMode(on: $e) { elderMode } }"""


async def _citizen(client: AsyncTestClient[Any], pool: Pool, language: str, elder: bool) -> str:
    token = await login(client, pool, fresh_phone())
    body = await gql(client, SET_UP, {"l": language, "e": elder}, token=token)
    assert "errors" not in body, body
    return token


async def _record(client: AsyncTestClient[Any], token: str, outbox_id: int) -> dict[str, Any]:
    body = await gql(client, HISTORY, token=token)
    assert "errors" not in body, body
    [record] = [r for r in body["data"]["myNotifications"] if r["id"] == str(outbox_id)]
    return dict(record)


@pytest.mark.parametrize(
    ("language", "elder", "template"),
    [
        ("zh_Hans", False, "sms.application_submitted"),
        ("en", False, "sms.application_submitted"),
        ("zh_Hans", True, "sms.plain.application_submitted"),
        ("en", True, "sms.plain.application_submitted"),
    ],
)
async def test_a_pending_notification_says_what_it_will_say(
    client: AsyncTestClient[Any],
    pool: Pool,
    aliyun_settings: Settings,
    fake_aliyun: FakeDysmsapi,
    language: str,
    elder: bool,
    template: str,
) -> None:
    token = await _citizen(client, pool, language, elder)
    body = await gql(client, SUBMIT, token=token)
    assert "errors" not in body, body
    number = body["data"]["submitApplication"]["number"]
    row = await pool.fetchrow(
        "select o.id, o.template, o.status from outbox o join applications a "
        "on a.citizen_id = o.citizen_id where a.number = $1 and o.kind = 'application.submitted'",
        number,
    )
    assert row is not None
    assert (row["template"], row["status"]) == (template, "created")

    pending = await _record(client, token, row["id"])
    assert pending["statusLabel"] == translate("notify.status.created", language)
    text = pending["text"]
    assert text and number in text, pending
    # in the citizen's language and wording: the catalog's text, sign name first
    before_number = translate(template, language, number="\0", phone="").split("\0")[0]
    assert text.startswith(f"【{aliyun_settings.sms_sign_name}】{before_number}"), text

    # once sent, the stored text is the very text shown while it waited
    deps = Deps(pool=pool, settings=aliyun_settings)
    assert await notifications.deliver(deps, ConsoleChannel(), row["id"]) in ("sent", "delivered")
    sent = await _record(client, token, row["id"])
    assert sent["status"] != "created"
    assert sent["text"] == text


async def test_a_pending_log_in_code_shows_masked(client: AsyncTestClient[Any], pool: Pool) -> None:
    phone = fresh_phone()
    token = await login(client, pool, phone)  # she is a citizen now: her next code is hers
    await forget_recent_codes(pool, phone)
    body = await gql(client, REQUEST_CODE, {"p": phone})
    assert "errors" not in body, body
    row = await pool.fetchrow(
        "select id, params from outbox where phone = $1 and kind = 'login_code' "
        "order by id desc limit 1",
        phone,
    )
    assert row is not None
    code = str(unseal_sms_params(row["params"], TEST_DATA_KEY)["code"])
    pending = await _record(client, token, row["id"])
    assert pending["status"] == "created"
    assert pending["text"] and MASK in pending["text"], pending
    assert code not in pending["text"]
