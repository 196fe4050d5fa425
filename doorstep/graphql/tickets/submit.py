"""Filing a ticket. A thin resolver over `services.tickets.submit`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import TicketKind, Urgency
from doorstep.graphql.tickets.types import Ticket, one_ticket
from doorstep.services.tickets import submit


@strawberry.input(description="A ticket. A hotline clerk gives the caller's phone number")
class SubmitTicketInput:
    kind: TicketKind
    category_code: str
    description: str
    region_code: str = strawberry.field(description="GB/T 2260 code, 6, 9 or 12 digits")
    urgency: Urgency = Urgency.NORMAL
    latitude: float | None = None
    longitude: float | None = None
    citizen_phone: str | None = strawberry.field(
        default=None, description="Staff only: the caller the ticket is filed for"
    )


@strawberry.type
class SubmitTicketMutation:
    @strawberry.mutation(description="File a ticket; it is dispatched at once")
    async def submit_ticket(self, info: Info, input: SubmitTicketInput) -> Ticket:
        ctx = info.context
        data = submit.TicketInput(
            kind=input.kind.value,
            category_code=input.category_code,
            description=input.description,
            region_code=input.region_code,
            urgency=input.urgency.value,
            latitude=input.latitude,
            longitude=input.longitude,
            citizen_phone=input.citizen_phone,
        )
        return one_ticket(
            info,
            await submit.submit_ticket(ctx.deps, ctx.actor, data, client_addr=ctx.client_addr),
        )
