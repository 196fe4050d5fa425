"""Applications (办件): submit a bundle in one form, follow it, and the staff side of its tasks.

The views read of them are in services.application_views.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doorstep.domain.calendar import local_date
from doorstep.domain.case_numbers import make_case_number, normalize_case_number
from doorstep.domain.clock import reminder_date
from doorstep.domain.delegation import bundle_filter, moves_money, theme_of_bundle
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.identity import (
    validate_resident_id,
)
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
    authorize_by_number,
    require_signed_in,
)
from doorstep.domain.priority import internal_target
from doorstep.domain.workflow import (
    ApplicationStatus,
    TaskStatus,
)
from doorstep.services import acting, citizen_sms, priority, vault

# the views, kept importable from here where callers read them with the use cases
from doorstep.services.application_views import APPLICATION_STATUSES as APPLICATION_STATUSES
from doorstep.services.application_views import TASK_STATUSES as TASK_STATUSES
from doorstep.services.application_views import ApplicationView as ApplicationView
from doorstep.services.application_views import QueueEntry as QueueEntry
from doorstep.services.application_views import TaskView as TaskView
from doorstep.services.application_views import _application_view as _application_view
from doorstep.services.application_views import _task_view as _task_view
from doorstep.services.catalog import Bundle
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.store import applications as store
from doorstep.store import delegation as delegation_store
from doorstep.store import events

# the row types of the precompiled list, which reads the rows straight
from doorstep.store.applications import ListedApplicationRow as ListedApplicationRow
from doorstep.store.applications import ListedTaskRow as ListedTaskRow
from doorstep.store.db import Connection, transaction

APPLICATION_PREFIX = "10"
MAX_FORM_BYTES = 16 * 1024
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 50
FINAL_APPLICATION = {
    ApplicationStatus.COMPLETED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.PARTIALLY_COMPLETED,
}


@dataclass(frozen=True)
class SubmitInput:
    bundle_code: str
    materials: tuple[str, ...] = ()
    form: dict[str, Any] | None = None
    applicant_name: str | None = None
    resident_id: str | None = None
    # documents provided with this form: kept in the vault (一次采集), never asked for again
    documents: tuple[vault.DocumentInput, ...] = ()


# called inside the submission's transaction once the application exists (application id);
# raising rolls the whole submission back
OnSubmitted = Callable[[Connection, int], Awaitable[None]]


def parse_number(raw: str) -> str:
    try:
        return normalize_case_number(raw)
    except ValueError:
        raise InvalidInput("application.number_invalid") from None


async def lock_for_citizen_act(
    conn: Connection, actor: Actor, number: str, operation: Operation
) -> store.ApplicationRow:
    """Lock an application the citizen (or their agent, within the delegation's themes, the
    delegation re-read under lock) acts on: its row, or `application.not_found` for anyone
    else, in the words used for a number nobody has."""
    application = await store.lock_application(conn, number)
    if application is None:
        raise NotFound("application.not_found")
    authorize_by_number(
        actor,
        operation,
        Target(
            citizen_id=application.citizen_id,
            theme=theme_of_bundle(application.bundle_code),
        ),
        NotFound("application.not_found"),
    )
    await acting.ensure_active(conn, actor)
    return application


def _check_form(data: SubmitInput, known_materials: set[str]) -> None:
    import json

    if (
        data.form is not None
        and len(json.dumps(data.form, ensure_ascii=False).encode()) > MAX_FORM_BYTES
    ):
        raise InvalidInput("application.form_too_large", limit=MAX_FORM_BYTES)
    unknown = sorted(set(data.materials) - known_materials)
    if unknown:
        raise InvalidInput("application.material_unknown", codes=", ".join(unknown))
    if data.applicant_name is not None:
        name = data.applicant_name.strip()
        if not name or len(name) > MAX_NAME_CHARS:
            raise InvalidInput("application.name_invalid", limit=MAX_NAME_CHARS)


def bundle_target(citizen_id: int | None, bundle_code: str) -> Target:
    """What applying for (or touching an application of) a bundle means to the policy."""
    return Target(
        citizen_id=citizen_id,
        theme=theme_of_bundle(bundle_code),
        moves_money=moves_money(bundle_code),
    )


async def submit_application(
    deps: Deps, actor: Actor, data: SubmitInput, *, on_submitted: OnSubmitted | None = None
) -> ApplicationView:
    """A citizen applies; or their agent, for a bundle of the delegation's themes that moves
    no money (the principal is told by SMS, and the action is recorded with both people).
    An agent's application that moves money goes through services.confirmations instead."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.APPLICATION_SUBMIT, bundle_target(citizen_id, data.bundle_code))
    assert citizen_id is not None
    bundle, resident_id = await checked_input(deps, data)
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        view, outbox_ids = await submit_in(
            conn, deps, actor, bundle, data, resident_id, on_submitted=on_submitted
        )
    await deps.after_commit(outbox_ids)
    return view


