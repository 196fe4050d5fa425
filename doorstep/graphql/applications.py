"""Applications (办件) for citizens, and the unit queue and task actions for staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from doorstep.domain.calendar import deadline_end, today_local
from doorstep.domain.clock import working_days_left
from doorstep.domain.errors import Conflict
from doorstep.domain.priority import Reason as PriorityReason
from doorstep.domain.workflow import TaskAction
from doorstep.graphql.context import Info
from doorstep.graphql.enums import ApplicationStatus, TaskStatus
from doorstep.graphql.feedback_types import ApplicationFeedback, feedback_type
from doorstep.graphql.ids import parse_id
from doorstep.graphql.priority import reason_label
from doorstep.graphql.vault import VaultDocumentInput, as_json
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import application_feedback, confirmations, sla
from doorstep.services import application_materials as material_service
from doorstep.services import applications as service
from doorstep.services import tasks as task_service
from doorstep.services.timeline import TimelineEventRow


@strawberry.type
class Progress:
    done: int = strawberry.field(description="Tasks finished (done or rejected)")
    total: int
    percent: int


@strawberry.type(description="One department's part of an application")
class Task:
    id: strawberry.ID
    item_code: str
    item_name: str
    unit_code: str
    unit_name: str
    unit_phone: str | None
    status: TaskStatus
    status_label: str
    working_days: int
    due_on: date = strawberry.field(description="Last working day (Asia/Shanghai)")
    due_at: datetime
    paused: bool = strawberry.field(description="The clock waits for the citizen (补正)")
    reason: str | None
    priority: bool = strawberry.field(
        default=False,
        description="优先办: served first within its deadline day, with a shorter internal target",
    )
    priority_reason: PriorityReason | None = None
    priority_label: str | None = None
    target_on: date | None = strawberry.field(
        default=None,
        description="The unit's internal target: the deadline, earlier for priority work",
    )
    days_left_at_pause: strawberry.Private[int | None] = None
    view: strawberry.Private[service.TaskView | None] = None

    @strawberry.field(description="Staff: whether the signed-in account may act on this task")
    def can_act(self, info: Info) -> bool:
        return self.view is not None and task_service.may_act(info.context.actor, self.view)

    @strawberry.field(
        description="Staff: working days left to the deadline (0: due today), negative when "
        "overdue; while paused (补正) the days the clock keeps; null when finished"
    )
    def working_days_left(self, info: Info) -> int | None:
        today = today_local()
        return working_days_left(
            info.context.deps.calendar, self.status, self.due_on, self.days_left_at_pause, today
        )


@strawberry.type(description="One entry of an application's history")
class TimelineEvent:
    seq: strawberry.ID
    kind: str
    title: str
    at: datetime
    data: JSON


@strawberry.type(description="A citizen's application for a bundle (办件)")
class Application:
    id: strawberry.Private[int]
    number: str = strawberry.field(description="Keypad-friendly number with a check digit")
    bundle_code: str
    bundle_name: str
    status: ApplicationStatus
    status_label: str
    progress: Progress
    tasks: list[Task]
    next_step: str | None = strawberry.field(description="The one thing the citizen should do")
    read_aloud: str | None = strawberry.field(
        description="Elder mode: this screen's key message, to read aloud (number, where it "
        "stands, what to do)"
    )
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @strawberry.field(description="Every change, oldest first")
    async def timeline(self, info: Info) -> list[TimelineEvent]:
        ctx = info.context
        rows = await ctx.loaders.timeline.load(self.id)
        return [event_type(r, ctx.language, ctx.elder) for r in rows]

    @strawberry.field(
        description="好差评 and 申请复核: the rating (or whether it can be given), and per task "
        "its unit's rating, rectification and review"
    )
    async def feedback(self, info: Info) -> ApplicationFeedback:
        ctx = info.context
        found = await application_feedback.feedback(
            ctx.deps,
            self.id,
            self.status,
            [(int(t.id), t.status) for t in self.tasks],
        )
        return feedback_type(found, ctx.language, ctx.elder)


def event_type(row: TimelineEventRow, language: str, elder: bool) -> TimelineEvent:
    return TimelineEvent(
        seq=strawberry.ID(str(row.seq)),
        kind=row.kind,
        title=translate(f"event.{row.kind}", language, elder=elder, **_event_params(row.data)),
        at=row.created_at,
        data=as_json(row.data),
    )


def _event_params(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "item": data.get("item", ""),
        "reason": data.get("reason") or "",
        "to": data.get("to", ""),
        "number": data.get("number", ""),
    }


@strawberry.type(description="A task in a unit's work queue")
class QueueTask:
    application_number: str
    task: Task


# The computed fields, one function each, on plain values: the strawberry types below (from
# the views) and the precompiled path of the hot list (`graphql.precompiled`, from the rows)
# compute them the same way.


def task_status_label(status: TaskStatus, language: str, elder: bool) -> str:
    return translate(f"task_status.{status.value}", language, elder=elder)


def application_status_label(status: ApplicationStatus, language: str, elder: bool) -> str:
    return translate(f"application_status.{status.value}", language, elder=elder)


def next_step_text(next_step: str | None, language: str, elder: bool) -> str | None:
    return translate(next_step, language, elder=elder) if next_step else None


def read_aloud_text(
    number: str, status: ApplicationStatus, next_step: str | None, language: str, elder: bool
) -> str | None:
    if not elder:
        return None
    return translate(
        "read_aloud.application",
        language,
        elder=True,
        number=" ".join(number),
        status=application_status_label(status, language, elder),
        next=next_step_text(next_step, language, elder) or "",
    )


def progress_of(done: int, total: int) -> Progress:
    return Progress(done=done, total=total, percent=(100 * done // total) if total else 0)


_task = mirror(
    Task,
    service.TaskView,
    status_label=GIVEN,
    due_at=lambda t: deadline_end(t.due_on),
    priority=lambda t: t.priority_reason is not None,
    priority_label=GIVEN,
    view=lambda t: t,
)
_application = mirror(
    Application,
    service.ApplicationView,
    status_label=GIVEN,
    progress=lambda v: progress_of(*v.progress),
    tasks=GIVEN,
    next_step=GIVEN,
    read_aloud=GIVEN,
)


def task_type(t: service.TaskView, language: str, elder: bool) -> Task:
    return _task(
        t,
        status_label=task_status_label(t.status, language, elder),
        priority_label=reason_label(t.priority_reason, language, elder),
    )


def application_type(view: service.ApplicationView, language: str, elder: bool) -> Application:
    return _application(
        view,
        status_label=application_status_label(view.status, language, elder),
        tasks=[task_type(t, language, elder) for t in view.tasks],
        next_step=next_step_text(view.next_step, language, elder),
        read_aloud=read_aloud_text(view.number, view.status, view.next_step, language, elder),
    )


@strawberry.input(description="One form for a whole bundle")
class SubmitApplicationInput:
    bundle_code: str
    materials: list[str] = strawberry.field(
        default_factory=list, description="Codes of the materials provided"
    )
    form: JSON | None = strawberry.field(default=None, description="Bundle-specific fields")
    applicant_name: str | None = None
    resident_id: str | None = strawberry.field(
        default=None, description="18-digit resident ID number"
    )
    documents: list[VaultDocumentInput] | None = strawberry.field(
        default=None,
        description="Certificates provided with this form: kept in the vault, "
        "never asked for again",
    )


def confirmation_pending(view: confirmations.ConfirmationView) -> Conflict:
    """An agent's money-moving action now waits for the principal's own confirmation: the
    agent is told so, as a refusal naming it (extensions.confirmationId; `myConfirmations`
    follows it). Nothing is applied for until the principal says yes."""
    return Conflict(
        "delegation.confirmation_pending",
        name=view.principal.name or view.principal.phone_masked,
        confirmation_id=str(view.id),
    )


def submit_input(input: SubmitApplicationInput, *, documents: bool = True) -> service.SubmitInput:
    """The form as the service takes it: a form that is not an object stands as {"value": ...};
    documents=False leaves the certificates out."""
    form = input.form
    return service.SubmitInput(
        bundle_code=input.bundle_code,
        materials=tuple(input.materials),
        form=form if isinstance(form, dict) or form is None else {"value": form},
        applicant_name=input.applicant_name,
        resident_id=input.resident_id,
        documents=tuple(d.to_domain() for d in input.documents or ()) if documents else (),
    )


def _id(raw: strawberry.ID) -> int:
    return parse_id(raw, "task.id_invalid")


@strawberry.type(description="A material an application's items ask for, as a clerk checks it")
class ApplicationMaterial:
    item_name: str
    code: str
    name: str
    required: bool
    provided: bool
    source: str | None = strawberry.field(
        description="The unit whose record supplied it, 'citizen' for a certificate the "
        "citizen keeps, null when only the form named it"
    )


_material = mirror(ApplicationMaterial, material_service.MaterialView)


@strawberry.type
class ApplicationsQuery:
    @strawberry.field(
        description="Staff: the materials of an application they handle (the read is recorded)"
    )
    async def application_materials(self, info: Info, number: str) -> list[ApplicationMaterial]:
        ctx = info.context
        views = await material_service.application_materials(ctx.deps, ctx.actor, number)
        return [_material(v) for v in views]

    @strawberry.field(description="The signed-in citizen's applications, newest first")
    async def my_applications(
        self, info: Info, first: int = 20, before: strawberry.ID | None = None
    ) -> list[Application]:
        ctx = info.context
        views = await service.my_applications(
            ctx.deps, ctx.actor, limit=first, before_id=_id(before) if before else None
        )
        return [application_type(v, ctx.language, ctx.elder) for v in views]

    @strawberry.field(description="One application by its number")
    async def application(self, info: Info, number: str) -> Application:
        ctx = info.context
        view = await service.get_application(ctx.deps, ctx.actor, number)
        return application_type(view, ctx.language, ctx.elder)

    @strawberry.field(description="Staff: open tasks of their unit (supervisors: their region)")
    async def unit_queue(
        self,
        info: Info,
        statuses: list[TaskStatus] | None = None,
        first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[QueueTask]:
        ctx = info.context
        entries = await task_service.unit_queue(
            ctx.deps,
            ctx.actor,
            statuses=statuses or None,
            limit=first,
            after_id=_id(after) if after else None,
        )
        return [
            QueueTask(
                application_number=e.application_number,
                task=task_type(e.task, ctx.language, ctx.elder),
            )
            for e in entries
        ]


async def _act(
    info: Info, task_id: strawberry.ID, action: TaskAction, reason: str | None = None
) -> Application:
    ctx = info.context
    view = await task_service.act_on_task(ctx.deps, ctx.actor, _id(task_id), action, reason)
    return application_type(view, ctx.language, ctx.elder)


@strawberry.type
class ApplicationsMutation:
    @strawberry.mutation(
        description="Apply for a bundle in one form. An agent's application "
        "that moves money or property is not made: it waits for "
        "the principal's own confirmation (refusal "
        "delegation.confirmation_pending, with confirmationId)"
    )
    async def submit_application(self, info: Info, input: SubmitApplicationInput) -> Application:
        ctx = info.context
        data = submit_input(input)
        view = await confirmations.submit_application(
            ctx.deps, ctx.actor, data, read=ctx.take_submission_read()
        )
        if isinstance(view, confirmations.ConfirmationView):
            raise confirmation_pending(view)
        return application_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(description="Citizen: supply the materials a unit asked for (补正)")
    async def supply_materials(
        self, info: Info, number: str, materials: list[str] | None = None, note: str | None = None
    ) -> Application:
        ctx = info.context
        view = await task_service.supply_materials(
            ctx.deps, ctx.actor, number, materials or [], note
        )
        return application_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(description="Staff: accept a task (受理)")
    async def accept_task(self, info: Info, task_id: strawberry.ID) -> Application:
        return await _act(info, task_id, TaskAction.ACCEPT)

    @strawberry.mutation(description="Staff: ask the citizen for materials; the clock pauses")
    async def request_materials(
        self, info: Info, task_id: strawberry.ID, reason: str
    ) -> Application:
        return await _act(info, task_id, TaskAction.REQUEST_MATERIALS, reason)

    @strawberry.mutation(description="Staff: finish a task (办结)")
    async def complete_task(self, info: Info, task_id: strawberry.ID) -> Application:
        return await _act(info, task_id, TaskAction.COMPLETE)

    @strawberry.mutation(
        description="Staff: extend a running task before its deadline; the citizen is told"
    )
    async def request_extension(
        self, info: Info, task_id: strawberry.ID, days: int, reason: str
    ) -> Application:
        ctx = info.context
        view = await sla.request_extension(ctx.deps, ctx.actor, _id(task_id), days, reason)
        return application_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(description="Staff: refuse a task, with a reason")
    async def reject_task(self, info: Info, task_id: strawberry.ID, reason: str) -> Application:
        return await _act(info, task_id, TaskAction.REJECT, reason)
