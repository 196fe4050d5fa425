"""Every Dysmsapi answer sorted into what delivery does next, code by code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.domain.calendar import SHANGHAI
from doorstep.notify.aliyun import aliyun_number, classify
from doorstep.notify.channels import Outcome

NOW = datetime(2026, 3, 10, 6, 20, 30, tzinfo=UTC)  # 14:20:30 in Beijing


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        ("OK", 200, Outcome.SENT),
        ("isp.SYSTEM_ERROR", 200, Outcome.RETRY),
        ("Throttling.User", 400, Outcome.RETRY),
        ("Throttling.Api", 400, Outcome.RETRY),
        ("Throttling", 503, Outcome.RETRY),
        ("ServiceUnavailable", 503, Outcome.RETRY),
        ("SDK.UnknownServerError", 502, Outcome.RETRY),
        ("InternalError", 500, Outcome.RETRY),
        ("SomethingNew", 500, Outcome.RETRY),  # any 5xx
        ("SignatureNonceUsed", 400, Outcome.RETRY),  # a fresh nonce fixes it
        ("isv.BUSINESS_LIMIT_CONTROL", 200, Outcome.DEFER),
        ("isv.DAY_LIMIT_CONTROL", 200, Outcome.DEFER),
        ("isv.AMOUNT_NOT_ENOUGH", 200, Outcome.PAUSE),
        ("InvalidAccessKeySecret", 400, Outcome.PAUSE),
        ("SignatureDoesNotMatch", 400, Outcome.PAUSE),
        ("InvalidAccessKeyId.NotFound", 404, Outcome.PAUSE),
        ("InvalidTimeStamp.Expired", 400, Outcome.PAUSE),
        ("isp.RAM_PERMISSION_DENY", 200, Outcome.PAUSE),
        ("isv.OUT_OF_SERVICE", 200, Outcome.PAUSE),
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.TEMPLATE_MISSING_PARAMETERS", 200, Outcome.PERMANENT),
        ("isv.TEMPLATE_PARAMS_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SMS_SIGNATURE_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SMS_SIGN_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SOME_NEW_TEMPLATE_RULE", 200, Outcome.PERMANENT),
        ("isv.PARAM_LENGTH_LIMIT", 200, Outcome.PERMANENT),
        ("isv.INVALID_JSON_PARAM", 200, Outcome.PERMANENT),
        ("isv.SOMETHING_NEW", 200, Outcome.TECHNICAL),
        ("MissingPhoneNumbers", 400, Outcome.TECHNICAL),
    ],
)
def test_codes(code: str, status: int, outcome: Outcome) -> None:
    assert classify(code, code, status, now=NOW)[0] is outcome


def test_network_errors_before_and_after_the_request_left() -> None:
    refused = (
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded (Caused by "
        "NewConnectionError('Failed to establish a new connection: [Errno 111] "
        "Connection refused'))"
    )
    assert classify("SDK.HttpError", refused, None, now=NOW, network=True)[0] is Outcome.RETRY
    for lost in (
        "HTTPConnectionPool(host='x', port=1): Read timed out. (read timeout=1)",
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection "
        "without response'))",
    ):
        assert classify("SDK.HttpError", lost, None, now=NOW, network=True)[0] is Outcome.UNKNOWN


def test_business_limit_defers_to_the_window_aliyun_names() -> None:
    def until(message: str) -> datetime:
        outcome, at = classify("isv.BUSINESS_LIMIT_CONTROL", message, 200, now=NOW)
        assert outcome is Outcome.DEFER and at is not None
        return at.astimezone(SHANGHAI)

    assert until("触发分钟级流控Permits:1").strftime("%d %H:%M:%S") == "10 14:21:05"
    assert until("触发小时级流控Permits:5").strftime("%d %H:%M:%S") == "10 15:00:05"
    assert until("触发天级流控Permits:10").strftime("%d %H:%M:%S") == "11 00:00:05"
    assert until("something else").astimezone(UTC) == NOW.replace(hour=7)
    _, day = classify("isv.DAY_LIMIT_CONTROL", "", 200, now=NOW)
    assert day is not None and day.astimezone(SHANGHAI).strftime("%d %H:%M") == "11 00:00"


def test_numbers_as_dysmsapi_wants_them() -> None:
    assert aliyun_number("+8613800138001") == "13800138001"
    assert aliyun_number("+85291234567") == "85291234567"
