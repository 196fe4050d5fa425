"""Per-request GraphQL context: who is asking, in which language, and the service deps."""

from __future__ import annotations

import strawberry
from litestar.datastructures import Headers, State
from litestar.types import Scope
from strawberry.litestar import BaseContext

from doorstep.domain.policy import ANONYMOUS, Actor
from doorstep.graphql.loaders import Loaders
from doorstep.i18n import choose_language
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps


class Context(BaseContext, kw_only=True):
    deps: Deps
    actor: Actor
    language: str
    client_addr: str | None
    loaders: Loaders

    @property
    def elder(self) -> bool:
        return self.actor.elder_mode


Info = strawberry.Info[Context, None]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def context_getter(state: State, headers: Headers, scope: Scope) -> Context:
    deps: Deps = state.deps
    actor = await actor_for_token(deps, bearer_token(headers.get("authorization"))) or ANONYMOUS
    preference = actor.language if actor.citizen_id is not None else None
    language = choose_language(preference, headers.get("accept-language"))
    client = scope.get("client")
    return Context(deps=deps, actor=actor, language=language,
                   client_addr=client[0] if client else None, loaders=Loaders(deps))
