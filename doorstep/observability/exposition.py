"""Who may read the metrics, and the processes' metrics in Prometheus's text format: shared by
the API's /metrics and the worker's own metrics port."""

from __future__ import annotations

import hmac

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from doorstep.config import Settings
from doorstep.observability import procdir

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def refusal(settings: Settings, authorization: str | None) -> tuple[int, str] | None:
    """(HTTP status, error code) if a scrape is refused, else None. Open in dev; elsewhere the
    bearer token is required, and with none configured everyone is refused."""
    token = settings.metrics_token
    if not token:
        return None if settings.dev_mode else (403, "metrics.disabled")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return 401, "metrics.unauthorized"
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
