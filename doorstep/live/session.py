"""graphql-transport-ws, one session per WebSocket, over any socket that can send text.

The API process's WebSocket transport (`live.connection`) hands each text message here and
sends what comes back; one connection costs one small session object, and each operation one
task. Operations run through the strawberry schema (`Schema.stream`), with its parser and
validation caches, limits and error presentation; what differs from strawberry's own handler
is what 10,000 subscribers of one change cost: the `next` payload of a result shared by like
subscribers (see `live.fanout`) is encoded once, and a session holds no per-connection
task, request object or queue.

The protocol's rules and close codes: no `connection_init` within the time allowed 4408; a
second one 4429; a payload that is not an object 4400, one without a valid session 4403; an
operation before the ack 4401; an id already running 4409; a message that is not JSON or not
the protocol's 4400. Beyond `max_subscriptions` operations on one connection, the excess is
refused with an `error` message coded `ws.too_many_subscriptions`. A `subscribe` may name a
persisted document by hash instead of sending its text (`graphql/persisted.py`); one it cannot
serve is an `error` message coded as over HTTP (`PERSISTED_QUERY_NOT_FOUND`, ...), and so is
a document of several operations that names none (`graphql.operation_name_required`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections import OrderedDict
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.execution import ExecutionResult, PreExecutionError

from doorstep.domain.policy import ANONYMOUS
from doorstep.graphql.context import (
    Context,
    authenticate_connection,
    client_address,
    refresh_connection,
)
from doorstep.graphql.errors import present_all
from doorstep.graphql.loaders import Loaders
from doorstep.graphql.persisted import PersistedDocuments, requested_hash
from doorstep.graphql.schema import DoorstepSchema, names_none_of_several
from doorstep.i18n import choose_language, translate
from doorstep.live import short_path
from doorstep.live.event_hub import EventHub
from doorstep.services.availability import is_unavailable
from doorstep.services.deps import Deps

log = logging.getLogger(__name__)

SUBPROTOCOL = "graphql-transport-ws"
# operations one connection may start per window; more are refused until the window ends
SUBSCRIBES_PER_WINDOW = 120
SUBSCRIBE_WINDOW_SECONDS = 60.0
ENCODED_ENTRIES = 64


class EncodedPayloads:
    """The JSON of recent `next` payloads, by the identity of their data: a result shared by
    10,000 subscribers is encoded once. An entry keeps its data alive, so an identity found
    here is the very same object, never a newer one at a reused address."""

    def __init__(self, max_entries: int = ENCODED_ENTRIES) -> None:
        self._entries: OrderedDict[int, tuple[object, str]] = OrderedDict()
        self._messages: OrderedDict[tuple[str, int], tuple[object, str]] = OrderedDict()
        self._max = max_entries
        self.encoded = 0

    def payload(self, data: object) -> str:
        entry = self._entries.get(id(data))
        if entry is not None and entry[0] is data:
            return entry[1]
        text = json.dumps({"data": data}, separators=(",", ":"))
        self.encoded += 1
        self._entries[id(data)] = (data, text)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return text

    def message(self, prefix: str, data: object) -> str:
        """The whole `next` message: one text object for every subscriber whose operation
        has the same id (most clients' first is "1"), so the socket frames it once too."""
        key = (prefix, id(data))
        entry = self._messages.get(key)
        if entry is not None and entry[0] is data:
            return entry[1]
        text = prefix + self.payload(data) + "}"
        self._messages[key] = (data, text)
        while len(self._messages) > self._max:
            self._messages.popitem(last=False)
        return text


encoded_payloads = EncodedPayloads()


class Socket(Protocol):
    """What a session needs of its WebSocket."""

    def send_text(self, text: str, shared: bool = False) -> None:
        """`shared`: this very text object goes to many sockets."""

    def close(self, code: int, reason: str) -> None: ...

    @property
    def paused(self) -> bool:
        """The peer has not taken what was sent: what comes next waits."""

    async def writable(self) -> None:
        """Return once the peer has taken enough of what was sent (a slow reader waits)."""


class Result(Protocol):
    """An execution result, strawberry's or graphql-core's."""

    data: Any
    errors: Any
    extensions: Any


@dataclass
class LiveEndpoint:
    """What every session of this process shares: the schema, the deps, the event hub and
    the documents known by hash (those the HTTP endpoint knows)."""

    schema: DoorstepSchema
    deps: Deps
    hub: EventHub | None
    documents: PersistedDocuments = field(default_factory=PersistedDocuments)
    plans: short_path.Plans = field(init=False)

    def __post_init__(self) -> None:
        self.plans = short_path.Plans(self.schema)

    def session(
        self, socket: Socket, headers: Mapping[str, str], client: tuple[str, int] | None
    ) -> TransportWSSession:
        accept = headers.get("accept-language")
        context = Context(
            deps=self.deps,
            hub=self.hub,
            actor=ANONYMOUS,
            language=choose_language(None, accept),
            accept_language=accept,
            client_addr=client_address(self.deps, headers, {"client": client}),
            loaders=Loaders(self.deps),
        )
        return TransportWSSession(self, socket, context)


_endpoint: LiveEndpoint | None = None


def install(endpoint: LiveEndpoint | None) -> None:
    """Where this process's WebSocket transport finds the app; None while it is not running."""
    global _endpoint
    _endpoint = endpoint


def current() -> LiveEndpoint | None:
    return _endpoint


class TransportWSSession:
    __slots__ = (
        "_acknowledged",
        "_closed",
        "_endpoint",
        "_init",
        "_init_received",
        "_init_timer",
        "_operations",
        "_socket",
        "_window_count",
        "_window_start",
        "context",
    )

    def __init__(self, endpoint: LiveEndpoint, socket: Socket, context: Context) -> None:
        self._endpoint = endpoint
        self._socket = socket
        self.context = context
        self._init: asyncio.Task[None] | None = None
        self._init_received = False
        self._init_timer: asyncio.TimerHandle | None = None
        self._acknowledged = False
        self._operations: dict[str, asyncio.Task[None]] = {}
        self._closed = False
        self._window_start = 0.0
        self._window_count = 0

    # -- the socket's side

    def opened(self) -> None:
        wait = self._endpoint.deps.settings.ws_init_timeout_seconds
        self._init_timer = asyncio.get_running_loop().call_later(wait, self._init_timed_out)

    def received(self, text: str) -> None:
        if self._closed:
            return
        try:
            message = json.loads(text)
        except ValueError:
            return self._refuse(4400, "WebSocket message must be valid JSON")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return self._refuse(4400, "Failed to parse message")
        kind = message["type"]
        if kind == "connection_init":
            self._connection_init(message.get("payload"))
        elif kind == "ping":
            self._socket.send_text('{"type":"pong"}')
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            self._subscribe(message)
        elif kind == "complete":
            op_id = message.get("id")
            task = self._operations.pop(op_id, None) if isinstance(op_id, str) else None
            if task is not None:
                task.cancel()
        else:
            self._refuse(4400, f"Unknown message type: {kind[:40]}")

    def binary_received(self) -> None:
        self._refuse(4400, "WebSocket message type must be text")

    def closed(self) -> None:
        """The connection is gone: stop everything it started."""
        self._closed = True
        if self._init_timer is not None:
            self._init_timer.cancel()
        if self._init is not None:
            self._init.cancel()
        for task in self._operations.values():
            task.cancel()
        self._operations.clear()

    @property
    def operation_count(self) -> int:
        return len(self._operations)

    # -- the protocol

    def _refuse(self, code: int, reason: str) -> None:
        if not self._closed:
            self._socket.close(code, reason)
            self.closed()

    def _init_timed_out(self) -> None:
        self._init_timer = None
        if not self._init_received:
            self._refuse(4408, "Connection initialisation timeout")

    def _connection_init(self, payload: Any) -> None:
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            return self._refuse(4400, "Invalid connection init payload")
        if self._init_received:
            return self._refuse(4429, "Too many initialisation requests")
        self._init_received = True
        if self._init_timer is not None:
            self._init_timer.cancel()
            self._init_timer = None
        self.context.connection_params = payload
        self._init = asyncio.ensure_future(self._authenticate())

    async def _authenticate(self) -> None:
        try:
            await authenticate_connection(self.context)
        except ConnectionRejectionError:
            return self._refuse(4403, "Forbidden")
        except Exception as exc:
            if is_unavailable(exc):
                # the database out of reach for a moment: 1013 (try again later), which
                # graphql-ws clients retry; 4500 they take as final, and the page would stop
                log.warning("WebSocket set-up: database out of reach: %r", exc)
                return self._refuse(1013, "Try again later")
            log.exception("authenticating a WebSocket connection failed")
            return self._refuse(4500, "Internal error")
        finally:
            self._init = None  # a finished task would be kept for the connection's life
            # the token has done its work: it is not kept for the connection's life either
            self.context.connection_params = None
        if not self._closed:
            self._acknowledged = True
            self._socket.send_text('{"type":"connection_ack"}')

    def _subscribe(self, message: dict[str, Any]) -> None:
        if not self._acknowledged:
            return self._refuse(4401, "Unauthorized")
        op_id, payload = message.get("id"), message.get("payload")
        if (
            not isinstance(op_id, str)
            or not op_id
            or len(op_id) > 100
            or not isinstance(payload, dict)
            # or no text but a persisted document's hash (`graphql/persisted.py`)
            or not (isinstance(payload.get("query"), str) or requested_hash(payload))
            or not isinstance(payload.get("variables") or {}, dict)
            or not isinstance(payload.get("operationName") or "", str)
        ):
            return self._refuse(4400, "Invalid subscribe message")
        if op_id in self._operations:
            return self._refuse(4409, f"Subscriber for {op_id} already exists")
        limit = self._endpoint.deps.settings.ws_max_subscriptions
        if len(self._operations) >= limit:
            return self._send_refusal(op_id, "ws.too_many_subscriptions", limit=limit)
        wait = self._subscribed_too_often()
        if wait:
            return self._send_refusal(
                op_id, "ws.subscribing_too_fast", retryAfterSeconds=wait, seconds=wait
            )
        self._operations[op_id] = asyncio.ensure_future(self._run(op_id, payload))

    def _subscribed_too_often(self) -> int:
        """Seconds to wait when this connection has started `SUBSCRIBES_PER_WINDOW`
        operations in the current window (each costs a parse and an authorization read:
        subscribe-complete in a loop must not cost the database without end); else 0."""
        now = asyncio.get_running_loop().time()
        if now - self._window_start >= SUBSCRIBE_WINDOW_SECONDS:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        if self._window_count <= SUBSCRIBES_PER_WINDOW:
            return 0
        return max(1, math.ceil(self._window_start + SUBSCRIBE_WINDOW_SECONDS - now))

    def _send_refusal(self, op_id: str, code: str, **params: Any) -> None:
        self._send(self._refusal(op_id, code, **params))

    def _refusal(self, op_id: str, code: str, **params: Any) -> dict[str, Any]:
        """An `error` message: a stable code and the text in the caller's language."""
        retry = params.pop("retryAfterSeconds", None)
        extensions: dict[str, Any] = {"code": code}
        if retry is not None:
            extensions["retryAfterSeconds"] = retry
        message = translate(
            f"error.{code}", self.context.language, elder=self.context.elder, **params
        )
        return {
            "id": op_id,
            "type": "error",
            "payload": [{"message": message, "extensions": extensions}],
        }

    async def _run(self, op_id: str, payload: dict[str, Any]) -> None:
        """One operation: a subscription's results until it ends, or a query's one result;
        then `complete`, unless the client completed it first or the connection closed."""
        endpoint = self._endpoint
        try:
            if not await refresh_connection(self.context):
                return self._refuse(4403, "Forbidden")
            refusal = await endpoint.documents.resolve(payload)
            if refusal is not None:  # as over HTTP: the client may send the text with the hash
                return self._final(op_id, self._refusal(op_id, refusal.code))
            query, variables = payload.get("query"), payload.get("variables")
            operation_name = payload.get("operationName")
            if not isinstance(query, str):
                return self._refuse(4400, "Invalid subscribe message")
            if names_none_of_several(query, operation_name or None):
                # GraphQL's rule, as over HTTP: which one to run is not said, so none runs
                return self._final(op_id, self._refusal(op_id, "graphql.operation_name_required"))
            prefix = '{"id":' + json.dumps(op_id) + ',"type":"next","payload":'

            def send_now(result: Result) -> bool:
                if self._closed or op_id not in self._operations:
                    return True  # nobody left to send it to
                if self._socket.paused:
                    return False  # it waits in the queue, in order, for the socket
                self._next(prefix, result)
                return True

            lean = short_path.start(
                endpoint.schema,
                endpoint.plans,
                self.context,
                query,
                variables,
                operation_name,
                send_now,
            )
            if lean is not None:
                return await self._lean(op_id, prefix, lean)
            stream = await endpoint.schema.stream(
                query,
                variable_values=variables,
                context_value=self.context,
                operation_name=operation_name,
            )
            async with contextlib.aclosing(stream):
                first = True
                async for result in stream:
                    if first and isinstance(result, PreExecutionError):
                        # invalid or over a limit: presented by the schema (graphql.invalid)
                        return self._final(op_id, self._error(op_id, result.errors or []))
                    first = False
                    if not isinstance(result, ExecutionResult):
                        return self._final(
                            op_id,
                            self._error(
                                op_id,
                                [
                                    GraphQLError(
                                        "Incremental delivery is not supported over "
                                        "graphql-transport-ws"
                                    )
                                ],
                            ),
                        )
                    await self._socket.writable()
                    if self._closed or op_id not in self._operations:
                        return
                    self._next(prefix, result)
            self._final(op_id, {"id": op_id, "type": "complete"})
        except asyncio.CancelledError:
            raise
        except GraphQLError as error:
            # a document that does not parse (or is over the token limit) is raised by the
            # parser cache, not returned: answered as over HTTP, with graphql.invalid
            errors = [error]
            present_all(errors, self.context)
            self._final(op_id, self._error(op_id, errors))
        except Exception:
            # a fault, not a refusal: the client learns the operation ended, and why in words
            log.exception("a WebSocket operation failed")
            self._final(op_id, self._refusal(op_id, "internal"))

    async def _lean(self, op_id: str, prefix: str, results: AsyncGenerator[Any, None]) -> None:
        try:
            async with contextlib.aclosing(results):
                async for result in results:
                    if self._socket.paused:
                        await self._socket.writable()
                    if self._closed or op_id not in self._operations:
                        return
                    self._next(prefix, result)
                    del result  # not kept while the next one is awaited, hours maybe
        except GraphQLError as refused:  # presented: a code and the caller's words
            return self._final(op_id, self._error(op_id, [refused]))
        self._final(op_id, {"id": op_id, "type": "complete"})

    @staticmethod
    def _error(op_id: str, errors: list[GraphQLError]) -> dict[str, Any]:
        return {"id": op_id, "type": "error", "payload": [e.formatted for e in errors]}

    def _final(self, op_id: str, message: dict[str, Any]) -> None:
        """The operation's last message; the id is free again from here on."""
        if self._closed or self._operations.get(op_id) is not asyncio.current_task():
            return  # completed by the client, or the connection went
        del self._operations[op_id]
        self._send(message)

    def _next(self, prefix: str, result: Result) -> None:
        """A `next` message; `prefix` is its start up to the payload, made once per operation."""
        data = result.data
        if not result.errors and not result.extensions and isinstance(data, dict):
            # a result shared by like subscribers: encoded (and framed) once for all
            self._socket.send_text(encoded_payloads.message(prefix, data), shared=True)
            return
        payload: dict[str, Any] = {"data": data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        self._socket.send_text(
            prefix + json.dumps(payload, separators=(",", ":"), default=str) + "}"
        )

    def _send(self, message: dict[str, Any]) -> None:
        self._socket.send_text(json.dumps(message, separators=(",", ":"), default=str))
