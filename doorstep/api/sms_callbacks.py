"""Callbacks from the SMS provider: delivery reports (SmsReport) and replies (SmsUp), HTTP push.

Aliyun pushes a JSON array and wants `{"code": 0, "msg": "接收成功"}` with HTTP 200; anything
else makes it push again (after 1, 5 and 10 minutes), so a report we cannot use but that was
well formed is still answered with code 0. A body that is not a JSON array is answered 400 and
writes nothing. The URLs registered with Aliyun carry SMS_CALLBACK_TOKEN as `?token=`; a push
without it, or with any other, is refused, and with no token configured every push is (a
forged reply could otherwise activate a delegation). With SMS_CALLBACK_NETWORKS set, pushes
come only from those networks. The token is kept out of the logs (`api.log_redaction`).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN

from doorstep.api import json_body
from doorstep.domain.errors import InvalidInput
from doorstep.domain.network import parse_networks, within
from doorstep.graphql.context import client_address
from doorstep.i18n import choose_language, translate
from doorstep.services import sms_receipts, sms_replies
from doorstep.services.deps import Deps

log = logging.getLogger(__name__)

# a push carries many reports; larger than the API's default body limit
REPORT_MAX_BYTES = 1024 * 1024


def _answer(
    request: Request[Any, Any, Any], status: int, code: int, key: str, **extra: int
) -> Response[dict[str, Any]]:
    # Aliyun reads only `code`; the message is for the people reading logs and tests
    language = choose_language(None, request.headers.get("accept-language"))
    return Response({"code": code, "msg": translate(key, language), **extra}, status_code=status)


def _refusal(request: Request[Any, Any, Any], deps: Deps) -> Response[dict[str, Any]] | None:
    """None when the push carries the token and comes from an allowed network."""
    sms = deps.settings.sms
    networks = parse_networks(sms.callback_networks)
    if networks and not within(client_address(deps, request.headers, request.scope), networks):
        log.warning("SMS callback refused: not from SMS_CALLBACK_NETWORKS")
        return _answer(request, HTTP_403_FORBIDDEN, 403, "sms_callback.forbidden_network")
    given = request.query_params.get("token", "")
    # compared in constant time; no token configured refuses everything
    if not sms.callback_token or not hmac.compare_digest(
        given.encode(), sms.callback_token.encode()
    ):
        return _answer(request, HTTP_403_FORBIDDEN, 403, "sms_callback.forbidden")
    return None


@post("/sms/report", request_max_body_size=REPORT_MAX_BYTES)
async def sms_report(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    refusal = _refusal(request, state.deps)
    if refusal is not None:
        return refusal
    raw = await request.body()
    try:
        items = json_body.loads(raw)
    except (ValueError, UnicodeDecodeError, InvalidInput):
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
    refusal = _refusal(request, state.deps)
    if refusal is not None:
        return refusal
    try:
        items = json_body.loads(await request.body())
    except (ValueError, UnicodeDecodeError, InvalidInput):
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
