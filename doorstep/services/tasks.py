"""The unit side of an application: queues and task transitions, with the clock paused for 补正."""

from __future__ import annotations

from doorstep.domain.calendar import today_local
from doorstep.domain.clock import move_clock, reminder_date
from doorstep.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
    require_signed_in,
)
from doorstep.domain.workflow import (
    FINAL_TASK_STATUSES,
    REVIEW_ACTIONS,
    ApplicationStatus,
    IllegalTransition,
    TaskAction,
    TaskStatus,
    application_status,
    next_task_status,
    progress,
)
from doorstep.services import acting, application_rating_question, citizen_sms
from doorstep.services.application_views import reload
from doorstep.services.applications import (
    FINAL_APPLICATION,
    MAX_REASON_CHARS,
    ApplicationView,
    QueueEntry,
    TaskView,
    _task_view,
    lock_for_citizen_act,
    parse_number,
)
from doorstep.services.deps import Deps
from doorstep.services.oversight import authorized_units

# re-exported: the staff queues and the SLA figures import it from here too
from doorstep.services.oversight import visible_units as visible_units
from doorstep.store import applications as store
from doorstep.store import events
from doorstep.store.db import Connection, transaction

OPEN_STATUSES = [TaskStatus.SUBMITTED, TaskStatus.ACCEPTED, TaskStatus.NEEDS_MATERIALS]
# what the citizen is told after each staff action (template keys in the catalogs)
_CITIZEN_TEMPLATES = {
    TaskAction.REQUEST_MATERIALS: "sms.materials_requested",
    TaskAction.REJECT: "sms.task_rejected",
}
_NEEDS_REASON = {TaskAction.REQUEST_MATERIALS, TaskAction.REJECT}


async def unit_queue(
    deps: Deps,
    actor: Actor,
    *,
    statuses: list[TaskStatus] | None = None,
    limit: int = 50,
    after_id: int | None = None,
) -> list[QueueEntry]:
    unit_ids = await authorized_units(deps, actor, Operation.TASK_QUEUE_READ)
    wanted = [s.value for s in (statuses or OPEN_STATUSES)]
    rows = await store.unit_queue(deps.pool, unit_ids, wanted, max(1, min(limit, 200)), after_id)
    return [QueueEntry(task=_task_view(r), application_number=r.application_number) for r in rows]


def may_act(actor: Actor, task: TaskView) -> bool:
    """Whether the actor may act on the task: what a console offers (the action itself is
    authorized again when it is taken)."""
    if not actor.is_staff_side:
        return False
    try:
        authorize(actor, Operation.TASK_ACT, Target.unit(task.unit_id, task.unit_region_code))
    except Forbidden:
        return False
    return True


async def lock_task(conn: Connection, task_id: int) -> tuple[store.ApplicationRow, store.TaskRow]:
    """A task and its application, locked in every writer's order (the application first);
    task.not_found when there is no such task."""
    application = await store.lock_application_of_task(conn, task_id)
    task = await store.task_for_update(conn, task_id) if application else None
    if application is None or task is None:
        raise NotFound("task.not_found")
    return application, task


async def act_on_task(
    deps: Deps, actor: Actor, task_id: int, action: TaskAction, reason: str | None = None
) -> ApplicationView:
    """Staff accept, ask for materials, complete or reject one task of their unit."""
    if action is TaskAction.SUPPLY_MATERIALS or action in REVIEW_ACTIONS:
        raise InvalidInput("task.action_not_for_staff")
    reason = _clean_reason(action, reason)
    async with transaction(deps.pool) as conn:
        application, task = await lock_task(conn, task_id)
        authorize(actor, Operation.TASK_ACT, Target.unit(task.unit_id, task.unit_region_code))
        outbox_ids = await _transition(
            deps,
            conn,
            application,
            task,
            action,
            reason,
            actor_kind="staff",
            actor_id=actor.staff_id,
        )
        view = await reload(conn, application.number)
    await deps.after_commit(outbox_ids)
    return view


async def supply_materials(
    deps: Deps, actor: Actor, raw_number: str, materials: list[str], note: str | None
) -> ApplicationView:
    """The citizen (or their agent, in the delegation's themes) answers a 补正 request: every
    task waiting on them resumes its clock."""
    number = parse_number(raw_number)
    if note is not None and len(note) > MAX_REASON_CHARS:
        raise InvalidInput("materials.note_too_long", limit=MAX_REASON_CHARS)
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        application = await lock_for_citizen_act(conn, actor, number, Operation.MATERIALS_SUPPLY)
        waiting = [
            t
            for t in await store.tasks_of(conn, [application.id])
            if t.status == TaskStatus.NEEDS_MATERIALS.value
        ]
        if not waiting:
            raise Conflict("materials.not_requested")
        outbox_ids: list[int] = []
        agent = {"agent_id": actor.agent_citizen_id} if actor.role is Role.AGENT else {}
        for task_row in waiting:
            task = await store.task_for_update(conn, task_row.id)
            assert task is not None
            outbox_ids += await _transition(
                deps,
                conn,
                application,
                task,
                TaskAction.SUPPLY_MATERIALS,
                note,
                actor_kind="citizen",
                actor_id=actor.signed_in_citizen_id,
                extra={"materials": sorted(set(materials))[:50], **agent},
            )
        outbox_ids += await acting.record_action(
            conn,
            deps,
            actor,
            Operation.MATERIALS_SUPPLY,
            application_id=application.id,
            number=application.number,
            notice="sms.agent_supplied",
            detail={"materials": sorted(set(materials))[:50]},
        )
        view = await reload(conn, number)
    await deps.after_commit(outbox_ids)
    return view


