"""好差评 and 申请复核 of applications: thin resolvers over `services.application_ratings` and
`services.task_reviews`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import strawberry

from doorstep.domain.policy import Actor
from doorstep.graphql.applications import Application, application_type
from doorstep.graphql.context import Context, Info
from doorstep.graphql.enums import Rating
from doorstep.graphql.feedback_types import (
    RatingRecorded,
    ReviewRequested,
    TaskRectification,
    TaskReview,
    UnitSatisfaction,
    rectification_type,
    review_type,
    satisfaction_type,
)
from doorstep.graphql.ids import parse_id
from doorstep.services import application_ratings, task_reviews
from doorstep.services.application_views import ApplicationView
from doorstep.services.deps import Deps


@strawberry.input(description="A rating of one task's unit, apart from the application's")
class UnitRatingInput:
    task_id: strawberry.ID
    rating: Rating


def _given(
    rating: Rating, comment: str | None, units: list[UnitRatingInput] | None
) -> application_ratings.Given:
    return application_ratings.Given(
        rating,
        comment,
        tuple(
            application_ratings.UnitRating(parse_id(u.task_id, "task.id_invalid"), u.rating)
            for u in units or []
        ),
    )


T = TypeVar("T")
# rates an application: the citizen in the app, or a clerk at the counter
_Rate = Callable[[Deps, Actor, str, application_ratings.Given], Awaitable[ApplicationView]]


def _rating_mutation(
    rate: _Rate, answer: Callable[[Context, ApplicationView, Rating], T], *, description: str
) -> T:
    """A mutation that rates an application: the citizen's own or one a clerk writes down
    take the same arguments and differ in who may rate (the service) and what they answer."""

    async def resolve(
        info: Info,
        number: str,
        rating: Rating,
        comment: str | None = None,
        units: list[UnitRatingInput] | None = None,
    ) -> T:
        ctx = info.context
        view = await rate(ctx.deps, ctx.actor, number, _given(rating, comment, units))
        return answer(ctx, view, rating)

    field: T = strawberry.mutation(resolver=resolve, description=description)
    return field


@strawberry.type
class FeedbackQuery:
    @strawberry.field(description="Staff: rectifications their unit owes for applications")
    async def task_rectifications(
        self, info: Info, open_only: bool = True, first: int = 50
    ) -> list[TaskRectification]:
        ctx = info.context
        rows = await application_ratings.rectifications(
            ctx.deps, ctx.actor, open_only=open_only, limit=first
        )
        return [rectification_type(r) for r in rows]

    @strawberry.field(description="Staff: reviews (申请复核) of their unit's refusals")
    async def task_reviews(
        self, info: Info, open_only: bool = True, first: int = 50
    ) -> list[TaskReview]:
        ctx = info.context
        rows = await task_reviews.queue(ctx.deps, ctx.actor, open_only=open_only, limit=first)
        return [review_type(r, ctx.language, ctx.elder) for r in rows]

    @strawberry.field(
        description="Staff: applications' ratings per unit (theirs; supervisors: their region) "
        "given from since to until, both included"
    )
    async def application_satisfaction(
        self, info: Info, since: date, until: date
    ) -> list[UnitSatisfaction]:
        ctx = info.context
        rows = await application_ratings.satisfaction(ctx.deps, ctx.actor, since, until)
        return [satisfaction_type(r) for r in rows]


@strawberry.type
class FeedbackMutation:
    rate_application: Application = _rating_mutation(
        application_ratings.rate,
        lambda ctx, view, _rating: application_type(view, ctx.language, ctx.elder),
        description="The citizen rates a finished application (好差评), once; each task's unit "
        "gets the rating unless rated apart in units. 不满意 or worse opens a rectification",
    )
    record_application_rating: RatingRecorded = _rating_mutation(
        application_ratings.record_at_counter,
        lambda _ctx, view, rating: RatingRecorded(number=view.number, rating=rating),
        description="Staff at the counter: write down a citizen's rating",
    )

    @strawberry.mutation(
        description="Staff: the rectification is done (note) and the citizen was called back "
        "(callBack: what they said)"
    )
    async def complete_task_rectification(
        self, info: Info, id: strawberry.ID, note: str, call_back: str
    ) -> TaskRectification:
        ctx = info.context
        row = await application_ratings.complete_rectification(
            ctx.deps, ctx.actor, parse_id(id, "rectification.id_invalid"), note, call_back
        )
        return rectification_type(row)

    @strawberry.mutation(
        description="The citizen asks for a refused task to be reviewed (申请复核), with a reason"
    )
    async def request_task_review(
        self, info: Info, task_id: strawberry.ID, reason: str
    ) -> Application:
        ctx = info.context
        view = await task_reviews.request(
            ctx.deps, ctx.actor, parse_id(task_id, "task.id_invalid"), reason
        )
        return application_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(
        description="Staff at any counter or on the hotline: file the review (申请复核) a "
        "citizen asks for in person or by phone, having checked who they are (identityChecked); "
        "itemCode names the refused item when several were refused"
    )
    async def record_task_review_request(
        self,
        info: Info,
        number: str,
        reason: str,
        identity_checked: bool,
        item_code: str | None = None,
    ) -> ReviewRequested:
        ctx = info.context
        done = await task_reviews.request_at_counter(
            ctx.deps,
            ctx.actor,
            number,
            reason,
            identity_checked=identity_checked,
            item_code=item_code,
        )
        return ReviewRequested(number=done.number, item_name=done.item_name, due_on=done.due_on)

    @strawberry.mutation(
        description="Staff (not the clerk who refused): decide a review. refusalStands false "
        "reopens the task with its whole time limit; the reason is what the citizen reads"
    )
    async def decide_task_review(
        self, info: Info, id: strawberry.ID, refusal_stands: bool, reason: str
    ) -> TaskReview:
        ctx = info.context
        row = await task_reviews.decide(
            ctx.deps,
            ctx.actor,
            parse_id(id, "review.id_invalid"),
            stands=refusal_stands,
            reason=reason,
        )
        return review_type(row, ctx.language, ctx.elder)
