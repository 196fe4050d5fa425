"""Per-request GraphQL context: who is asking, in which language, and the service deps.

Over HTTP the session comes from `Authorization: Bearer`; over WebSocket (browsers cannot set
headers there) from `connection_params` at `connection_init` (`live.session`).

Acting for someone (帮办代办): the header `X-Acting-For: <principal's citizen id or phone>`, or
`actingFor` in connection_params; `services.acting.acting_actor` turns it into the actor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

import strawberry
from litestar.datastructures import Headers, State
from litestar.types import Scope
from strawberry.exceptions import ConnectionRejectionError
from strawberry.litestar import BaseContext

from doorstep.domain.network import client_ip, parse_networks
from doorstep.domain.policy import ANONYMOUS, Actor
from doorstep.graphql.loaders import Loaders
from doorstep.i18n import choose_language
from doorstep.live.event_hub import EventHub
from doorstep.services import acting
from doorstep.services.auth import actor_for_token, actor_now, submitter_for_token
from doorstep.services.availability import is_unavailable, read_retrying_once
from doorstep.services.deps import Deps
from doorstep.services.submission import PreRead

MAX_CONNECTION_PARAMS_BYTES = 4096
ACTING_FOR_HEADER = "x-acting-for"
ACTING_FOR_PARAM = "actingFor"


class Context(BaseContext, kw_only=True):
    deps: Deps
    hub: EventHub | None
    actor: Actor
    language: str
    accept_language: str | None
    client_addr: str | None
    loaders: Loaders
    connection_params: dict[str, Any] | None = None
    # `me { lastSeq }`: read before the request's other fields (`graphql.me.StreamPositionFirst`)
    stream_position: int | None = None
    # what a citizen's submission reads first, read with the session (`context_getter`)
    submission_read: PreRead | None = None

    def take_submission_read(self) -> PreRead | None:
        """The pre-read for one submission: its serial is drawn once, so it is handed once."""
        read, self.submission_read = self.submission_read, None
        return read

    @property
    def elder(self) -> bool:
        return self.actor.elder_mode


Info = strawberry.Info[Context, None]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def refresh_connection(context: Context) -> bool:
    """Before each new operation on a socket: False once the session has ended (the socket is
    then closed, as at connection_init); else the context takes the language and elder mode
    the citizen has chosen since the socket opened."""
    if context.actor.session_id is None:
        return True
    try:
        actor = await actor_now(context.deps, context.actor)
    except Exception as exc:
        if is_unavailable(exc):
            return True  # the operation itself meets the outage and says so
        raise
    if actor is None:
        return False
    context.actor = actor
    context.language = _language_for(actor, context.accept_language)
    return True


def _language_for(actor: Actor, accept_language: str | None) -> str:
    """The citizen's chosen language, else Accept-Language, else zh_Hans (staff: the header)."""
    preference = actor.language if actor.language_chosen else None
    return choose_language(preference, accept_language)


async def _acting(deps: Deps, actor: Actor, acting_for: object) -> Actor:
    if isinstance(acting_for, str) and acting_for.strip():
        return await acting.acting_actor(deps, actor, acting_for)
    return actor


async def context_getter(
    state: State, headers: Headers, scope: Scope, *, submitting: bool = False
) -> Context:
    """`submitting`: the request is a `submitApplication`; a citizen's own is then signed in by
    the statement that also reads what the submission needs first (one round trip less)."""
    deps: Deps = state.deps
    token = bearer_token(headers.get("authorization"))
    acting_for = headers.get(ACTING_FOR_HEADER)
    signed_in = read = None
    # reads: after a database restart the first try may meet a dead pooled connection
    if submitting and not acting_for:
        found = await read_retrying_once(partial(submitter_for_token, deps, token))
        if found is not None:
            signed_in, read = found
    if signed_in is None:
        signed_in = await read_retrying_once(partial(actor_for_token, deps, token))
    actor = signed_in or ANONYMOUS
    actor = await read_retrying_once(partial(_acting, deps, actor, acting_for))
    accept = headers.get("accept-language")
    return Context(
        deps=deps,
        hub=getattr(state, "hub", None),
        actor=actor,
        language=_language_for(actor, accept),
        accept_language=accept,
        client_addr=client_address(deps, headers, scope),
        loaders=Loaders(deps),
        submission_read=read,
    )


def client_address(deps: Deps, headers: Mapping[str, str], scope: Mapping[str, Any]) -> str | None:
    """The caller's address for per-address limits: forwarding headers count only when the
    connection comes from a proxy named in DOORSTEP_TRUSTED_PROXIES."""
    settings = deps.settings
    client = scope.get("client")
    peer = str(client[0]) if client else None
    return client_ip(
        peer, headers, parse_networks(settings.trusted_proxies), settings.client_ip_header
    )


def _token_from(params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    if len(json.dumps(params, default=str)) > MAX_CONNECTION_PARAMS_BYTES:
        return None
    token = params.get("token")
    if isinstance(token, str):
        return token
    header = params.get("Authorization") or params.get("authorization")
    return bearer_token(header) if isinstance(header, str) else None


async def authenticate_connection(context: Context) -> None:
    """At connection_init: a valid session in connection_params, or the socket is closed."""
    token = _token_from(context.connection_params)
    actor = await actor_for_token(context.deps, token) if token else None
    if actor is None:
        raise ConnectionRejectionError()
    params = context.connection_params
    acting_for = params.get(ACTING_FOR_PARAM) if isinstance(params, dict) else None
    context.actor = await _acting(context.deps, actor, acting_for)
    context.language = _language_for(context.actor, context.accept_language)
