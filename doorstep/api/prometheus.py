"""GET /metrics: Prometheus's text format, the processes' metrics and the state read now.

Open in dev. Outside dev a bearer token (DOORSTEP_METRICS_TOKEN) is required, and without
one configured the route refuses everyone: metrics name routes, error codes and volumes,
which is more than an anonymous caller should learn.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from doorstep.config import Settings
from doorstep.i18n import choose_language, translate
from doorstep.observability import procdir
from doorstep.observability import state as current

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _refusal(request: Request[Any, Any, Any], status: int, code: str) -> Response[Any]:
    language = choose_language(None, request.headers.get("accept-language"))
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTP_401_UNAUTHORIZED else None
    return Response(
        {"code": code, "message": translate(f"error.{code}", language)},
        status_code=status,
        headers=headers,
    )


def refusal_code(settings: Settings, authorization: str | None) -> tuple[int, str] | None:
    """Why a scrape is refused, or None to serve it."""
    token = settings.metrics_token
    if not token:
        return None if settings.dev_mode else (HTTP_403_FORBIDDEN, "metrics.disabled")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return HTTP_401_UNAUTHORIZED, "metrics.unauthorized"
    return None


def process_metrics() -> bytes:
    """This process's registry, or every process's files in multiprocess mode."""
    directories = procdir.directories()
    if not directories:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    for directory in directories:
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps = state.deps
    refused = refusal_code(deps.settings, request.headers.get("authorization"))
    if refused is not None:
        return _refusal(request, *refused)
    snapshot = await current.read(deps.pool, getattr(state, "redis", None), deps.settings)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(snapshot)
    body = process_metrics() + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE)
