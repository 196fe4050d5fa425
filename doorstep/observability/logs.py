"""Log lines as JSON objects, one a line, with the request id and job id, personal data masked.

stdlib logging with python-json-logger's formatter, not structlog: every module here, and
uvicorn, arq, asyncpg and the Aliyun SDK, already log through stdlib loggers, so one handler
on the root logger formats and masks every line, ours and theirs, with no second pipeline to
keep in step. Masking runs on the finished line (message, arguments, extra fields and any
traceback alike): nothing that reaches the output skips it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

from doorstep.observability.requests import request_id

job_id: ContextVar[str | None] = ContextVar("job_id", default=None)

# personal data as it appears in text. Order matters: keyed values first (a code or a name
# under its key), then shapes (tokens, resident IDs, phones).
_SECRET_KEYS = (
    r"token|access_?token|api_?key|authorization|password|secret"  # noqa: S105
    r"|name|full_?name|姓名|phone|mobile|手机号|手機號|id_?number|resident_?id|身份证号|身分證號"
)
_KEYED = re.compile(
    # 'key': 'value', "key": "value", key=value, key: value (a dict's repr, JSON, a URL query)
    rf"""(?ix)
    (?P<key>["']?\b(?:[a-z_]*_)?(?:{_SECRET_KEYS})["']?\s*[:=]\s*)
    (?P<quote>["'])?
    (?P<value>(?(quote)[^"'\\]*|[^\s,;&}}\]"']+))
    """,
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# 32+ characters of base64url: session tokens, keys, signatures
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
# resident identity card number: 6 region + 8 birth date + 3 sequence + check digit
_RESIDENT_ID = re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?!\d)")
# a login code under its key or in words ("'code': '123456'", "验证码是123456"); an error
# code ("code": "phone.invalid") is no secret and stays
_CODE_IN_TEXT = re.compile(r"(?i)((?:验证码|驗證碼|\b[a-z_]*code\b)\W{0,4}\D{0,8}?)\d{4,8}(?!\d)")
# mainland mobiles with or without +86, and other E.164 numbers: the last 4 digits stay
_PHONE = re.compile(
    r"(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)|\+\d{1,3}[- ]?\d{6,14}(?!\d)"
)
MASK = "***"


def _mask_keyed(match: re.Match[str]) -> str:
    if not match.group("value"):
        return match.group(0)
    return f"{match.group('key')}{match.group('quote') or ''}{MASK}"


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{MASK}{digits[-4:]}"


def mask(text: str) -> str:
    """The line with personal data replaced; what stays tells a support person which record
    to look at (the last 4 digits of a phone) and nothing more."""
    text = _BEARER.sub(rf"\1 {MASK}", text)
    text = _KEYED.sub(_mask_keyed, text)
    text = _TOKEN.sub(MASK, text)
    text = _RESIDENT_ID.sub(MASK, text)
    text = _CODE_IN_TEXT.sub(rf"\1{MASK}", text)
    return _PHONE.sub(_mask_phone, text)


class ContextFilter(logging.Filter):
    """Adds the request id and job id of the work the line belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        return True


class MaskedJsonFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            json_ensure_ascii=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class MaskedTextFormatter(logging.Formatter):
    """For a terminal in dev: the same masking, in plain text."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def configure(
    *, json_lines: bool, level: int = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """One handler on the root logger; every other handler goes (uvicorn's own included)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter: Callable[[], logging.Formatter] = (
        MaskedJsonFormatter if json_lines else MaskedTextFormatter
    )
    handler.setFormatter(formatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def configure_from_env(*, verbose: bool = False) -> logging.Handler:
    """DOORSTEP_LOG_FORMAT=json|text; JSON unless in dev (DOORSTEP_DEV), where a person reads
    the terminal."""
    chosen = os.environ.get("DOORSTEP_LOG_FORMAT", "").strip().lower()
    json_lines = chosen == "json" or (chosen != "text" and not os.environ.get("DOORSTEP_DEV"))
    return configure(json_lines=json_lines, level=logging.DEBUG if verbose else logging.INFO)
