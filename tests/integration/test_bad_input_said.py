"""The bad input of "no one left out", each refused with a stable code and a message in the
asker's language (English or traditional Chinese here, so a message that fell back to the
default language, or to its message id, shows): an SMS in an unknown format, a rating outside
1-5, a rating of someone else's ticket, a review asked after its window, an upload of the wrong
type, too large, or not what it claims, an upload grant used twice or expired, and Open311
requests with bad dates and ids. Each case's own behaviour is tested beside its feature; this
file holds them to the rule that every refusal is said."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number
from doorstep.domain.files import MAX_FILE_BYTES
from doorstep.i18n import translate
from doorstep.notify.sms_text import render_sms
from doorstep.services import sms_replies
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen
from tests.integration.helpers import fresh_phone, gql, login
from tests.integration.test_application_feedback import (
    REJECT,
    REQUEST_REVIEW,
    _ok,
    _psb_task,
    _refused_days_ago,
    _submitted,
)

Client = AsyncTestClient[Any]
HOTLINE_PREFIX = "106"
HAN = re.compile(r"[\u4e00-\u9fff]")
GRANT = "mutation { requestUploadGrant { token } }"
SUBMIT_TICKET = """mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { number } }"""
RATE = "mutation($n: String!, $g: Rating!) { rateTicket(number: $n, rating: $g) { rating } }"
NOISE = {
    "kind": "COMPLAINT",
    "categoryCode": "noise",
    "description": "楼上邻居深夜大声喧哗",
    "regionCode": "110105001001",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 20 + b"%%EOF"


def said(code: str, message: str, language: str, **params: Any) -> None:
    """`message` is the catalog's text for `code` in `language`, and is in that language."""
    assert message == translate(f"error.{code}", language, **params), (code, message)
    assert message and not message.startswith("error."), (code, message)
    if language == "en":
        assert not HAN.search(message), (code, message)
    else:
        assert message != translate(f"error.{code}", "zh_Hans", **params), (code, message)


def graphql_refusal(body: dict[str, Any]) -> tuple[str, str]:
    (error,) = body["errors"]
    return str(error["extensions"]["code"]), str(error["message"])


async def test_an_sms_in_an_unknown_format_is_answered_in_the_persons_language(
    deps: Deps, pool: Pool
) -> None:
    """Punctuation alone, and a case number with a wrong check digit: the help text and "that
    number is mistyped", each an SMS in the person's language."""
    _cid, phone = await make_citizen(pool, language="en", channel="sms")
    assert (await sms_replies.handle(deps, phone, "？？"))[1] == "help"
    mistyped = str(int(make_case_number("10", 1237)) + 1)
    assert (await sms_replies.handle(deps, phone, mistyped))[1] == "number_invalid"
    rows = await pool.fetch(
        "select kind, template, params, language from outbox where phone = $1 order by id", phone
    )
    assert [r["kind"] for r in rows] == ["sms_reply.help", "sms_reply.number_invalid"]
    for row in rows:
        assert row["language"] == "en"
        text = render_sms(row["template"], row["params"], "en", sign_name="")
        assert text and not HAN.search(text) and not text.startswith("sms."), text


