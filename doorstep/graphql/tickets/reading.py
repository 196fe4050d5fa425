"""Reading tickets: the citizen's own, one by number, the queues and the rectifications a unit
owes. Thin resolvers over `services.tickets.reading`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import TicketStatus
from doorstep.graphql.tickets.types import (
    RectificationTask,
    Ticket,
    TicketCategory,
    TicketPlace,
    int_id,
    rectification_task,
    ticket_after,
    ticket_list,
)
from doorstep.mirror import mirror
from doorstep.services.tickets import reading, redispatch_choices


@strawberry.type(description="A unit a ticket may be sent to")
class RedispatchChoice:
    code: str
    name: str


_category = mirror(TicketCategory, reading.Category)
_place = mirror(TicketPlace, reading.PlaceChoice)


@strawberry.type
class TicketsQuery:
    @strawberry.field(
        description="Supervisors: the units that serve this ticket's category at its place, "
        "the most local first (where it may be redispatched)"
    )
    async def redispatch_choices(self, info: Info, number: str) -> list[RedispatchChoice]:
        ctx = info.context
        units = await redispatch_choices.redispatch_choices(ctx.deps, ctx.actor, number)
        return [RedispatchChoice(code=u.code, name=u.name) for u in units]

    @strawberry.field(description="What tickets can be about")
    async def ticket_categories(self, info: Info) -> list[TicketCategory]:
        ctx = info.context
        return [_category(c) for c in await reading.categories(ctx.deps, ctx.actor)]

    @strawberry.field(description="Where a ticket can be: every region, parents first (a picker)")
    async def ticket_places(self, info: Info) -> list[TicketPlace]:
        ctx = info.context
        return [_place(p) for p in await reading.places(ctx.deps, ctx.actor)]

    @strawberry.field(description="The signed-in citizen's tickets, newest first")
    async def my_tickets(
        self, info: Info, first: int = 20, before: strawberry.ID | None = None
    ) -> list[Ticket]:
        ctx = info.context
        views = await reading.my_tickets(
            ctx.deps, ctx.actor, limit=first, before_id=int_id(before) if before else None
        )
        return ticket_list(info, views)

    @strawberry.field(description="One ticket by its number")
    async def ticket(self, info: Info, number: str) -> Ticket:
        return await ticket_after(info, reading.get_ticket, number)

    @strawberry.field(description="Staff: their unit's tickets (supervisors: the region's)")
    async def ticket_queue(
        self,
        info: Info,
        statuses: list[TicketStatus] | None = None,
        first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[Ticket]:
        ctx = info.context
        wanted = statuses or None
        views = await reading.unit_queue(
            ctx.deps,
            ctx.actor,
            statuses=wanted,
            limit=first,
            after_id=int_id(after) if after else None,
        )
        return ticket_list(info, views)

    @strawberry.field(description="Supervisors: returned tickets and tickets no rule routed")
    async def ticket_review_queue(self, info: Info, first: int = 50) -> list[Ticket]:
        ctx = info.context
        return ticket_list(info, await reading.review_queue(ctx.deps, ctx.actor, first))

    @strawberry.field(description="Staff: rectifications (整改) their unit owes")
    async def rectification_tasks(
        self, info: Info, open_only: bool = True, first: int = 50
    ) -> list[RectificationTask]:
        ctx = info.context
        found = await reading.rectifications(ctx.deps, ctx.actor, open_only=open_only, limit=first)
        return [rectification_task(r) for r in found]
