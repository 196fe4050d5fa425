"""好差评 and 申请复核 of applications as the API shows them: on an application's page, and in the
units' queues."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.graphql.enums import Rating
from doorstep.i18n import translate
from doorstep.services import application_feedback
from doorstep.services.application_ratings import Rectification, Satisfaction
from doorstep.services.task_reviews import Review


@strawberry.type(description="A rectification (整改) a poor rating of an application opened")
class TaskRectification:
    id: strawberry.ID
    application_number: str
    item_name: str
    unit_code: str
    unit_name: str
    rating: Rating
    comment: str | None
    status: str = strawberry.field(description="open or done")
    due_on: date = strawberry.field(description="Last working day (Asia/Shanghai)")
    note: str | None = strawberry.field(description="What the unit did")
    call_back: str | None = strawberry.field(
        description="The call-back (回访): what the citizen said"
    )
    done_at: datetime | None


@strawberry.type(description="A review (申请复核) of a refused task")
class TaskReview:
    id: strawberry.ID
    task_id: strawberry.ID
    application_number: str
    item_name: str
    unit_code: str
    unit_name: str
    refusal_reason: str | None = strawberry.field(description="Why the task was refused")
    reason: str = strawberry.field(description="Why the citizen asks for the review")
    status: str = strawberry.field(description="open, upheld (the refusal stands) or overturned")
    status_label: str
    due_on: date = strawberry.field(description="Decided by this working day (Asia/Shanghai)")
    decision_reason: str | None = strawberry.field(description="The decision's reason, as told")
    decided_at: datetime | None
    requested_at: datetime


@strawberry.type(description="One task's unit: its rating, rectification and review")
class TaskFeedback:
    task_id: strawberry.ID
    rating: Rating | None
    rectification: TaskRectification | None
    review: TaskReview | None = strawberry.field(description="The latest review, if any")
    review_open_until: date | None = strawberry.field(
        description="A review of the refusal can be asked until this day; null: it cannot"
    )


@strawberry.type(description="好差评 of an application and the reviews of its refusals")
class ApplicationFeedback:
    rating: Rating | None
    comment: str | None
    channel: str | None = strawberry.field(description="app, sms or counter")
    rated_at: datetime | None
    can_rate: bool = strawberry.field(description="Finished and not rated yet")
    tasks: list[TaskFeedback]


@strawberry.type(
    description="A rating a clerk wrote down: only what they gave, never the case itself (the "
    "clerk may be of a unit it does not concern)"
)
class RatingRecorded:
    number: str
    rating: Rating


@strawberry.type(
    description="A review (申请复核) a clerk filed for a citizen: only what they need to tell "
    "them (the clerk may be of a unit the case does not concern)"
)
class ReviewRequested:
    number: str
    item_name: str
    due_on: date = strawberry.field(description="The answer is due by this day")


@strawberry.type(description="One unit's ratings of applications for a period")
class UnitSatisfaction:
    unit_code: str
    unit_name: str
    rated: int = strawberry.field(description="Tasks of the unit rated in the period")
    satisfied: int = strawberry.field(description="Rated 基本满意 or better")
    dissatisfied: int = strawberry.field(description="Rated 不满意 or worse")
    satisfaction_rate: float | None = strawberry.field(description="0..1; null: none rated")
    rectifications_open: int = strawberry.field(description="Open now")


def rectification_type(row: Rectification) -> TaskRectification:
    return TaskRectification(
        id=strawberry.ID(str(row.id)),
        application_number=row.application_number,
        item_name=row.item_name,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        rating=Rating(row.rating),
        comment=row.comment,
        status=row.status,
        due_on=row.due_on,
        note=row.note,
        call_back=row.call_back,
        done_at=row.done_at,
    )


def review_type(row: Review, language: str, elder: bool) -> TaskReview:
    return TaskReview(
        id=strawberry.ID(str(row.id)),
        task_id=strawberry.ID(str(row.task_id)),
        application_number=row.application_number,
        item_name=row.item_name,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        refusal_reason=row.refusal_reason,
        reason=row.reason,
        status=row.status,
        status_label=translate(f"review_status.{row.status}", language, elder=elder),
        due_on=row.due_on,
        decision_reason=row.decision_reason,
        decided_at=row.decided_at,
        requested_at=row.created_at,
    )


def feedback_type(
    found: application_feedback.Feedback, language: str, elder: bool
) -> ApplicationFeedback:
    return ApplicationFeedback(
        rating=Rating(found.rating) if found.rating else None,
        comment=found.comment,
        channel=found.channel,
        rated_at=found.rated_at,
        can_rate=found.can_rate,
        tasks=[
            TaskFeedback(
                task_id=strawberry.ID(str(t.task_id)),
                rating=Rating(t.rating) if t.rating else None,
                rectification=rectification_type(t.rectification) if t.rectification else None,
                review=review_type(t.review, language, elder) if t.review else None,
                review_open_until=t.review_open_until,
            )
            for t in found.tasks
        ],
    )


def satisfaction_type(row: Satisfaction) -> UnitSatisfaction:
    return UnitSatisfaction(
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        rated=row.rated,
        satisfied=row.satisfied,
        dissatisfied=row.dissatisfied,
        satisfaction_rate=row.satisfied / row.rated if row.rated else None,
        rectifications_open=row.rectifications_open,
    )
