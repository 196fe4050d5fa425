"""The GraphQL face of the live ticket queue (`Subscription.ticketQueueUpdates`): each change to
a ticket of the caller's units, with the ticket as it stands now (null once no unit of theirs
leads it: redispatched elsewhere), so a console can put it in its lists without another read."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from doorstep.graphql.context import Context, Info
from doorstep.graphql.errors import localized
from doorstep.graphql.ids import parse_after_seq
from doorstep.graphql.tickets.types import Ticket, TicketEvent, ticket_event, ticket_type
from doorstep.live import staff_tickets
from doorstep.services.tickets import reading


@strawberry.type(description="A change to the tickets of my units (staff)")
class TicketQueueUpdate:
    seq: strawberry.ID = strawberry.field(
        description="Sequence reached; pass it as afterSeq to resume after a reconnect"
    )
    event: TicketEvent | None = strawberry.field(
        description="What changed; null in the opening message and when the ticket left my "
        "units (what happens to it there is theirs)"
    )
    at: datetime
    ticket_id: strawberry.Private[int | None]
    unit_ids: strawberry.Private[frozenset[int]]

    @strawberry.field(
        description="The ticket as it stands now; null in the opening message and once none "
        "of my units leads it (a list drops it then)"
    )
    async def ticket(self, info: Info) -> Ticket | None:
        if self.ticket_id is None:
            return None
        ctx = info.context
        found = await reading.led_by_units(ctx.deps, [self.ticket_id], list(self.unit_ids))
        return ticket_type(found[0], ctx.language, ctx.elder) if found else None

    @strawberry.field(description="The ticket that changed; null in the opening message")
    async def ticket_number(self, info: Info) -> str | None:
        if self.ticket_id is None:
            return None
        return await reading.number_of(info.context.deps, self.ticket_id)


async def ticket_updates(
    ctx: Context, after_seq: strawberry.ID | None
) -> AsyncGenerator[TicketQueueUpdate, None]:
    assert ctx.hub is not None, "subscriptions need the API process's event hub"
    with localized(ctx):
        after = parse_after_seq(after_seq)
        stream = staff_tickets.ticket_queue_updates(ctx.deps, ctx.hub, ctx.actor, after)
        async for change in stream:
            if change.event is None:  # the opening message, or a ticket gone to another unit
                yield TicketQueueUpdate(
                    seq=strawberry.ID(str(change.seq)),
                    event=None,
                    at=datetime.now().astimezone(),
                    ticket_id=change.ticket_id,
                    unit_ids=change.unit_ids,
                )
                continue
            event = ticket_event(change.event, ctx.language, ctx.elder)
            yield TicketQueueUpdate(
                seq=strawberry.ID(str(change.seq)),
                event=event,
                at=event.at,
                ticket_id=change.ticket_id,
                unit_ids=change.unit_ids,
            )
