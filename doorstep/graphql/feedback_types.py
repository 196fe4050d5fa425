"""好差评 and 申请复核 of applications as the API shows them: on an application's page, and in the
units' queues."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.graphql.enums import Rating
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
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


rectification_type = mirror(TaskRectification, Rectification)
_review = mirror(TaskReview, Review, status_label=GIVEN, requested_at="created_at")
_task_feedback = mirror(
    TaskFeedback,
    application_feedback.TaskFeedback,
    rectification=rectification_type,
    review=GIVEN,
)
_feedback = mirror(ApplicationFeedback, application_feedback.Feedback, tasks=GIVEN)
satisfaction_type = mirror(
    UnitSatisfaction,
    Satisfaction,
    satisfaction_rate=lambda row: row.satisfied / row.rated if row.rated else None,
)


def review_type(row: Review, language: str, elder: bool) -> TaskReview:
    label = translate(f"review_status.{row.status}", language, elder=elder)
    return _review(row, status_label=label)


def feedback_type(
    found: application_feedback.Feedback, language: str, elder: bool
) -> ApplicationFeedback:
    tasks = [
        _task_feedback(t, review=review_type(t.review, language, elder) if t.review else None)
        for t in found.tasks
    ]
    return _feedback(found, tasks=tasks)
