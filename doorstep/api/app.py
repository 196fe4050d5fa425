"""The Litestar app factory: one pool, one queue connection, GraphQL and the HTTP routes."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, ClassVar, cast

import msgspec
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from litestar import Litestar, MediaType, Request, Response, post
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.response.base import ASGIResponse
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ASGIApp, Dependencies
from strawberry.litestar import make_graphql_controller
from strawberry.types import ExecutionResult

from doorstep.api import json_body, log_redaction
from doorstep.api.browser import SecurityHeaders, cors_config
from doorstep.api.dev_inbox import dev_inbox
from doorstep.api.files import ROUTES as FILE_ROUTES
from doorstep.api.health import healthz, readyz
from doorstep.api.open311 import ROUTES as OPEN311_ROUTES
from doorstep.api.prometheus import metrics
from doorstep.api.push import push_ack
from doorstep.api.refusals import refusal_status
from doorstep.api.sms_callbacks import sms_report, sms_up
from doorstep.api.ticket_rates import rates_csv
from doorstep.api.web import ROUTES as WEB_ROUTES
from doorstep.api.web import site, watch_files
from doorstep.config import Settings
from doorstep.domain.errors import DomainError
from doorstep.graphql import persisted, precompiled, precompiled_submit
from doorstep.graphql.context import Context, context_getter
from doorstep.graphql.errors import UNAVAILABLE
from doorstep.graphql.response_cache import ResponseCache
from doorstep.graphql.schema import build_schema
from doorstep.i18n import choose_language, translate
from doorstep.live import fanout
from doorstep.live import session as live
from doorstep.live.event_hub import EventHub
from doorstep.observability import procdir
from doorstep.observability.requests import RequestObserver
from doorstep.services import files, holidays
from doorstep.services.availability import (
    RETRY_AFTER_SECONDS,
    is_unavailable,
    read_retrying_once,
)
from doorstep.services.deps import Deps, build_calendar
from doorstep.store.db import Pool
from doorstep.store.db import create_pool as create_db_pool
from doorstep.workers.queue import OutboxBatches, enqueue_lanes

log = logging.getLogger(__name__)
GC_YOUNG_THRESHOLD = 50_000
# Answers are encoded by msgspec: the standard library's encoder took about 6% of an executed
# `myApplications` (700 fields). Same JSON, UTF-8 instead of \u escapes (the body is UTF-8).
_ENCODER = msgspec.json.Encoder()


def _unavailable(language: str) -> Response[Any]:
    return Response(
        {
            "code": UNAVAILABLE,
            "message": translate(
                "error.service.unavailable", language, seconds=RETRY_AFTER_SECONDS
            ),
            "retryAfterSeconds": RETRY_AFTER_SECONDS,
        },
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Non-GraphQL errors: a stable code and a translated message, never a trace."""
    language = choose_language(None, request.headers.get("accept-language"))
    if isinstance(exc, DomainError):  # refused before GraphQL ran (the body, the operation)
        return Response(
            {"code": exc.code, "message": translate(f"error.{exc.code}", language, **exc.params)},
            status_code=refusal_status(exc),
        )
    if is_unavailable(exc):
        log.warning("database out of reach on %s: %r", request.url.path, exc)
        return _unavailable(language)
    if isinstance(exc, HTTPException):
        code = {
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            400: "bad_request",
        }.get(exc.status_code, "http_error")
        return Response(
            {"code": code, "message": translate(f"error.http.{code}", language)},
            status_code=exc.status_code,
        )
    log.exception("unhandled error on %s", request.url.path)
    return Response(
        {"code": "internal", "message": translate("error.internal", language)},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


async def _json_object(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The body as strawberry will read it; None when it refuses it (not JSON, a NUL, too
    deep) or it is a batch: strawberry answers those below."""
    try:
        body = json_body.loads(await request.body())
    except Exception:
        return None
    return body if isinstance(body, dict) else None


def _empty_response() -> Response[Any]:
    """What strawberry's own `_response_getter` gives, made on the event loop."""
    return Response({}, background=BackgroundTasks([]))


def _json_answer(
    content: bytes, status: int = HTTP_200_OK, headers: dict[str, str] | None = None
) -> ASGIResponse:
    """An answer the handler built itself, handed to Litestar ready to send: a `Response`
    would be turned into this by Litestar on every request (about 2% of a submission)."""
    return ASGIResponse(
        body=content, media_type=MediaType.JSON, status_code=status, headers=headers
    )


def _submit_answer(submitted: precompiled_submit.Answer) -> ASGIResponse:
    """The precompiled submit's answer as the strawberry path sends it: 503 with Retry-After
    when the database was out of reach."""
    content = _ENCODER.encode(submitted.body)
    if submitted.unavailable:
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return _json_answer(content, HTTP_503_SERVICE_UNAVAILABLE, retry)
    return _json_answer(content)


def _persisted_refusal(refusal: persisted.Refusal, context: Context) -> ASGIResponse:
    """The error a persisted-query client understands (a retry with the document follows a
    PERSISTED_QUERY_NOT_FOUND), its message in the caller's language."""
    message = translate(
        persisted.MESSAGES[refusal.code], context.language, elder=bool(context.actor.elder_mode)
    )
    body = {"errors": [{"message": message, "extensions": {"code": refusal.code}}]}
    status = 200 if refusal.code == persisted.NOT_FOUND else 400
    return _json_answer(_ENCODER.encode(body), status)


def _our_controller(
    base: type[Any],
    plans: precompiled.Plans,
    submit_plans: precompiled_submit.SubmitPlans,
    documents: persisted.PersistedDocuments,
) -> type[Any]:
    """The strawberry controller with our JSON refusals (WebSockets: `live.connection`), and
    persisted documents (`graphql/persisted.py`)."""

    class GraphQLController(base):  # type: ignore[misc]
        # strawberry provides the response object through a worker thread (sync_to_thread):
        # a thread hand-off on every request for building an empty Response
        dependencies: ClassVar[Dependencies] = {
            **base.dependencies,
            "response": Provide(_empty_response, sync_to_thread=False),
        }

        @post(status_code=HTTP_200_OK)
        async def handle_http_post(self, request: Request[Any, Any, Any]) -> ASGIApp:
            # the context made here: through Litestar's injection its three dependencies
            # (context, root value, response) are resolved in a task group, three tasks on
            # every request, a tenth of a submission's CPU. What the handler answers itself
            # (persisted refusals, the response cache, the precompiled reads and submit)
            # leaves as an ASGIResponse; strawberry's Response as Litestar converts it.
            # The body first: a submission signs in with the statement that reads what it
            # needs first (`context_getter`); a persisted document's text is filled in once
            body = await _json_object(request)
            refusal = await documents.resolve(body) if body else None
            context = await context_getter(
                request.app.state,
                request.headers,
                request.scope,
                submitting=refusal is None and body is not None and submit_plans.recognises(body),
            )
            context.request = request
            if refusal is not None:
                return _persisted_refusal(refusal, context)
            cache: ResponseCache = request.app.state.response_cache
            key = ResponseCache.key(context.actor, context.language, body) if body else None
            version = None
            if key is not None:
                version = await read_retrying_once(
                    partial(cache.version, context.deps, context.actor)
                )
                cached = cache.get(key, version)
                if cached is not None:
                    return _json_answer(cached)
            if body:
                fast = await precompiled.answer(plans, context, body)
                if fast is not None:
                    content = _ENCODER.encode(fast)
                    if key is not None and version is not None:
                        cache.put(key, version, content)
                    return _json_answer(content)
                submitted = await precompiled_submit.answer(submit_plans, context, body)
                if submitted is not None:
                    return _submit_answer(submitted)
            context.response = self.temporal_response = _empty_response()
            executed = await self.execute_request(request=request, context=context, root_value=None)
            if key is not None and version is not None and executed.status_code in (None, 200):
                content = executed.content
                if isinstance(content, bytes) and b'"errors"' not in content:
                    cache.put(key, version, content)
            return cast("ASGIApp", executed)  # a Response: Litestar converts it (`to_response`)

        def decode_json(self, data: str | bytes) -> object:
            # too deep a body, or a NUL anywhere in it: refused before parsing (400)
            return json_body.loads(data)

        def parse_json(self, data: str | bytes) -> object:
            parsed = super().parse_json(data)
            if isinstance(parsed, dict) and parsed.get("query") in (None, ""):
                # a persisted document's hash: execute_request resolved (or refused) it first
                # and this process keeps it now
                wanted = persisted.requested_hash(parsed)
                known = documents.get(wanted) if isinstance(wanted, str) else None
                if known is not None:
                    parsed["query"] = known
            return parsed

        def encode_json(self, data: object) -> bytes:
            return _ENCODER.encode(data)

        async def process_result(
            self, request: Request[Any, Any, Any], result: ExecutionResult
        ) -> Any:
            if result.errors and any(
                (e.extensions or {}).get("code") == UNAVAILABLE for e in result.errors
            ):
                request.state.unavailable = True
            return await super().process_result(request=request, result=result)

        # strawberry answers what it refuses before GraphQL runs (a query by GET, a body that
        # is not JSON) in plain English text; raise it instead, to leave as JSON {code, message}
        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            response: Response[Any] = await super().execute_request(
                request=request, context=context, root_value=root_value
            )
            if (response.status_code or 200) >= 400 and response.media_type == MediaType.TEXT:
                raise HTTPException(status_code=response.status_code)
            if request.state.get("unavailable"):
                # the database was out of reach (a read has already been tried twice): 503, so
                # clients and proxies retry after the pause
                response.status_code = HTTP_503_SERVICE_UNAVAILABLE
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return GraphQLController


POOL_CLOSE_SECONDS = 10.0


async def close_pool(pool: Pool) -> None:
    """Close gracefully, but not forever: Pool.close waits for every connection to come back,
    and one held by a request that never ends would keep a stopping process alive."""
    try:
        async with asyncio.timeout(POOL_CLOSE_SECONDS):
            await pool.close()
    except TimeoutError:
        log.error("database connections still in use after %s s; closing them", POOL_CLOSE_SECONDS)
        pool.terminate()


def create_app(settings: Settings, trusted_documents: dict[str, str] | None = None) -> Litestar:
    """`trusted_documents`: the manifest as `serve` loaded it; None reads the configured one."""
    log_redaction.install()
    # a bad schedule file stops the start-up here, before any deadline is counted with it
    calendar = build_calendar(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_db_pool(
            settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
        )
        redis: ArqRedis = await create_pool(RedisSettings.from_dsn(settings.redis_url), retry=1)

        # concurrent requests' outbox rows go to Redis together (one script call a batch)
        outbox_batches = OutboxBatches(redis, settings.queue_name)

        async def lanes(items: list[tuple[int, str, int]]) -> None:
            await enqueue_lanes(redis, items, settings.queue_name)

        app.state.deps = Deps(
            pool=pool,
            settings=settings,
            calendar=calendar,
            enqueue_outbox=outbox_batches.enqueue,
            enqueue_lanes_now=lanes,
        )
        app.state.redis = redis
        deps = app.state.deps
        # the schedules an admin entered, and every change to them while the process runs
        await holidays.refresh(deps)
        calendar_refresh = asyncio.create_task(holidays.keep_fresh(deps))

        async def prepare(rows: list[Any]) -> None:
            await fanout.prefetch_states(deps, rows)

        hub = EventHub(
            pool,
            settings.database_url,
            poll_seconds=settings.progress_poll_seconds,
            prepare=prepare,
        )
        await hub.start()
        app.state.hub = hub
        # documents registered by hash are shared with the deployment's other processes
        documents.share(persisted.RedisDocuments(redis, f"{settings.queue_name}:persisted:"))
        live.install(
            live.LiveEndpoint(schema=schema, deps=app.state.deps, hub=hub, documents=documents)
        )
        app.state.response_cache = ResponseCache()
        # what start-up made (schema, catalogs, modules) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise re-scan it on every one
        gc.collect()
        gc.freeze()
        # A change fanned out to 10,000 subscribers allocates (and frees) a few objects for
        # each; at the default 700 allocations a young collection ran every 70 subscribers
        # and they added up to a third of the fan-out's time. Cycles wait a little longer.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)
        try:
            yield
        finally:
            calendar_refresh.cancel()
            live.install(None)
            documents.share(None)
            await hub.stop()
            await files.close_objects(deps)
            await outbox_batches.close()
            await redis.aclose()
            await close_pool(pool)
            procdir.process_exited()

    watch_files(settings.dev_mode)
    site()  # read the app's files now: a missing or unreadable one stops the start-up
    schema = build_schema(
        introspection=settings.dev_mode,
        max_depth=settings.graphql_max_depth,
        max_tokens=settings.graphql_max_tokens,
        max_aliases=settings.graphql_max_aliases,
    )
    if trusted_documents is None and settings.trusted_documents_file:
        trusted_documents = persisted.load_manifest(settings.trusted_documents_file)
    documents = persisted.PersistedDocuments(schema, trusted=trusted_documents)
    graphql = _our_controller(
        make_graphql_controller(
            schema,
            path="/graphql",
            context_getter=context_getter,
            graphql_ide="graphiql" if settings.dev_mode else None,
            allow_queries_via_get=False,
            # WebSockets never reach Litestar: the server's own WebSocket transport
            # (`live.connection`) speaks graphql-transport-ws; the legacy graphql-ws stays off
            subscription_protocols=(),
        ),
        precompiled.Plans(schema),
        precompiled_submit.SubmitPlans(schema),
        documents,
    )
    handlers: list[object] = [
        healthz,
        readyz,
        metrics,
        graphql,
        sms_report,
        sms_up,
        push_ack,
        rates_csv,
        *OPEN311_ROUTES,
        *FILE_ROUTES,
        *WEB_ROUTES,
    ]
    if settings.dev_mode:
        handlers.append(dev_inbox)
    return Litestar(
        route_handlers=handlers,  # type: ignore[arg-type]
        lifespan=[lifespan],
        exception_handlers={Exception: _error_response},
        middleware=[RequestObserver],
        request_max_body_size=settings.max_body_bytes,
        cors_config=cors_config(settings),
        before_send=[SecurityHeaders(settings)],
        debug=False,
    )