def _clean_reason(action: TaskAction, reason: str | None) -> str | None:
    text = (reason or "").strip()
    if action in _NEEDS_REASON and not text:
        raise InvalidInput("task.reason_required")
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput("task.reason_too_long", limit=MAX_REASON_CHARS)
    return text or None


def _task_reason(action: TaskAction, given: str | None, kept: str | None) -> str | None:
    """What the task shows as its reason: the one just given when the action needs one; none
    once a review reopened it (the refusal's reason no longer stands); else as it was."""
    if action in _NEEDS_REASON:
        return given
    return None if action in REVIEW_ACTIONS else kept


async def _transition(
    deps: Deps,
    conn: Connection,
    application: store.ApplicationRow,
    task: store.TaskRow,
    action: TaskAction,
    reason: str | None,
    *,
    actor_kind: str,
    actor_id: int | None,
    extra: dict[str, object] | None = None,
) -> list[int]:
    before = TaskStatus(task.status)
    try:
        after = next_task_status(before, action)
    except IllegalTransition:
        raise Conflict(
            "task.illegal_transition", status=before.value, action=action.value
        ) from None
    today = today_local()
    total_days = task.working_days + task.extended_days
    clock = move_clock(
        deps.calendar,
        before,
        after,
        task.due_on,
        task.days_left_at_pause,
        today,
        working_days=total_days,
    )
    await store.update_task(
        conn,
        task.id,
        status=after.value,
        due_on=clock.due_on,
        remind_on=reminder_date(deps.calendar, clock.due_on, total_days),
        paused=clock.paused,
        days_left_at_pause=clock.days_left_at_pause,
        reason=_task_reason(action, reason, task.reason),
        final=after in FINAL_TASK_STATUSES,
    )
    common: events.ApplicationEventOrigin = {
        "application_id": application.id,
        "citizen_id": application.citizen_id,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
    }
    await events.append(
        conn,
        kind=f"task.{action.value}",
        task_id=task.id,
        **common,
        data={
            "item": task.item_name,
            "from": before.value,
            "to": after.value,
            "reason": reason,
            **(extra or {}),
        },
    )
    if clock.due_on != task.due_on:
        await events.append(
            conn,
            kind="task.deadline_moved",
            task_id=task.id,
            **common,
            data={
                "item": task.item_name,
                "from": task.due_on.isoformat(),
                "to": clock.due_on.isoformat(),
            },
        )
    contact = await store.citizen_contact(conn, application.citizen_id)
    assert contact is not None
    outbox_ids: list[int] = []
    template = _CITIZEN_TEMPLATES.get(action)
    if template is not None:
        # plain readers are told to call the unit that asks
        outbox_ids.append(
            await citizen_sms.queue(
                conn,
                contact,
                kind=f"task.{action.value}",
                template=template,
                params={
                    "number": application.number,
                    "item": task.item_name,
                    "reason": reason or "",
                },
                call_phone=task.unit_phone or deps.settings.support_phone,
            )
        )
    statuses = [TaskStatus(s) for s in await store.task_statuses(conn, application.id)]
    new_status = application_status(statuses)
    final_count, _total = progress(statuses)
    final = new_status in FINAL_APPLICATION
    await store.update_application_status(
        conn, application.id, new_status.value, final_count, final
    )
    if new_status.value != application.status:
        await events.append(
            conn,
            kind="application.status_changed",
            **common,
            data={"from": application.status, "to": new_status.value},
        )
        if final:
            outbox_ids.append(
                await citizen_sms.queue(
                    conn,
                    contact,
                    kind="application.finished",
                    template=f"sms.application_{new_status.value}",
                    params={"number": application.number, "bundle": application.bundle_name},
                    call_phone=deps.settings.support_phone,
                )
            )
            outbox_ids += await application_rating_question.ask_if_sms_reader(
                conn, application, contact, deps.settings.support_phone
            )
    return outbox_ids


__all__ = ["ApplicationStatus", "act_on_task", "supply_materials", "unit_queue"]