async def test_a_rating_outside_one_to_five_and_of_someone_elses_ticket(
    client: Client, pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    token = await login(client, pool, fresh_phone())
    # someone who chose no language: the header's is theirs
    other = await login(client, pool, fresh_phone())
    body = await gql(client, SUBMIT_TICKET, {"i": NOISE}, token=token)
    number = body["data"]["submitTicket"]["number"]
    for language in ("en", "zh-Hant"):
        lang = "en" if language == "en" else "zh_Hant"
        # the API's levels are the five names; 6 (or 0) is no level
        for outside in (6, 0, "SIXTH"):
            code, message = graphql_refusal(
                await gql(client, RATE, {"n": number, "g": outside}, token=token, language=language)
            )
            assert code == "graphql.invalid"
            said("graphql.invalid", message, lang)
        # someone else's ticket is one that does not exist
        code, message = graphql_refusal(
            await gql(
                client,
                RATE,
                {"n": number, "g": "SATISFIED"},
                token=other,
                language=language,
            )
        )
        assert code == "ticket.not_found"
        said(code, message, lang)
    assert await pool.fetchval("select rating from tickets where number = $1", number) is None


async def test_a_rating_reply_outside_one_to_five_asks_again_in_the_persons_language(
    client: Client, pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, language="en", channel="sms")
    token = await login(client, pool, phone)
    number = (await gql(client, SUBMIT_TICKET, {"i": NOISE}, token=token))["data"]["submitTicket"][
        "number"
    ]
    for query in (
        "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }",
        'mutation($n: String!) { resolveTicket(number: $n, note: "done") { number } }',
    ):
        assert "errors" not in await gql(client, query, {"n": number}, token=tokens["staff"])
    assert (await sms_replies.handle(deps, phone, "1"))[1] == "follow_up"
    code = await pool.fetchval(
        "select extend_code from outbox where phone = $1 and kind = 'ticket.rating_question'",
        phone,
    )
    assert (await sms_replies.handle(deps, phone, "7", HOTLINE_PREFIX + code))[1] == (
        "rating_invalid"
    )
    again = await pool.fetchrow(
        "select template, params, language from outbox where phone = $1"
        " and kind = 'sms_reply.rating_invalid'",
        phone,
    )
    assert again is not None and again["language"] == "en"
    text = render_sms(again["template"], again["params"], "en", sign_name="")
    assert text and not HAN.search(text), text
    assert await pool.fetchval("select rating from tickets where number = $1", number) is None


async def test_a_review_asked_after_its_window(
    client: Client, pool: Pool, tokens: dict[str, str]
) -> None:
    token = await login(client, pool, fresh_phone())
    app = await _submitted(client, {"citizen": token})
    psb = _psb_task(app)
    await _ok(client, REJECT, {"t": psb}, tokens["staff"])
    await _refused_days_ago(pool, int(psb), 61)
    for language, lang in (("en", "en"), ("zh-Hant", "zh_Hant")):
        body = await gql(
            client, REQUEST_REVIEW, {"t": psb, "r": "请再看一次"}, token=token, language=language
        )
        code, message = graphql_refusal(body)
        assert code == "review.window_closed"
        ended = re.search(r"\d{4}-\d{2}-\d{2}", message)
        assert ended is not None, message
        said(code, message, lang, date=ended.group())
    assert (
        await pool.fetchval("select count(*) from task_reviews where task_id = $1", int(psb)) == 0
    )


async def _upload(client: Client, grant: str, content: bytes, media: str, language: str) -> Any:
    return await client.post(
        "/files",
        content=content,
        headers={"X-Upload-Grant": grant, "Content-Type": media, "Accept-Language": language},
    )


@pytest.mark.parametrize(
    ("content", "declared", "status", "code"),
    [
        (b"MZ\x90\x00 an executable", "image/png", 400, "file.type_not_accepted"),
        (PDF, "image/jpeg", 400, "file.type_mismatch"),
        (PNG, "image/jpeg", 400, "file.type_mismatch"),
        (b"\xff\xd8\xff" + bytes(MAX_FILE_BYTES), "image/jpeg", 413, "too_large"),
    ],
)
async def test_uploads_of_the_wrong_type_too_large_or_mismatched(
    client: Client,
    tokens: dict[str, str],
    content: bytes,
    declared: str,
    status: int,
    code: str,
) -> None:
    grant = (await gql(client, GRANT, token=tokens["citizen"]))["data"]["requestUploadGrant"][
        "token"
    ]
    for language, lang in (("en", "en"), ("zh-TW", "zh_Hant")):
        response = await _upload(client, grant, content, declared, language)
        assert response.status_code == status, response.text
        body = response.json()
        assert body["code"] in (code, f"file.{code}"), body
        key = body["code"] if body["code"].startswith("file.") else f"http.{body['code']}"
        said(key, body["message"], lang, limit_mb=MAX_FILE_BYTES // (1024 * 1024))


async def test_a_grant_used_twice_or_expired(
    client: Client, pool: Pool, tokens: dict[str, str]
) -> None:
    grant = (await gql(client, GRANT, token=tokens["citizen"]))["data"]["requestUploadGrant"][
        "token"
    ]
    assert (await _upload(client, grant, PNG, "image/png", "en")).status_code == 201
    for language, lang in (("en", "en"), ("zh-Hant", "zh_Hant")):
        again = await _upload(client, grant, PNG, "image/png", language)
        assert again.status_code == 409 and again.json()["code"] == "file.grant_used"
        said("file.grant_used", again.json()["message"], lang)
    grant = (await gql(client, GRANT, token=tokens["citizen"]))["data"]["requestUploadGrant"][
        "token"
    ]
    await pool.execute(
        "update upload_grants set expires_at = now() - interval '1 second'"
        " where id = (select max(id) from upload_grants)"
    )
    for language, lang in (("en", "en"), ("zh-Hant", "zh_Hant")):
        expired = await _upload(client, grant, PNG, "image/png", language)
        assert expired.status_code == 409 and expired.json()["code"] == "file.grant_expired"
        said("file.grant_expired", expired.json()["message"], lang)


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "values"),
    [
        ("requests.json", {"start_date": "2026-13-45T00:00:00Z"}, 400, "open311.bad_parameter",
         {"name": "start_date"}),
        ("requests.json", {"end_date": "yesterday"}, 400, "open311.bad_parameter",
         {"name": "end_date"}),
        ("requests.json",
         {"start_date": "2026-12-02T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}, 400,
         "open311.bad_parameter", {"name": "end_date"}),
        ("requests/abc.json", {}, 404, "ticket.not_found", {}),
        (f"requests/{int(make_case_number(TICKET_PREFIX, 1)) + 1}.json", {}, 404,
         "ticket.not_found", {}),
    ],
)  # fmt: skip
async def test_open311_bad_dates_and_ids(
    client: Client,
    path: str,
    params: dict[str, str],
    status: int,
    code: str,
    values: dict[str, str],
) -> None:
    for language, lang in (("en", "en"), ("zh-Hant", "zh_Hant")):
        response = await client.get(
            f"/open311/v2/{path}",
            params={"jurisdiction_id": "doorstep.example", **params},
            headers={"Accept-Language": language},
        )
        assert response.status_code == status, response.text
        (error,) = response.json()
        assert error["code"] == status and error["error_code"] == code
        said(code, error["description"], lang, **values)
