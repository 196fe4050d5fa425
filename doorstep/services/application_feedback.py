"""What an application's page shows of 好差评 and 申请复核: the rating and whether it can still be
given, and per task its unit's rating, rectification and review, and whether a review can be
asked. Read for a view its reader was already authorized to see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain.calendar import today_local
from doorstep.domain.tickets import Rating
from doorstep.domain.workflow import ApplicationStatus, TaskStatus
from doorstep.services.applications import FINAL_APPLICATION
from doorstep.services.deps import Deps
from doorstep.services.task_reviews import window_ends_on
from doorstep.store import application_ratings as ratings_store
from doorstep.store import task_reviews as reviews_store
from doorstep.store.application_ratings import TaskRectificationRow
from doorstep.store.task_reviews import ReviewRow


@dataclass(frozen=True)
class TaskFeedback:
    task_id: int
    rating: Rating | None
    rectification: TaskRectificationRow | None
    review: ReviewRow | None  # the latest
    # a review can be asked now, until this day (Beijing time); None: it cannot
    review_open_until: date | None


@dataclass(frozen=True)
class Feedback:
    rating: Rating | None
    comment: str | None
    channel: str | None
    rated_at: datetime | None
    can_rate: bool
    tasks: list[TaskFeedback]


async def feedback(
    deps: Deps,
    application_id: int,
    status: ApplicationStatus,
    task_statuses: list[tuple[int, TaskStatus]],
) -> Feedback:
    """For an application (its id, status and each task's id and status) already read."""
    rating = await ratings_store.rating_of(deps.pool, application_id)
    task_ids = [task_id for task_id, _status in task_statuses]
    given = await ratings_store.task_ratings_of(deps.pool, task_ids)
    task_ratings = {r.task_id: Rating(r.rating) for r in given}
    rectifications = {
        r.task_id: r
        for r in await ratings_store.rectifications_of_application(deps.pool, application_id)
    }
    reviews: dict[int, ReviewRow] = {}
    for row in await reviews_store.of_application(deps.pool, application_id):
        reviews[row.task_id] = row  # oldest first: the latest stays
    refused = [task_id for task_id, status in task_statuses if status is TaskStatus.REJECTED]
    refusals = (
        {r.task_id: r.at for r in await reviews_store.last_refusals(deps.pool, refused)}
        if refused
        else {}
    )
    today = today_local()
    tasks = []
    for task_id, task_status in task_statuses:
        open_until = None
        review = reviews.get(task_id)
        if task_status is TaskStatus.REJECTED and (review is None or review.status != "open"):
            refused_at = refusals.get(task_id)
            # one review per refusal: a later refusal may be reviewed again
            if refused_at is not None and (review is None or review.created_at < refused_at):
                ends = window_ends_on(refused_at)
                open_until = ends if today <= ends else None
        tasks.append(
            TaskFeedback(
                task_id=task_id,
                rating=task_ratings.get(task_id),
                rectification=rectifications.get(task_id),
                review=review,
                review_open_until=open_until,
            )
        )
    return Feedback(
        rating=Rating(rating.rating) if rating else None,
        comment=rating.comment if rating else None,
        channel=rating.channel if rating else None,
        rated_at=rating.rated_at if rating else None,
        can_rate=rating is None and status in FINAL_APPLICATION,
        tasks=tasks,
    )