async def checked_input(deps: Deps, data: SubmitInput) -> tuple[Bundle, str | None]:
    """The bundle and the valid resident ID of a form, or a refusal (nothing written)."""
    bundle = await deps.catalog.get(deps, data.bundle_code)
    if bundle is None:
        raise NotFound("bundle.unknown", bundle=data.bundle_code[:40])
    _check_form(data, bundle.material_codes())
    resident_id = None
    if data.resident_id is not None:
        try:
            resident_id = validate_resident_id(data.resident_id)
        except ValueError as exc:
            raise InvalidInput(exc.args[0]) from None
    return bundle, resident_id


async def submit_in(
    conn: Connection,
    deps: Deps,
    actor: Actor,
    bundle: Bundle,
    data: SubmitInput,
    resident_id: str | None,
    *,
    on_submitted: OnSubmitted | None = None,
    event_data: dict[str, Any] | None = None,
) -> tuple[ApplicationView, list[int]]:
    """The submission itself, inside the caller's transaction (authorized and checked by the
    caller): the application, its tasks, the event and the SMS. Returns the view and the
    outbox ids to enqueue after commit."""
    citizen_id = actor.subject_citizen_id
    assert citizen_id is not None
    if resident_id is not None or data.applicant_name:
        await _record_identity(deps, conn, citizen_id, data.applicant_name, resident_id)
    inserted = await _insert(deps, conn, bundle, data, citizen_id, staff_id=None)
    number, row = inserted.number, inserted.row
    if on_submitted is not None:
        await on_submitted(conn, row.id)
    agent = {"agent_id": actor.agent_citizen_id} if actor.role is Role.AGENT else {}
    event = submitted_event(
        inserted,
        bundle,
        actor_kind="citizen",
        actor_id=actor.agent_citizen_id or citizen_id,
        data={**agent, **(event_data or {})},
    )
    if actor.role is Role.AGENT:
        await events.append_new(conn, event)
        # the principal hears it from the agent notice, which carries the number
        outbox_ids = await acting.record_action(
            conn,
            deps,
            actor,
            Operation.APPLICATION_SUBMIT,
            application_id=row.id,
            number=number,
            notice="sms.agent_applied",
            detail={"bundle": bundle.code},
        )
    else:  # the event and the SMS in one round trip
        outbox_ids = [
            await tell_submitted(conn, inserted, bundle, event, deps.settings.support_phone)
        ]
    if on_submitted is None:  # the rows as written are the rows a re-read would find
        view: ApplicationView | None = _application_view(
            row, [_task_view(t) for t in inserted.task_rows]
        )
    else:  # the callback may have changed them
        view = await _load_one(conn, number)
    assert view is not None
    return view, outbox_ids


@dataclass(frozen=True)
class Inserted:
    """A new application as written (its rows as `by_number` and `tasks_of` read them), and
    its citizen's contact."""

    number: str
    row: store.ApplicationRow
    task_rows: list[store.TaskRow]
    contact: store.CitizenContactRow


def submitted_event(
    inserted: Inserted,
    bundle: Bundle,
    *,
    actor_kind: str,
    actor_id: int | None,
    data: dict[str, Any],
) -> events.NewEvent:
    """The event of a submission (by the citizen, their agent or a clerk at the counter)."""
    return events.NewEvent(
        kind="application.submitted",
        actor_kind=actor_kind,
        actor_id=actor_id,
        application_id=inserted.row.id,
        citizen_id=inserted.row.citizen_id,
        data={
            "number": inserted.number,
            "bundle": bundle.code,
            "tasks": len(bundle.items),
            **data,
        },
    )


