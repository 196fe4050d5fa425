"""好差评 for applications (办件): the citizen rates a finished application once, in the app,
by SMS or at the counter (a clerk writes down what they say). Each task's unit gets the rating,
or its own when the citizen rates the units apart; 不满意 or worse opens a rectification (整改)
for that unit, due in working days and closed only with the call-back (回访) recorded, which
the citizen then reads on the application's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from doorstep.domain.calendar import SHANGHAI, today_local
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import (
    Actor,
    Operation,
    authorize,
    require_signed_in,
)
from doorstep.domain.tickets import RECTIFICATION_DAYS, Rating
from doorstep.domain.workflow import ApplicationStatus
from doorstep.services import acting
from doorstep.services.application_views import reload
from doorstep.services.applications import (
    FINAL_APPLICATION,
    ApplicationView,
    lock_for_citizen_act,
)
from doorstep.services.applications import parse_number as parse_application_number
from doorstep.services.deps import Deps
from doorstep.services.oversight import authorized_units, visible_units
from doorstep.services.ticket_rates import check_period
from doorstep.services.tickets.common import (
    open_rectification,
    optional_text,
    required_text,
    tell_unit,
)
from doorstep.store import application_ratings as store
from doorstep.store import applications as app_store
from doorstep.store import events
from doorstep.store.application_ratings import TaskRectificationRow, UnitSatisfactionRow
from doorstep.store.db import Connection, transaction

MAX_COMMENT_CHARS = 500
MAX_NOTE_CHARS = 1000
MAX_LIST = 200
CHANNELS = ("app", "sms", "counter")
# what the API shows: the rows as read (typed, read-only)
Rectification = TaskRectificationRow
Satisfaction = UnitSatisfactionRow


@dataclass(frozen=True)
class UnitRating:
    """The citizen's rating of one task's unit, apart from the application's."""

    task_id: int
    rating: Rating


@dataclass(frozen=True)
class Given:
    """A rating as the citizen gives it: the application's, a comment, units rated apart."""

    rating: Rating
    comment: str | None = None
    units: tuple[UnitRating, ...] = ()

    def checked(self) -> Given:
        """The same with its comment as it is kept (refused when too long)."""
        text = optional_text(self.comment, MAX_COMMENT_CHARS, "application_rating.comment_too_long")
        return Given(self.rating, text, self.units)


async def rate(deps: Deps, actor: Actor, raw_number: str, given: Given) -> ApplicationView:
    """The citizen (or their agent, within the delegation's themes) rates in the app."""
    number = parse_application_number(raw_number)
    given = given.checked()
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        application = await lock_for_citizen_act(conn, actor, number, Operation.APPLICATION_RATE)
        outbox_ids, _due = await _rate(
            deps,
            conn,
            application,
            given,
            channel="app",
            actor_kind="citizen",
            actor_id=actor.signed_in_citizen_id,
        )
        await acting.record_action(
            conn,
            deps,
            actor,
            Operation.APPLICATION_RATE,
            application_id=application.id,
            number=number,
            notice=None,
            detail={"rating": int(given.rating)},
        )
        view = await reload(conn, number)
    await deps.after_commit(outbox_ids)
    return view


async def record_at_counter(
    deps: Deps, actor: Actor, raw_number: str, given: Given
) -> ApplicationView:
    """A clerk writes down the rating a citizen gives at the counter (any hall: 全城通办)."""
    authorize(actor, Operation.APPLICATION_RATE_AT_COUNTER)
    number = parse_application_number(raw_number)
    given = given.checked()
    async with transaction(deps.pool) as conn:
        application = await app_store.lock_application(conn, number)
        if application is None:
            raise NotFound("application.not_found")
        outbox_ids, _due = await _rate(
            deps,
            conn,
            application,
            given,
            channel="counter",
            actor_kind="staff",
            actor_id=actor.staff_id,
            recorded_by=actor.staff_id,
        )
        view = await reload(conn, number)
    await deps.after_commit(outbox_ids)
    return view


@dataclass(frozen=True)
class RatedBySms:
    number: str
    # when the rating opened rectifications: by when the units put it right and call back
    rectify_by: date | None


async def rate_by_sms(
    deps: Deps, citizen_id: int, raw_number: str, rating: Rating
) -> RatedBySms | None:
    """A reply to the rating question SMS; None when the application is not the citizen's,
    not finished or rated already (the reply is then read as something else)."""
    try:
        number = parse_application_number(raw_number)
    except InvalidInput:
        return None
    async with transaction(deps.pool) as conn:
        application = await app_store.lock_application(conn, number)
        if application is None or application.citizen_id != citizen_id:
            return None
        try:
            outbox_ids, due = await _rate(
                deps,
                conn,
                application,
                Given(rating),
                channel="sms",
                actor_kind="citizen",
                actor_id=citizen_id,
            )
        except Conflict:
            return None
    await deps.after_commit(outbox_ids)
    return RatedBySms(number=number, rectify_by=due)


