"""Secrets that travel in URLs (the SMS callback token, Open311 api keys) never reach a log.

uvicorn's access log prints the path with its query string; a filter on its loggers rewrites
the values of secret parameters before any handler formats the line.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("token", "api_key", "access_token", "key")
_PATTERN = re.compile(
    r"(?i)(?P<name>(?:^|[?&;\s])(?:" + "|".join(SECRET_PARAMETERS) + r")=)(?P<value>[^&;\s\"']*)"
)
REDACTED = "[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def redact(text: str) -> str:
    return _PATTERN.sub(lambda m: m.group("name") + REDACTED, text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Once per process (idempotent): uvicorn's loggers drop secrets from URLs."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