async def tell_submitted(
    conn: Connection, inserted: Inserted, bundle: Bundle, event: events.NewEvent, call_phone: str
) -> int:
    """Append the submission's event and queue the citizen's SMS of it, in one round trip; the
    outbox id. `call_phone` is the number the plain variant gives to call."""
    return await citizen_sms.queue_after_event(
        conn,
        inserted.contact,
        event,
        kind="application.submitted",
        template="sms.application_submitted",
        params={"number": inserted.number, "bundle": bundle.name},
        call_phone=call_phone,
    )


async def _insert(
    deps: Deps,
    conn: Connection,
    bundle: Bundle,
    data: SubmitInput,
    citizen_id: int,
    *,
    staff_id: int | None,
) -> Inserted:
    """The application and its tasks, one per item, each on its own working-day clock: the
    serial (with the citizen's contact), the vault's holdings (which decide 优先办 too), then
    the application and its tasks."""
    today = local_date(datetime.now().astimezone())
    serial = await store.next_serial_with_contact(conn, citizen_id)
    number = make_case_number(APPLICATION_PREFIX, serial.serial)
    # the vault supplies what it holds; the form asked only for the rest
    held = await vault.prefill(deps, conn, citizen_id, bundle, data.documents)
    form = {
        "materials": sorted(set(data.materials) | held.material_codes),
        "fields": data.form or {},
        "vault": held.form_json(),
    }
    # 优先办: decided now from proven data (the vault's rows the prefill read), kept on the
    # application and its tasks
    evidence = priority.evidence_from(
        serial.proven_birth_date, held.holdings.facts, held.holdings.documents
    )
    reason = priority.standing_from(evidence, today).reason
    row = await store.insert_application(
        conn,
        number=number,
        citizen_id=citizen_id,
        bundle_id=bundle.id,
        status=ApplicationStatus.SUBMITTED.value,
        form=form,
        tasks_total=len(bundle.items),
        staff_id=staff_id,
        priority_reason=reason,
    )
    tasks = []
    for position, item in enumerate(bundle.items):
        due = deps.calendar.add_working_days(today, item.promised_days)
        tasks.append(
            (
                item.id,
                item.unit.id,
                position,
                TaskStatus.SUBMITTED.value,
                item.promised_days,
                due,
                reminder_date(deps.calendar, due, item.promised_days),
                internal_target(deps.calendar, today, due, item.promised_days, reason is not None),
            )
        )
    task_rows = await store.insert_tasks(conn, row.id, tasks, reason)
    await held.log_uses(conn, row.id)
    return Inserted(number=number, row=row, task_rows=task_rows, contact=serial)


async def _record_identity(
    deps: Deps, conn: Connection, citizen_id: int, name: str | None, resident_id: str | None
) -> None:
    """A form's name is kept if the account has none; a form's resident ID must be the one the
    account proved (services.identity.binding): it is never bound by a form."""
    if resident_id is not None:
        await binding.require_verified(deps, conn, citizen_id, resident_id)
    if name and name.strip():
        await store.set_citizen_name(conn, citizen_id, name.strip())


async def load_in(conn: Connection, number: str) -> ApplicationView | None:
    """One application by its number, on the caller's connection (no authorization)."""
    return await _load_one(conn, number)


async def _load_one(conn: Connection, number: str) -> ApplicationView | None:
    row = await store.by_number(conn, number)
    if row is None:
        return None
    tasks = [_task_view(t) for t in await store.tasks_of(conn, [row.id])]
    return _application_view(row, tasks)


async def citizen_version(deps: Deps, citizen_id: int) -> int:
    """The last event sequence of a citizen: moves whenever anything of theirs changes."""
    return await events.last_of_citizen(deps.pool, citizen_id)


async def current_state(deps: Deps, application_id: int) -> ApplicationView | None:
    """An application's state for a subscriber that was authorized when it subscribed."""
    return (await current_states(deps, [application_id])).get(application_id)


async def current_states(deps: Deps, application_ids: list[int]) -> dict[int, ApplicationView]:
    """Several applications' states in two queries (the event hub's read of one change)."""
    async with deps.pool.acquire() as conn:
        rows = await store.by_ids(conn, application_ids)
        task_rows = await store.tasks_of(conn, [r.id for r in rows]) if rows else []
    return {view.id: view for view in _views(rows, task_rows)}


