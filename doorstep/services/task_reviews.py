"""申请复核: a citizen asks for a refused task to be looked at again.

The request carries a reason and is open for `REVIEW_WINDOW_DAYS` after the refusal, once per
refusal. It goes to the task's unit on a clock of `REVIEW_DECISION_DAYS` working days, and is
decided by someone other than the clerk who refused: another clerk of the unit, a supervisor of
its region or an admin. When the refusal does not stand the task reopens with its whole time
limit from that day; either way the citizen is told the outcome and its reason in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from doorstep.domain.calendar import local_date, today_local
from doorstep.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Target, authorize, require_signed_in
from doorstep.domain.workflow import TaskAction, TaskStatus
from doorstep.services import acting, citizen_sms
from doorstep.services.application_views import reload
from doorstep.services.applications import (
    MAX_REASON_CHARS,
    ApplicationView,
    authorize_citizen_act,
)
from doorstep.services.applications import parse_number as parse_application_number
from doorstep.services.deps import Deps
from doorstep.services.oversight import authorized_units
from doorstep.services.tasks import _transition, lock_task
from doorstep.services.tickets.common import required_text, tell_unit
from doorstep.store import applications as app_store
from doorstep.store import events
from doorstep.store import task_reviews as store
from doorstep.store.db import Connection, transaction
from doorstep.store.task_reviews import ReviewRow

# 行政复议法: sixty days from learning of the decision
REVIEW_WINDOW_DAYS = 60
REVIEW_DECISION_DAYS = 10
MAX_LIST = 200
# what the API shows: the row as read (typed, read-only)
Review = ReviewRow


def window_ends_on(refused_at: datetime) -> date:
    """The last day (Beijing time) a review of a refusal made at `refused_at` may be asked."""
    return local_date(refused_at) + timedelta(days=REVIEW_WINDOW_DAYS)


async def request(deps: Deps, actor: Actor, task_id: int, reason: str) -> ApplicationView:
    """The citizen (or their agent, within the delegation's themes) asks for a review."""
    text = required_text(
        reason, MAX_REASON_CHARS, "review.reason_required", "review.reason_too_long"
    )
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        application, task = await lock_task(conn, task_id)
        await authorize_citizen_act(
            conn, actor, application, Operation.TASK_REVIEW_REQUEST, NotFound("task.not_found")
        )
        _due, outbox_ids = await _open(
            deps,
            conn,
            application,
            task,
            text,
            actor_kind="citizen",
            actor_id=actor.signed_in_citizen_id,
            extra={},
        )
        await acting.record_action(
            conn,
            deps,
            actor,
            Operation.TASK_REVIEW_REQUEST,
            application_id=application.id,
            number=application.number,
            notice=None,
            detail={"task": task_id},
        )
        view = await reload(conn, application.number)
    await deps.after_commit(outbox_ids)
    return view


@dataclass(frozen=True)
class ReviewRecorded:
    number: str
    item_name: str
    due_on: date


async def request_at_counter(
    deps: Deps,
    actor: Actor,
    raw_number: str,
    reason: str,
    *,
    identity_checked: bool,
    item_code: str | None = None,
) -> ReviewRecorded:
    """A clerk at any counter (全城通办), or on the hotline, files the review a citizen asks
    for in person or by phone: someone who reads SMS only has no other way. The clerk states
    that they checked who is asking; the application's refused task is the one asked about
    (`item_code` names it when several were refused). The clerk learns only the number, the
    item and the date the answer is due."""
    authorize(actor, Operation.TASK_REVIEW_REQUEST_AT_COUNTER)
    if not identity_checked:
        raise InvalidInput("review.identity_not_checked")
    text = required_text(
        reason, MAX_REASON_CHARS, "review.reason_required", "review.reason_too_long"
    )
    number = parse_application_number(raw_number)
    async with transaction(deps.pool) as conn:
        application = await app_store.lock_application(conn, number)
        if application is None:
            raise NotFound("application.not_found")
        refused = [
            t
            for t in await app_store.tasks_of(conn, [application.id])
            if TaskStatus(t.status) is TaskStatus.REJECTED
            and (item_code is None or t.item_code == item_code)
        ]
        if not refused:
            raise Conflict("review.not_refused")
        if len(refused) > 1:
            raise InvalidInput("review.item_required")
        task = await app_store.task_for_update(conn, refused[0].id)
        assert task is not None
        due_on, outbox_ids = await _open(
            deps,
            conn,
            application,
            task,
            text,
            actor_kind="staff",
            actor_id=actor.staff_id,
            extra={"channel": "counter"},
        )
    await deps.after_commit(outbox_ids)
    return ReviewRecorded(number=number, item_name=task.item_name, due_on=due_on)


async def _open(
    deps: Deps,
    conn: Connection,
    application: app_store.ApplicationRow,
    task: app_store.TaskRow,
    text: str,
    *,
    actor_kind: str,
    actor_id: int | None,
    extra: dict[str, str],
) -> tuple[date, list[int]]:
    """The review of the task's last refusal, within its window and once; the unit is told.
    Returns its due date and the outbox rows to enqueue."""
    task_id = task.id
    refusal = await store.last_refusal(conn, task_id)
    if TaskStatus(task.status) is not TaskStatus.REJECTED or refusal is None:
        raise Conflict("review.not_refused")
    ends_on = window_ends_on(refusal.at)
    today = today_local()
    if today > ends_on:
        raise Conflict("review.window_closed", date=ends_on.isoformat())
    if await store.decided_since(conn, task_id, refusal.at):
        raise Conflict("review.already_decided")
    due_on = deps.calendar.add_working_days(today, REVIEW_DECISION_DAYS)
    review_id = await store.insert(
        conn,
        task_id=task_id,
        unit_id=task.unit_id,
        citizen_id=application.citizen_id,
        reason=text,
        refused_by=refusal.actor_id,
        due_on=due_on,
    )
    if review_id is None:
        raise Conflict("review.already_open")
    await events.append(
        conn,
        kind="task.review_requested",
        application_id=application.id,
        task_id=task_id,
        citizen_id=application.citizen_id,
        actor_kind=actor_kind,
        actor_id=actor_id,
        data={"item": task.item_name, "reason": text, "to": due_on.isoformat(), **extra},
    )
    outbox_ids = await tell_unit(
        conn,
        task.unit_id,
        "task.review_requested",
        "sms.staff_review_requested",
        {"number": application.number, "due": due_on.strftime("%m-%d")},
    )
    return due_on, outbox_ids


async def decide(
    deps: Deps, actor: Actor, review_id: int, *, stands: bool, reason: str
) -> ReviewRow:
    """Decide a review: `stands` keeps the refusal; otherwise the task reopens. The reason is
    what the citizen reads."""
    text = required_text(
        reason, MAX_REASON_CHARS, "review.decision_reason_required", "review.reason_too_long"
    )
    found = await store.get(deps.pool, review_id)
    if found is None:
        raise NotFound("review.not_found")
    async with transaction(deps.pool) as conn:
        # the application first, then its task, then the review: every writer's order
        application = await app_store.lock_application_of_task(conn, found.task_id)
        task = await app_store.task_for_update(conn, found.task_id)
        review = await store.lock(conn, review_id)
        assert application is not None and task is not None and review is not None
        authorize(
            actor,
            Operation.TASK_REVIEW_DECIDE,
            Target.unit(review.unit_id, review.unit_region_code),
        )
        if actor.staff_id is not None and actor.staff_id == review.refused_by:
            raise Forbidden("review.same_clerk")
        if review.status != "open":
            raise Conflict("review.already_decided")
        outcome = "upheld" if stands else "overturned"
        decided = await store.decide(conn, review_id, outcome, text, actor.staff_id)
        outbox_ids: list[int] = []
        if not stands:
            outbox_ids += await _transition(
                deps,
                conn,
                application,
                task,
                TaskAction.REOPEN,
                None,
                actor_kind="staff",
                actor_id=actor.staff_id,
            )
        await events.append(
            conn,
            kind=f"task.review_{outcome}",
            application_id=application.id,
            task_id=review.task_id,
            citizen_id=application.citizen_id,
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"item": review.item_name, "reason": text},
        )
        contact = await app_store.citizen_contact(conn, application.citizen_id)
        assert contact is not None
        outbox_ids.append(
            await citizen_sms.queue(
                conn,
                contact,
                kind=f"task.review_{outcome}",
                template=f"sms.review_{outcome}",
                params={"number": application.number, "item": review.item_name},
                call_phone=task.unit_phone or deps.settings.support_phone,
            )
        )
    await deps.after_commit(outbox_ids)
    return decided


async def queue(
    deps: Deps, actor: Actor, *, open_only: bool = True, limit: int = 50
) -> list[ReviewRow]:
    """Reviews of the actor's unit (or region), open ones first by deadline."""
    units = await authorized_units(deps, actor, Operation.TASK_REVIEW_QUEUE)
    return await store.of_units(deps.pool, units, open_only, max(1, min(limit, MAX_LIST)))
