"""Filing a ticket. A thin resolver over `services.tickets.submit`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import TicketKind, Urgency
from doorstep.graphql.tickets.types import Ticket, ticket_after
from doorstep.mirror import mirror
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


# a ticket filed through the API names its category: no guess to check
_input = mirror(submit.TicketInput, SubmitTicketInput, needs_review=lambda _: False)


@strawberry.type
class SubmitTicketMutation:
    @strawberry.mutation(description="File a ticket; it is dispatched at once")
    async def submit_ticket(self, info: Info, input: SubmitTicketInput) -> Ticket:
        return await ticket_after(
            info, submit.submit_ticket, _input(input), client_addr=info.context.client_addr
        )
