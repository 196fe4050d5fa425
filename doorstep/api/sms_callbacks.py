"""Callbacks from the SMS provider: delivery reports (SmsReport) and replies (SmsUp), HTTP push.

Aliyun pushes a JSON array and wants `{"code": 0, "msg": "接收成功"}` with HTTP 200; anything
else makes it push again (after 1, 5 and 10 minutes), so a report we cannot use but that was
well formed is still answered with code 0. A body that is not a JSON array is answered 400 and
writes nothing. When SMS_CALLBACK_TOKEN is set, the URL registered with Aliyun carries it as
`?token=`, and a push without it is refused.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN

from doorstep.i18n import choose_language, translate
from doorstep.services import sms_receipts, sms_replies

log = logging.getLogger(__name__)

# a push carries many reports; larger than the API's default body limit
REPORT_MAX_BYTES = 1024 * 1024


def _answer(
    request: Request[Any, Any, Any], status: int, code: int, key: str, **extra: int
) -> Response[dict[str, Any]]:
    # Aliyun reads only `code`; the message is for the people reading logs and tests
    language = choose_language(None, request.headers.get("accept-language"))
    return Response({"code": code, "msg": translate(key, language), **extra}, status_code=status)


@post("/sms/report", request_max_body_size=REPORT_MAX_BYTES)
async def sms_report(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    token = state.deps.settings.sms.callback_token
    if token and not hmac.compare_digest(
        request.query_params.get("token", "").encode(), token.encode()
    ):
        return _answer(request, HTTP_403_FORBIDDEN, 403, "sms_callback.forbidden")
    raw = await request.body()
    try:
        items = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _answer(request, HTTP_400_BAD_REQUEST, 400, "sms_callback.bad_json")
    if not isinstance(items, list):
        return _answer(request, HTTP_400_BAD_REQUEST, 400, "sms_callback.not_a_list")
    summary = await sms_receipts.record_reports(state.deps, items)
    if summary.unknown or summary.invalid:
        log.warning(
            "SMS report push: %d accepted, %d repeated, %d unknown, %d invalid",
            summary.accepted,
            summary.duplicates,
            summary.unknown,
            summary.invalid,
        )
    # the answer Aliyun expects is fixed Chinese, whatever the caller's language
    return Response(
        {
            "code": 0,
            "msg": translate("sms_callback.received", "zh_Hans"),
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "unknown": summary.unknown,
            "invalid": summary.invalid,
        },
        status_code=HTTP_200_OK,
    )


@post("/sms/up", request_max_body_size=REPORT_MAX_BYTES)
async def sms_up(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    """SmsUp: citizens' replies, a JSON array; each is handled once (see services.sms_replies)."""
    token = state.deps.settings.sms.callback_token
    if token and not hmac.compare_digest(
        request.query_params.get("token", "").encode(), token.encode()
    ):
        return _answer(request, HTTP_403_FORBIDDEN, 403, "sms_callback.forbidden")
    try:
        items = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _answer(request, HTTP_400_BAD_REQUEST, 400, "sms_callback.bad_json")
    if not isinstance(items, list):
        return _answer(request, HTTP_400_BAD_REQUEST, 400, "sms_callback.not_a_list")
    summary = await sms_replies.record_replies(state.deps, items)
    return Response(
        {
            "code": 0,
            "msg": translate("sms_callback.received", "zh_Hans"),
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "invalid": summary.invalid,
        },
        status_code=HTTP_200_OK,
    )
