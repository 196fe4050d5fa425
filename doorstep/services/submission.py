"""Submitting an application (办件): a bundle in one form, by a citizen, their agent, or as
the principal's answer to a confirmation; the rows it writes, with its event and its SMS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from doorstep.domain.calendar import today_local
from doorstep.domain.case_numbers import make_case_number
from doorstep.domain.clock import reminder_date
from doorstep.domain.delegation import moves_money, theme_of_bundle
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.identity import validate_resident_id
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.priority import internal_target
from doorstep.domain.rate_limits import DAY_SECONDS, HOUR_SECONDS, Seen, Window
from doorstep.domain.workflow import ApplicationStatus, TaskStatus
from doorstep.services import acting, citizen_sms, priority, rate_limits, vault
from doorstep.services.application_views import ApplicationView, load_one, submitted_view
from doorstep.services.catalog import Bundle
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.services.vault.forms import Prefill
from doorstep.store import applications as store
from doorstep.store import events, submissions
from doorstep.store.applications import SerialContactRow
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import delivery as outbox
from doorstep.store.outbox.delivery import NewMessage
from doorstep.store.submissions import SubmitterRow

# what a citizen's submission reads before it writes, when it was read with their session
# (`auth.submitter_for_token`): its serial is drawn, so it serves one submission only
PreRead = SubmitterRow

APPLICATION_PREFIX = "10"
MAX_FORM_BYTES = 16 * 1024
MAX_NAME_CHARS = 50


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
    deps: Deps,
    actor: Actor,
    data: SubmitInput,
    *,
    on_submitted: OnSubmitted | None = None,
    read: PreRead | None = None,
) -> ApplicationView:
    """A citizen applies; or their agent, for a bundle of the delegation's themes that moves
    no money (the principal is told by SMS, and the action is recorded with both people).
    An agent's application that moves money goes through services.confirmations instead.
    `read`: what a citizen's own plain submission reads first, if it came with the session
    (another kind of submission reads again inside its transaction; the serial drawn is left
    unused, a gap in the numbers as a rollback leaves)."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.APPLICATION_SUBMIT, bundle_target(citizen_id, data.bundle_code))
    assert citizen_id is not None
    bundle, resident_id = await checked_input(deps, data)
    plain = (
        actor.role is Role.CITIZEN
        and on_submitted is None
        and resident_id is None
        and not data.applicant_name
        and not data.documents
    )
    if plain:
        async with deps.pool.acquire() as conn:
            view, outbox_ids = await _submit_plain(
                conn, deps, actor, bundle, data, read if read and read.id == citizen_id else None
            )
    else:
        async with transaction(deps.pool) as conn:
            await acting.ensure_active(conn, actor)
            view, outbox_ids = await submit_in(
                conn, deps, actor, bundle, data, resident_id, on_submitted=on_submitted
            )
    await deps.after_commit(outbox_ids)
    return view


async def _submit_plain(
    conn: Connection,
    deps: Deps,
    actor: Actor,
    bundle: Bundle,
    data: SubmitInput,
    read: PreRead | None,
) -> tuple[ApplicationView, list[int]]:
    """A citizen's own submission that writes nothing but the application (no identity, no
    documents, no callback): one read, then every row in one statement (the busiest write).
    No transaction is needed around them: the read takes no locks (under READ COMMITTED each
    statement of a transaction has its own snapshot anyway) and one statement is atomic, its
    NOTIFY sent when it commits."""
    citizen_id = actor.subject_citizen_id
    assert citizen_id is not None
    new = await _prepare(deps, conn, bundle, data, citizen_id, staff_id=None, read=read)
    event = submitted_event(
        new.row.number,
        citizen_id,
        bundle,
        application_id=None,
        actor_kind="citizen",
        actor_id=citizen_id,
        data={},
    )
    sms = submitted_sms(new.contact, new.row.number, bundle, deps.settings.support_phone)
    rows = await submissions.insert_submission(conn, new.row, (event, sms))
    outbox_id = rows[0].outbox_id
    assert outbox_id is not None
    return submitted_view(rows), [outbox_id]


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
    new = await _prepare(deps, conn, bundle, data, citizen_id, staff_id=None)
    inserted = await _insert(conn, new)
    application_id, number = inserted.application_id, inserted.number
    if on_submitted is not None:
        await on_submitted(conn, application_id)
    agent_id = actor.acting_agent_id
    agent = {"agent_id": agent_id} if agent_id is not None else {}
    event = submitted_event(
        number,
        citizen_id,
        bundle,
        application_id=application_id,
        actor_kind="citizen",
        actor_id=agent_id or citizen_id,
        data={**agent, **(event_data or {})},
    )
    if agent_id is not None:
        await events.append_new(conn, event)
        # the principal hears it from the agent notice, which carries the number
        outbox_ids = await acting.record_action(
            conn,
            deps,
            actor,
            Operation.APPLICATION_SUBMIT,
            application_id=application_id,
            number=number,
            notice="sms.agent_applied",
            detail={"bundle": bundle.code},
        )
    else:  # the event and the SMS in one round trip
        outbox_ids = [
            await tell_submitted(conn, inserted, bundle, event, deps.settings.support_phone)
        ]
    if on_submitted is None:  # the rows as written are the rows a re-read would find
        view: ApplicationView | None = submitted_view(inserted.rows)
    else:  # the callback may have changed them
        view = await load_one(conn, number)
    assert view is not None
    return view, outbox_ids


