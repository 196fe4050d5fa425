"""Subscriptions over graphql-transport-ws: live progress of one application, or of all mine."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from doorstep.domain.errors import InvalidInput
from doorstep.graphql.applications import Application, TimelineEvent, application_type, event_type
from doorstep.graphql.context import Info
from doorstep.graphql.errors import localized
from doorstep.services import applications, progress


@strawberry.type(description="One step of live progress")
class ProgressUpdate:
    seq: strawberry.ID = strawberry.field(
        description="Sequence reached; pass it as afterSeq to resume after a reconnect")
    application_number: str
    event: TimelineEvent | None = strawberry.field(
        description="What changed; null in the opening message, which carries the state")
    at: datetime
    application_id: strawberry.Private[int]

    @strawberry.field(description="The application as it stands now")
    async def application(self, info: Info) -> Application | None:
        ctx = info.context
        view = await applications.current_state(ctx.deps, self.application_id)
        return application_type(view, ctx.language, ctx.elder) if view else None


def _after(raw: strawberry.ID | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("progress.after_seq_invalid") from None


async def _numbers(info: Info, application_id: int) -> str:
    cache: dict[int, str] = info.context.application_numbers
    if application_id not in cache:
        view = await applications.current_state(info.context.deps, application_id)
        cache[application_id] = view.number if view else ""
    return cache[application_id]


def _update(info: Info, update: progress.ProgressUpdate, number: str) -> ProgressUpdate:
    ctx = info.context
    event = event_type(update.event, ctx.language, ctx.elder) if update.event else None
    return ProgressUpdate(seq=strawberry.ID(str(update.seq)), application_number=number,
                          event=event, at=event.at if event else datetime.now().astimezone(),
                          application_id=update.application_id)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="One application: its state now, then every change")
    async def application_progress(self, info: Info, number: str,
                                   after_seq: strawberry.ID | None = None
                                   ) -> AsyncGenerator[ProgressUpdate, None]:
        ctx = info.context
        assert ctx.hub is not None, "subscriptions need the API process's event hub"
        with localized(ctx):
            async for update in progress.application_progress(
                    ctx.deps, ctx.hub, ctx.actor, number, _after(after_seq)):
                yield _update(info, update, await _numbers(info, update.application_id))

    @strawberry.subscription(description="Every change to any of my applications")
    async def my_updates(self, info: Info, after_seq: strawberry.ID | None = None
                         ) -> AsyncGenerator[ProgressUpdate, None]:
        ctx = info.context
        assert ctx.hub is not None, "subscriptions need the API process's event hub"
        with localized(ctx):
            async for update in progress.my_updates(ctx.deps, ctx.hub, ctx.actor,
                                                    _after(after_seq)):
                yield _update(info, update, await _numbers(info, update.application_id))
