"""GET /metrics: Prometheus's text format, the processes' metrics and the state read now.

Open in dev. Outside dev a bearer token (DOORSTEP_METRICS_TOKEN) is required, and without
one configured the route refuses everyone: metrics name routes, error codes and volumes,
which is more than an anonymous caller should learn.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_401_UNAUTHORIZED
from prometheus_client import CollectorRegistry, generate_latest

from doorstep.i18n import choose_language, translate
from doorstep.observability import state as current
from doorstep.observability.exposition import CONTENT_TYPE, process_metrics, refusal
from doorstep.services.holidays import schedule_gaps


def _refusal(request: Request[Any, Any, Any], status: int, code: str) -> Response[Any]:
    language = choose_language(None, request.headers.get("accept-language"))
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTP_401_UNAUTHORIZED else None
    return Response(
        {"code": code, "message": translate(f"error.{code}", language)},
        status_code=status,
        headers=headers,
    )


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps = state.deps
    refused = refusal(deps.settings, request.headers.get("authorization"))
    if refused is not None:
        return _refusal(request, *refused)
    snapshot = await current.read(
        deps.pool, getattr(state, "redis", None), deps.settings, schedule_gaps(deps.calendar)
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(snapshot)
    body = process_metrics() + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE)