def _views(
    rows: Sequence[ListedApplicationRow], task_rows: Sequence[ListedTaskRow]
) -> list[ApplicationView]:
    """Application rows with their task rows (ordered by application and position)."""
    by_application: dict[int, list[TaskView]] = {}
    for task_row in task_rows:
        by_application.setdefault(task_row.application_id, []).append(_task_view(task_row))
    return [_application_view(r, by_application.get(r.id, [])) for r in rows]


async def my_applications(
    deps: Deps, actor: Actor, *, limit: int = 20, before_id: int | None = None
) -> list[ApplicationView]:
    """The citizen's applications; an agent's view of their principal's, in the delegation's
    themes only (the read is recorded for the principal)."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.OWN_APPLICATIONS_LIST, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    limit = max(1, min(limit, 100))
    rows: Sequence[ListedApplicationRow]
    task_rows: Sequence[ListedTaskRow]
    if actor.role is Role.AGENT:
        assert actor.grant is not None
        async with deps.pool.acquire() as conn:
            rows = await delegation_store.applications_in_scope(
                conn, citizen_id, bundle_filter(actor.grant.themes), limit, before_id
            )
            task_rows = await store.tasks_of(conn, [r.id for r in rows]) if rows else []
            await acting.record_read(
                deps, conn, actor, what="applications", purpose="follow_progress"
            )
    else:
        rows, task_rows = await _own_rows(deps, citizen_id, limit, before_id)
    return _views(rows, task_rows)


async def my_application_rows(
    deps: Deps, actor: Actor, *, limit: int = 20, before_id: int | None = None
) -> tuple[list[ListedApplicationRow], list[ListedTaskRow]] | None:
    """A citizen's own page as the rows read (applications newest first, their tasks by
    application and position), for a caller that builds its answer straight from them (the
    precompiled list); None for anyone else, whose list goes through `my_applications`."""
    if actor.role is not Role.CITIZEN:
        return None
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.OWN_APPLICATIONS_LIST, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    return await _own_rows(deps, citizen_id, max(1, min(limit, 100)), before_id)


async def _own_rows(
    deps: Deps, citizen_id: int, limit: int, before_id: int | None
) -> tuple[list[ListedApplicationRow], list[ListedTaskRow]]:
    async with deps.pool.acquire() as conn:
        rows = await store.of_citizen(conn, citizen_id, limit, before_id)
        ids = [r.id for r in rows]
        task_rows = await store.listed_tasks_of(conn, ids) if rows else []
    return rows, task_rows


async def get_application(
    deps: Deps, actor: Actor, raw_number: str, *, purpose: str = "handle_application"
) -> ApplicationView:
    number = parse_number(raw_number)
    require_signed_in(actor)
    if actor.role is Role.AGENT:
        return await _agent_read(deps, actor, number)
    async with deps.pool.acquire() as conn:
        view = await _load_one(conn, number)
        if view is None:
            raise NotFound("application.not_found")
        _authorize_read(actor, view)
        if actor.is_staff_side:
            await store.record_personal_data_read(
                conn,
                citizen_id=view.citizen_id,
                reader_kind="staff",
                reader_id=actor.staff_id or 0,
                what="application",
                purpose=purpose,
            )
    return view


async def _agent_read(deps: Deps, actor: Actor, number: str) -> ApplicationView:
    """An agent reads one of their principal's applications: recorded, the principal told."""
    async with deps.pool.acquire() as conn:
        view = await _load_one(conn, number)
        if view is None:
            raise NotFound("application.not_found")
        _authorize_read(actor, view)
        await acting.record_read(deps, conn, actor, what="application", purpose="follow_progress")
    return view


def _authorize_read(actor: Actor, view: ApplicationView) -> None:
    """Citizens read their own; agents their principal's in their themes; staff the
    applications their unit has a task in. Anyone else is told there is no such number."""
    authorize_by_number(
        actor,
        Operation.APPLICATION_READ,
        Target(
            citizen_id=view.citizen_id,
            units={t.unit_id: t.unit_region_code for t in view.tasks},
            theme=theme_of_bundle(view.bundle_code),
            moves_money=False,
        ),
        NotFound("application.not_found"),
    )