async def _rate(
    deps: Deps,
    conn: Connection,
    application: app_store.ApplicationRow,
    given: Given,
    *,
    channel: str,
    actor_kind: str,
    actor_id: int | None,
    recorded_by: int | None = None,
) -> tuple[list[int], date | None]:
    """The outbox ids to enqueue, and the rectifications' deadline when any opened."""
    assert channel in CHANNELS
    row = application  # locked by the caller
    app_id: int = row.id
    if ApplicationStatus(row.status) not in FINAL_APPLICATION:
        raise Conflict("application_rating.application_not_finished")
    tasks = await app_store.tasks_of(conn, [app_id])
    by_task = {t.id: t for t in tasks}
    ratings = {t.id: given.rating for t in tasks}
    for unit in given.units:
        if unit.task_id not in by_task:
            raise InvalidInput("application_rating.unknown_task", task=unit.task_id)
        ratings[unit.task_id] = unit.rating
    rated = await store.insert_rating(
        conn,
        application_id=app_id,
        rating=int(given.rating),
        comment=given.comment,
        channel=channel,
        recorded_by=recorded_by,
        tasks=[(task_id, by_task[task_id].unit_id, int(r)) for task_id, r in ratings.items()],
    )
    if not rated:
        raise Conflict("application_rating.already_rated")
    common: events.ApplicationEventOrigin = {
        "application_id": app_id,
        "citizen_id": row.citizen_id,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
    }
    await events.append(
        conn,
        kind="application.rated",
        **common,
        data={"rating": int(given.rating), "channel": channel},
    )
    outbox_ids: list[int] = []
    today = today_local()
    due_on = deps.calendar.add_working_days(today, RECTIFICATION_DAYS)
    rectified = False
    for task_id, task_rating in ratings.items():
        if not task_rating.opens_rectification:
            continue
        rectified = True
        task = by_task[task_id]
        await store.insert_rectification(
            conn,
            task_id=task_id,
            unit_id=task.unit_id,
            rating=int(task_rating),
            comment=given.comment,
            due_on=due_on,
        )
        await events.append(
            conn,
            kind="task.rectification_opened",
            task_id=task_id,
            **common,
            data={"item": task.item_name, "to": due_on.isoformat()},
        )
        outbox_ids += await tell_unit(
            conn,
            task.unit_id,
            "application.rectification",
            "sms.application_rectification_opened",
            {"number": row.number, "due": due_on.strftime("%m-%d")},
        )
    return outbox_ids, due_on if rectified else None


async def complete_rectification(
    deps: Deps, actor: Actor, rectification_id: int, note: str, call_back: str
) -> TaskRectificationRow:
    """The unit put it right (`note`) and called the citizen back (`call_back`: what they
    said); both go on the application's timeline."""
    text = required_text(
        note, MAX_NOTE_CHARS, "rectification.note_required", "rectification.note_too_long"
    )
    heard = required_text(
        call_back,
        MAX_NOTE_CHARS,
        "rectification.call_back_required",
        "rectification.note_too_long",
    )
    async with transaction(deps.pool) as conn:
        found = open_rectification(actor, await store.lock_rectification(conn, rectification_id))
        await store.finish_rectification(conn, rectification_id, text, heard, actor.staff_id)
        await events.append(
            conn,
            kind="task.rectification_done",
            application_id=found.application_id,
            task_id=found.task_id,
            citizen_id=found.citizen_id,
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"item": found.item_name, "reason": text},
        )
        done = await store.lock_rectification(conn, rectification_id)
    assert done is not None
    return done


async def rectifications(
    deps: Deps, actor: Actor, *, open_only: bool = True, limit: int = 50
) -> list[TaskRectificationRow]:
    """The rectifications the actor's unit (or region) owes for applications."""
    units = await authorized_units(deps, actor, Operation.TASK_QUEUE_READ)
    return await store.rectifications_of_units(
        deps.pool, units, open_only, max(1, min(limit, MAX_LIST))
    )


async def satisfaction(
    deps: Deps, actor: Actor, since: date, until: date
) -> list[UnitSatisfactionRow]:
    """Per unit the actor oversees: applications' task ratings given from `since` to `until`
    (both days included, Beijing time) and the rectifications open now."""
    authorize(actor, Operation.TICKET_RATES_READ)
    check_period(since, until)
    units = await visible_units(deps, actor)
    start = datetime.combine(since, time(), SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), time(), SHANGHAI)
    return await store.satisfaction_by_unit(deps.pool, units, start, end)