def submitted_event(
    number: str,
    citizen_id: int,
    bundle: Bundle,
    *,
    application_id: int | None,
    actor_kind: str,
    actor_id: int | None,
    data: dict[str, Any],
) -> events.NewEvent:
    """The event of a submission (by the citizen, their agent or a clerk at the counter);
    application_id None: the statement that writes the application fills it in."""
    return events.NewEvent(
        kind="application.submitted",
        actor_kind=actor_kind,
        actor_id=actor_id,
        application_id=application_id,
        citizen_id=citizen_id,
        data={"number": number, "bundle": bundle.code, "tasks": len(bundle.items), **data},
    )


def submitted_sms(
    contact: store.CitizenContactRow, number: str, bundle: Bundle, call_phone: str
) -> NewMessage:
    """The citizen's SMS of a submission; `call_phone` is the number the plain variant gives
    to call."""
    return citizen_sms.message(
        contact,
        kind="application.submitted",
        template="sms.application_submitted",
        params={"number": number, "bundle": bundle.name},
        call_phone=call_phone,
    )


async def tell_submitted(
    conn: Connection, inserted: Inserted, bundle: Bundle, event: events.NewEvent, call_phone: str
) -> int:
    """Append the submission's event and queue the citizen's SMS of it, in one round trip; the
    outbox id."""
    sms = submitted_sms(inserted.contact, inserted.number, bundle, call_phone)
    _seq, outbox_id = await outbox.insert_after_event(conn, event, sms)
    return outbox_id


@dataclass(frozen=True)
class Prepared:
    """A new application ready to write, with its citizen's contact and what the vault
    supplies to it."""

    row: submissions.NewApplication
    contact: store.CitizenContactRow
    held: Prefill


def _check_submission_limits(deps: Deps, read: SerialContactRow) -> None:
    """So many applications a citizen an hour and a day (a clerk's at the counter aside): each
    sends an SMS and puts tasks in units' queues. Counted by the read that draws the serial,
    without a lock: submissions of one instant may pass together, so a flood is held to about
    the limit rather than exactly (an exact count would cost the busiest write a lock and a
    round trip; the other limits, `services.rate_limits.enforce`, guard rarer things)."""
    settings = deps.settings
    rate_limits.refuse_when_full(
        "application.too_many",
        read.db_now,
        [
            (
                Window(settings.applications_per_citizen_hour, HOUR_SECONDS),
                Seen(read.applied_in_hour, read.first_in_hour),
            ),
            (
                Window(settings.applications_per_citizen_day, DAY_SECONDS),
                Seen(read.applied_in_day, read.first_in_day),
            ),
        ],
    )


async def _prepare(
    deps: Deps,
    conn: Connection,
    bundle: Bundle,
    data: SubmitInput,
    citizen_id: int,
    *,
    staff_id: int | None,
    read: SerialContactRow | None = None,
) -> Prepared:
    """The application and its tasks, one per item, each on its own working-day clock, as
    read before anything is written: the serial (with the citizen's contact), the vault's
    holdings (which decide 优先办 too); `read` is the first of these when it has been read."""
    today = today_local()
    serial = read or await store.next_serial_with_contact(
        conn, citizen_id, deps.settings.applications_counted if staff_id is None else 0
    )
    if staff_id is None:
        _check_submission_limits(deps, serial)
    number = make_case_number(APPLICATION_PREFIX, serial.serial)
    # the vault supplies what it holds; the form asked only for the rest
    held = await vault.prefill(
        deps, conn, citizen_id, bundle, data.documents, vault_empty=serial.vault_empty
    )
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
    row = submissions.NewApplication(
        number=number,
        citizen_id=citizen_id,
        bundle_id=bundle.id,
        status=ApplicationStatus.SUBMITTED.value,
        form=form,
        staff_id=staff_id,
        priority_reason=reason,
        tasks=tasks,
        vault_uses=held.uses(),
    )
    return Prepared(row=row, contact=serial, held=held)


@dataclass(frozen=True)
class Inserted:
    """A new application as written (its rows as `submissions.insert_submission` gives them back),
    and its citizen's contact."""

    number: str
    application_id: int
    rows: list[submissions.SubmittedTaskRow]
    contact: store.CitizenContactRow


async def _insert(conn: Connection, new: Prepared) -> Inserted:
    """The application `_prepare` made, its tasks and the vault's uses, inside the caller's
    transaction."""
    rows = await submissions.insert_submission(conn, new.row)
    application_id = rows[0].application_id
    await new.held.link_documents(conn, application_id)
    return Inserted(new.row.number, application_id, rows, new.contact)


async def _record_identity(
    deps: Deps, conn: Connection, citizen_id: int, name: str | None, resident_id: str | None
) -> None:
    """A form's name is kept if the account has none; a form's resident ID must be the one the
    account proved (services.identity.binding): it is never bound by a form."""
    if resident_id is not None:
        await binding.require_verified(deps, conn, citizen_id, resident_id)
    if name and name.strip():
        await store.set_citizen_name(conn, citizen_id, name.strip())
