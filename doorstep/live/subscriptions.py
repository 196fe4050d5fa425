"""Subscriptions over graphql-transport-ws: live progress of one application, or of all mine."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Any, cast

import strawberry

from doorstep.graphql.applications import Application, TimelineEvent, application_type, event_type
from doorstep.graphql.context import Context, Info
from doorstep.graphql.errors import localized
from doorstep.graphql.ids import parse_after_seq
from doorstep.live import fanout, progress
from doorstep.live.staff_updates import QueueUpdate, queue_updates
from doorstep.live.ticket_updates import TicketQueueUpdate, ticket_updates


@strawberry.type(description="One step of live progress")
class ProgressUpdate:
    seq: strawberry.ID = strawberry.field(
        description="Sequence reached; pass it as afterSeq to resume after a reconnect"
    )
    application_number: str
    event: TimelineEvent | None = strawberry.field(
        description="What changed; null in the opening message, which carries the state"
    )
    at: datetime
    application_id: strawberry.Private[int]
    seq_reached: strawberry.Private[int]
    # set on a message shared by all subscribers of its event: their execution results
    shared_results: strawberry.Private[dict[Any, Any] | None] = None

    @strawberry.field(description="The application as it stands now")
    def application(self, info: Info) -> Application | None:
        ctx = info.context
        # one read per (application, seq) for all subscribers of this process; usually read
        # already (`fanout.prefetch_states`): then answered at once, not awaited
        known = fanout.state_now(self.application_id, self.seq_reached)
        if known is not None:
            view = known[0]
            return application_type(view, ctx.language, ctx.elder) if view else None
        return cast("Application | None", self._read_application(ctx))

    async def _read_application(self, ctx: Context) -> Application | None:
        view = await fanout.current_state(ctx.deps, self.application_id, self.seq_reached)
        return application_type(view, ctx.language, ctx.elder) if view else None


_messages: fanout.SharedCache[tuple[int, int, str, str, bool], ProgressUpdate] = (
    fanout.SharedCache()
)


def _update(ctx: Context, update: progress.ProgressUpdate, number: str) -> ProgressUpdate:
    row = update.event
    if row is None:  # the opening message: the state now, once per subscriber
        return ProgressUpdate(
            seq=strawberry.ID(str(update.seq)),
            application_number=number,
            event=None,
            at=datetime.now().astimezone(),
            application_id=update.application_id,
            seq_reached=update.seq,
        )
    language, elder = ctx.language, ctx.elder
    # one message object per (event, number, language, elder mode) for all its subscribers
    key = (update.seq, update.application_id, number, language, elder)
    message = _messages.get(key)
    if message is not None:  # 9,999 of 10,000 subscribers of a change: no closure made
        return message

    def make() -> ProgressUpdate:
        event = event_type(row, language, elder)
        return ProgressUpdate(
            seq=strawberry.ID(str(update.seq)),
            application_number=number,
            event=event,
            at=event.at,
            application_id=update.application_id,
            seq_reached=update.seq,
            shared_results={},
        )

    return _messages.get_or_make(key, make)


async def updates(
    ctx: Context,
    field: str,
    args: dict[str, Any],
    deliver: Callable[[ProgressUpdate], bool] | None = None,
) -> AsyncGenerator[ProgressUpdate, None]:
    """The messages of one subscription field, whichever path runs it. With `deliver`, a
    change whose message can be built without waiting is offered to it at once instead of
    being yielded (see `live.progress`)."""
    assert ctx.hub is not None, "subscriptions need the API process's event hub"
    offer: progress.Deliver | None = None
    if deliver is not None:

        def offer(update: progress.ProgressUpdate) -> bool:
            number = fanout.numbers.get(update.application_id)
            return number is not None and deliver(_update(ctx, update, number))

    with localized(ctx):  # refusals (a malformed afterSeq among them) in the caller's words
        after = parse_after_seq(args.get("after_seq"))
        if field == "applicationProgress":
            stream = progress.application_progress(
                ctx.deps, ctx.hub, ctx.actor, args["number"], after, offer
            )
        else:
            stream = progress.my_updates(ctx.deps, ctx.hub, ctx.actor, after, offer)
        async for update in stream:
            number = await fanout.number_of(ctx.deps, update.application_id)
            yield _update(ctx, update, number)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="One application: its state now, then every change")
    async def application_progress(
        self, info: Info, number: str, after_seq: strawberry.ID | None = None
    ) -> AsyncGenerator[ProgressUpdate, None]:
        async for message in updates(
            info.context, "applicationProgress", {"number": number, "after_seq": after_seq}
        ):
            yield message

    @strawberry.subscription(
        description="Staff: every change to work of my units (supervisors: the region's), "
        "with its tasks as they stand; the opening message gives the sequence to resume from"
    )
    async def unit_queue_updates(
        self, info: Info, after_seq: strawberry.ID | None = None
    ) -> AsyncGenerator[QueueUpdate, None]:
        async for message in queue_updates(info.context, after_seq):
            yield message

    @strawberry.subscription(
        description="Staff: every change to a ticket of my units (supervisors: the region's), "
        "with the ticket as it stands; the opening message gives the sequence to resume from"
    )
    async def ticket_queue_updates(
        self, info: Info, after_seq: strawberry.ID | None = None
    ) -> AsyncGenerator[TicketQueueUpdate, None]:
        async for message in ticket_updates(info.context, after_seq):
            yield message

    @strawberry.subscription(description="Every change to any of my applications")
    async def my_updates(
        self, info: Info, after_seq: strawberry.ID | None = None
    ) -> AsyncGenerator[ProgressUpdate, None]:
        async for message in updates(info.context, "myUpdates", {"after_seq": after_seq}):
            yield message
