"""The worker's own /metrics, for a worker on a machine of its own (Fly runs `worker` apart
from `serve`): its SMS results, reconciliations and job durations live in its process.

prometheus_client's WSGI app on the standard library's server, in a thread: a scrape never
waits on, or delays, the jobs on the event loop. The same token rule as the API's /metrics.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from doorstep.config import Settings
from doorstep.i18n import choose_language, translate
from doorstep.observability.exposition import CONTENT_TYPE, process_metrics, refusal

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None  # a scrape every 15 s is no news


def metrics_app(settings: Settings) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b""]
        refused = refusal(settings, environ.get("HTTP_AUTHORIZATION"))
        if refused is not None:
            status, code = refused
            language = choose_language(None, environ.get("HTTP_ACCEPT_LANGUAGE"))
            body = json.dumps(
                {"code": code, "message": translate(f"error.{code}", language)},
                ensure_ascii=False,
            ).encode()
            headers = [("Content-Type", "application/json")]
            if status == HTTPStatus.UNAUTHORIZED:
                headers.append(("WWW-Authenticate", "Bearer"))
            start_response(f"{status} {HTTPStatus(status).phrase}", headers)
            return [body]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
        return [process_metrics()]

    return app


class MetricsPort:
    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self._server: WSGIServer = make_server(
            host, port, metrics_app(settings), handler_class=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-port", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        log.info("worker metrics on port %d", self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
