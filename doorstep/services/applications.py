"""Applications (办件): follow them, and the staff side of their tasks.

Submitting one is services.submission (its names kept importable from here); the views read of
them are in services.application_views.
"""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.case_numbers import normalize_case_number
from doorstep.domain.delegation import bundle_filter, theme_of_bundle
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize_by_number,
    authorize_subject,
    require_signed_in,
)
from doorstep.domain.workflow import ApplicationStatus
from doorstep.services import acting, privacy

# the views, kept importable from here where callers read them with the use cases
from doorstep.services.application_views import APPLICATION_STATUSES as APPLICATION_STATUSES
from doorstep.services.application_views import TASK_STATUSES as TASK_STATUSES
from doorstep.services.application_views import ApplicationView as ApplicationView
from doorstep.services.application_views import QueueEntry as QueueEntry
from doorstep.services.application_views import TaskView as TaskView
from doorstep.services.application_views import _application_view as _application_view
from doorstep.services.application_views import _task_view as _task_view
from doorstep.services.application_views import load_one
from doorstep.services.deps import Deps

# submitting, kept importable from here where its callers find it
from doorstep.services.submission import APPLICATION_PREFIX as APPLICATION_PREFIX
from doorstep.services.submission import OnSubmitted as OnSubmitted
from doorstep.services.submission import PreRead as PreRead
from doorstep.services.submission import SubmitInput as SubmitInput
from doorstep.services.submission import bundle_target as bundle_target
from doorstep.services.submission import checked_input as checked_input
from doorstep.services.submission import submit_application as submit_application
from doorstep.services.submission import submit_in as submit_in
from doorstep.store import applications as store
from doorstep.store import delegation as delegation_store
from doorstep.store import events

# the row types of the precompiled list, which reads the rows straight
from doorstep.store.applications import ListedApplicationRow as ListedApplicationRow
from doorstep.store.applications import ListedTaskRow as ListedTaskRow
from doorstep.store.db import Connection

MAX_REASON_CHARS = 500
FINAL_APPLICATION = {
    ApplicationStatus.COMPLETED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.PARTIALLY_COMPLETED,
}
# one application by its number, kept importable here for the use cases on its tasks
_load_one = load_one


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
    await authorize_citizen_act(
        conn, actor, application, operation, NotFound("application.not_found")
    )
    return application


async def authorize_citizen_act(
    conn: Connection,
    actor: Actor,
    application: store.ApplicationRow,
    operation: Operation,
    not_found: NotFound,
) -> None:
    """The citizen may act on their application, or their agent within the delegation's
    themes (the delegation re-read under lock); anyone else is told `not_found`, in the words
    used for what nobody has."""
    authorize_by_number(
        actor,
        operation,
        Target(
            citizen_id=application.citizen_id,
            theme=theme_of_bundle(application.bundle_code),
        ),
        not_found,
    )
    await acting.ensure_active(conn, actor)


async def load_in(conn: Connection, number: str) -> ApplicationView | None:
    """One application by its number, on the caller's connection (no authorization)."""
    return await _load_one(conn, number)


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
    citizen_id = authorize_subject(actor, Operation.OWN_APPLICATIONS_LIST)
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
    citizen_id = authorize_subject(actor, Operation.OWN_APPLICATIONS_LIST)
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
        view = await _readable(conn, actor, number)
        if actor.is_staff_side:
            await privacy.record_staff_read(
                conn, actor, view.citizen_id, what="application", purpose=purpose
            )
    return view


async def _agent_read(deps: Deps, actor: Actor, number: str) -> ApplicationView:
    """An agent reads one of their principal's applications: recorded, the principal told."""
    async with deps.pool.acquire() as conn:
        view = await _readable(conn, actor, number)
        await acting.record_read(deps, conn, actor, what="application", purpose="follow_progress")
    return view


async def _readable(conn: Connection, actor: Actor, number: str) -> ApplicationView:
    """The application `number` if the actor may read it. Citizens read their own; agents their
    principal's in their themes; staff the applications their unit has a task in. Anyone else
    is told there is no such number."""
    view = await _load_one(conn, number)
    if view is None:
        raise NotFound("application.not_found")
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
    return view
