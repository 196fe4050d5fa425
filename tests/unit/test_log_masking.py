"""Log output as it is written: one JSON object a line, with the request id, and no personal
data in any part of it (message, arguments, extra fields, tracebacks, other libraries' lines)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from doorstep.observability import logs
from doorstep.observability.requests import request_id

PHONE = "+8613800138001"
RESIDENT_ID = "11010519491231002X"
NAME = "张三丰"
TOKEN = "Zt7Qm1pLx0c9RvW2bYk4NnH8sJd6Fg3TaE5uVo_iC-w"
CODE = "482913"
SECRETS = (PHONE, "13800138001", RESIDENT_ID, NAME, TOKEN, CODE, "s3cret-callback")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_personal_data_is_masked_in_every_part_of_a_line(log_output: io.StringIO) -> None:
    log = logging.getLogger("doorstep.test")
    token = request_id.set("req-0123456789")
    try:
        log.info("SMS to %s: 您的验证码是%s，5分钟内有效", PHONE, CODE)
        log.info("outbox params %s", {"code": CODE, "name": NAME, "number": "BJ2026-000001"})
        log.warning("claimed resident id %s by 13800138001", RESIDENT_ID)
        log.info("headers %s", {"authorization": f"Bearer {TOKEN}"})
        log.info("callback GET /sms/up?token=s3cret-callback&from=%s", PHONE)
        log.info("citizen verified", extra={"full_name": NAME, "phone": PHONE})
        try:
            raise ValueError(f"no citizen with phone {PHONE} and id {RESIDENT_ID}")
        except ValueError:
            log.exception("lookup failed")
        # another library's logger, through the same root handler
        logging.getLogger("arq.worker").info("job deliver(%r) token=%s", PHONE, TOKEN)
    finally:
        request_id.reset(token)
    text = log_output.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    records = lines(log_output)
    assert len(records) == 8
    assert all(r["request_id"] == "req-0123456789" for r in records)
    first = records[0]
    assert first["level"] == "INFO" and first["logger"] == "doorstep.test"
    # what stays is enough to find the record, not the person
    assert first["message"] == "SMS to ***8001: 您的验证码是***，5分钟内有效"
    assert "BJ2026-000001" in records[1]["message"]
    assert "ValueError" in records[6]["exc_info"]
    assert records[5]["phone"] == "***"


def test_what_is_not_personal_stays_readable(log_output: io.StringIO) -> None:
    log = logging.getLogger("doorstep.test")
    log.warning(
        "outbox row 123456: technical-failure (%s) at 2026-12-06",
        {"code": "isv.BUSINESS_LIMIT_CONTROL"},
    )
    log.info("error %s for request %s", "phone.invalid", "9f86d081884c7d659a2feaa0")
    message = " ".join(r["message"] for r in lines(log_output))
    for kept in ("123456", "isv.BUSINESS_LIMIT_CONTROL", "phone.invalid", "2026-12-06"):
        assert kept in message
    assert all(r["request_id"] is None for r in lines(log_output))


def test_plain_text_for_dev_is_masked_too() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        logs.configure(json_lines=False, stream=stream)
        logging.getLogger("doorstep.test").info("code %s to %s", CODE, PHONE)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
    assert CODE not in stream.getvalue() and PHONE not in stream.getvalue()
    assert "***8001" in stream.getvalue()
