"""Per HTTP request: its id (for the logs and the jobs it enqueues) and its metrics.

One ASGI layer for both, and nothing allocated per request but the wrapped `send` and the
id: this runs for every request.
"""

from __future__ import annotations

import os
import random
import re
import time
from contextvars import ContextVar
from typing import Any

from doorstep.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

REQUEST_ID_HEADER = b"x-request-id"
# an id a proxy or client sent is kept only if it is short and plain: it is written to every
# log line of the request, so nothing that could forge a line or carry personal data
_SANE_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# An id only has to tell one request's log lines from another's: 96 random bits from a
# generator seeded once from the system's randomness. `secrets` asks the kernel for every id,
# a system call on each request (most of a per cent of a submission's CPU); nothing is
# guarded by an id, so it need not be unpredictable.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)  # a forked child draws its own ids


def new_request_id() -> str:
    return f"{_ids.getrandbits(96):024x}"


# the labelled metrics of each (route, method, status) seen: `labels()` takes a lock and
# builds a key on every call
_counted: dict[tuple[str, str, int], Any] = {}
_timed: dict[str, Any] = {}


def _record(route: str, method: str, status: int, seconds: float) -> None:
    counter = _counted.get((route, method, status))
    if counter is None:
        counter = _counted[(route, method, status)] = HTTP_REQUESTS.labels(
            route, method, str(status)
        )
    timer = _timed.get(route)
    if timer is None:
        timer = _timed[route] = HTTP_SECONDS.labels(route)
    counter.inc()
    timer.observe(seconds)


def accepted_request_id(raw: bytes | None) -> str:
    """The caller's id if sane, else a new one."""
    if raw is not None and _SANE_ID.fullmatch(raw):
        return raw.decode("ascii")
    return new_request_id()


class RequestObserver:
    """Litestar middleware: runs inside routing, so the route template is known (requests no
    route matches are answered before any middleware and are not counted)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                given = value
                break
        rid = accepted_request_id(given)
        token = request_id.set(rid)
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("path_template") or "unknown"
            _record(route, scope["method"], status, time.perf_counter() - started)
            request_id.reset(token)
