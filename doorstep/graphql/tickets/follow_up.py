"""The citizen's answer and rating, and the rectification a poor rating opens. Thin resolvers
over `services.tickets.follow_up`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import Rating
from doorstep.graphql.feedback_types import RatingRecorded
from doorstep.graphql.tickets.types import Ticket, int_id, ticket_after
from doorstep.services.tickets import follow_up


@strawberry.type(
    description="A 回访 answer a clerk wrote down: only what they gave, never the ticket itself "
    "(the clerk may be of a unit it does not concern)"
)
class FollowUpRecorded:
    number: str
    solved: bool


@strawberry.type
class TicketFollowUpMutation:
    @strawberry.mutation(description="The citizen: solved, or not (it reopens)")
    async def answer_follow_up(self, info: Info, number: str, solved: bool) -> Ticket:
        return await ticket_after(info, follow_up.answer_follow_up, number, solved)

    @strawberry.mutation(
        description="Staff on the hotline (回访 by phone) or at a counter: write down the "
        "citizen's answer, solved or not (it reopens)"
    )
    async def record_follow_up_answer(
        self, info: Info, number: str, solved: bool
    ) -> FollowUpRecorded:
        ctx = info.context
        view = await follow_up.record_follow_up_answer(ctx.deps, ctx.actor, number, solved)
        return FollowUpRecorded(number=view.number, solved=solved)

    @strawberry.mutation(
        description="The citizen rates it (好差评); 不满意 or worse opens a "
        "rectification for the unit"
    )
    async def rate_ticket(
        self, info: Info, number: str, rating: Rating, comment: str | None = None
    ) -> Ticket:
        return await ticket_after(info, follow_up.rate, number, rating, comment)

    @strawberry.mutation(
        description="Staff at a counter or on the hotline: write down a citizen's rating (好差评)"
    )
    async def record_ticket_rating(
        self, info: Info, number: str, rating: Rating, comment: str | None = None
    ) -> RatingRecorded:
        ctx = info.context
        view = await follow_up.rate_at_counter(ctx.deps, ctx.actor, number, rating, comment)
        return RatingRecorded(number=view.number, rating=rating)

    @strawberry.mutation(description="Staff: the rectification is done, with a note")
    async def complete_rectification(self, info: Info, id: strawberry.ID, note: str) -> Ticket:
        return await ticket_after(info, follow_up.complete_rectification, int_id(id), note)
