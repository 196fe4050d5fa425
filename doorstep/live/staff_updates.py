"""The GraphQL face of the live unit queue (`Subscription.unitQueueUpdates`): each change to
an application of the caller's units, with that application's tasks in those units as they
stand now, so a console can put them in its list without another read."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from doorstep.graphql.applications import QueueTask, TimelineEvent, event_type, task_type
from doorstep.graphql.context import Context, Info
from doorstep.graphql.errors import localized
from doorstep.graphql.ids import parse_after_seq
from doorstep.live import fanout, staff_queue


@strawberry.type(description="A change to the work of my units (staff)")
class QueueUpdate:
    seq: strawberry.ID = strawberry.field(
        description="Sequence reached; pass it as afterSeq to resume after a reconnect"
    )
    application_number: str | None = strawberry.field(
        description="The application that changed; null in the opening message"
    )
    event: TimelineEvent | None = strawberry.field(
        description="What changed; null in the opening message"
    )
    at: datetime
    application_id: strawberry.Private[int | None]
    unit_ids: strawberry.Private[frozenset[int]]

    @strawberry.field(
        description="The application's tasks in my units as they stand now (closed ones too, "
        "so a list can drop them)"
    )
    async def tasks(self, info: Info) -> list[QueueTask]:
        if self.application_id is None or self.application_number is None:
            return []
        ctx = info.context
        view = await fanout.current_state(ctx.deps, self.application_id, int(self.seq))
        if view is None:
            return []
        return [
            QueueTask(
                application_number=self.application_number,
                task=task_type(t, ctx.language, ctx.elder),
            )
            for t in view.tasks
            if t.unit_id in self.unit_ids
        ]


async def queue_updates(
    ctx: Context, after_seq: strawberry.ID | None
) -> AsyncGenerator[QueueUpdate, None]:
    assert ctx.hub is not None, "subscriptions need the API process's event hub"
    with localized(ctx):
        after = parse_after_seq(after_seq)
        stream = staff_queue.unit_queue_updates(ctx.deps, ctx.hub, ctx.actor, after)
        async for change in stream:
            if change.event is None or change.application_id is None:
                yield QueueUpdate(
                    seq=strawberry.ID(str(change.seq)),
                    application_number=None,
                    event=None,
                    at=datetime.now().astimezone(),
                    application_id=None,
                    unit_ids=change.unit_ids,
                )
                continue
            event = event_type(change.event, ctx.language, ctx.elder)
            yield QueueUpdate(
                seq=strawberry.ID(str(change.seq)),
                application_number=await fanout.number_of(ctx.deps, change.application_id),
                event=event,
                at=event.at,
                application_id=change.application_id,
                unit_ids=change.unit_ids,
            )
