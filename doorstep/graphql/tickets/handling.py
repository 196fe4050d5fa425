"""The unit's side (acknowledge, return, extend, resolve) and the supervisors' redispatch.
Thin resolvers over `services.tickets.handling`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.tickets.types import Ticket, ticket_after
from doorstep.services.tickets import handling


@strawberry.type
class TicketHandlingMutation:
    @strawberry.mutation(description="The lead unit acknowledges (签收) the ticket")
    async def acknowledge_ticket(self, info: Info, number: str) -> Ticket:
        return await ticket_after(info, handling.acknowledge, number)

    @strawberry.mutation(description="The lead unit returns (退单) the ticket, with a reason")
    async def return_ticket(self, info: Info, number: str, reason: str) -> Ticket:
        return await ticket_after(info, handling.return_ticket, number, reason)

    @strawberry.mutation(
        description="Supervisors: send the ticket to a unit (naming the unit "
        "that holds it confirms its routing)"
    )
    async def redispatch_ticket(
        self, info: Info, number: str, unit_code: str, note: str | None = None
    ) -> Ticket:
        return await ticket_after(info, handling.redispatch, number, unit_code, note)

    @strawberry.mutation(
        description="The lead unit asks for more working days before the "
        "deadline; the citizen is told"
    )
    async def extend_ticket(self, info: Info, number: str, days: int, reason: str) -> Ticket:
        return await ticket_after(info, handling.request_extension, number, days, reason)

    @strawberry.mutation(
        description="The lead unit resolves (办结) it with a note for the "
        "citizen, who is asked whether it is solved"
    )
    async def resolve_ticket(self, info: Info, number: str, note: str) -> Ticket:
        return await ticket_after(info, handling.resolve, number, note)
