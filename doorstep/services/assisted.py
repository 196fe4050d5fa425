"""Assisted handling at the counter (帮办): a clerk applies for a walk-in citizen.

The clerk checks the citizen's identity document in person and records it, and that the
citizen agreed to the clerk submitting for them; the application is the citizen's, marked as
submitted by that clerk, and the citizen follows it by SMS (plain texts with the number and
the unit's phone). A walk-in without a smartphone needs no account: the resident ID finds or
creates it, with a phone number that can receive SMS (a keypad phone is enough).
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain import pii
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.identity import normalize_phone, validate_resident_id
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.i18n import DEFAULT_LANGUAGE
from doorstep.services import privacy
from doorstep.services.application_views import reload
from doorstep.services.applications import ApplicationView
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.services.preferences import supported_language
from doorstep.services.submission import (
    SubmitInput,
    _check_form,
    _insert,
    _prepare,
    submitted_event,
    tell_submitted,
)
from doorstep.store import applications as app_store
from doorstep.store import delegation as store
from doorstep.store import events
from doorstep.store import identity as identity_store
from doorstep.store.db import Connection, transaction

MAX_DOCUMENT_CHARS = 50
MAX_NOTE_CHARS = 200


@dataclass(frozen=True)
class AssistedInput:
    application: SubmitInput  # resident_id required here
    phone: str | None
    language: str | None
    identity_document: str  # what the clerk saw, e.g. "居民身份证原件"
    identity_checked: bool
    consent_given: bool
    note: str | None = None


async def submit_assisted(deps: Deps, actor: Actor, data: AssistedInput) -> ApplicationView:
    authorize(actor, Operation.APPLICATION_SUBMIT_ASSISTED)
    assert actor.staff_id is not None
    if not (data.identity_checked and data.consent_given):
        raise InvalidInput("assisted.consent_required")
    document = data.identity_document.strip()
    if not document or len(document) > MAX_DOCUMENT_CHARS:
        raise InvalidInput("assisted.document_invalid", limit=MAX_DOCUMENT_CHARS)
    if data.note is not None and len(data.note) > MAX_NOTE_CHARS:
        raise InvalidInput("assisted.note_too_long", limit=MAX_NOTE_CHARS)
    app = data.application
    if app.resident_id is None:
        raise InvalidInput("assisted.resident_id_required")
    try:
        resident_id = validate_resident_id(app.resident_id)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    phone = None
    if data.phone is not None and data.phone.strip():
        try:
            phone = normalize_phone(data.phone)
        except ValueError:
            raise InvalidInput("phone.invalid") from None
    language = DEFAULT_LANGUAGE if data.language is None else supported_language(data.language)
    bundle = await deps.catalog.get(deps, app.bundle_code)
    if bundle is None:
        raise NotFound("bundle.unknown", bundle=app.bundle_code[:40])
    _check_form(app, bundle.material_codes())

    async with transaction(deps.pool) as conn:
        citizen_id = await _walk_in(deps, conn, resident_id, phone, language)
        # the clerk saw the card: that is the account's identity check (method "counter")
        await binding.record_counter_check(
            deps,
            conn,
            citizen_id,
            resident_id,
            staff_id=actor.staff_id,
            name=app.applicant_name,
            ref=document,
        )
        new = await _prepare(deps, conn, bundle, app, citizen_id, staff_id=actor.staff_id)
        inserted = await _insert(conn, new)
        number, application_id = inserted.number, inserted.application_id
        clerk = await store.staff_unit(conn, actor.staff_id)
        assert clerk is not None
        await store.insert_assisted_consent(
            conn,
            application_id=application_id,
            citizen_id=citizen_id,
            staff_id=actor.staff_id,
            unit_id=clerk.unit_id,
            identity_document=document,
            note=data.note.strip() if data.note else None,
        )
        await privacy.record_staff_read(
            conn, actor, citizen_id, what="identity", purpose="assisted_application"
        )
        event = submitted_event(
            number,
            citizen_id,
            bundle,
            application_id=application_id,
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"assisted": True},
        )
        outbox_id = await tell_submitted(
            conn, inserted, bundle, event, clerk.unit_phone or deps.settings.support_phone
        )
        view = await reload(conn, number)
    await deps.after_commit([outbox_id])
    return view


async def _walk_in(
    deps: Deps, conn: Connection, resident_id: str, phone: str | None, language: str
) -> int:
    """The citizen with this resident ID; else the account of this phone; else a new one."""
    found = await app_store.citizen_by_index(
        conn, pii.blind_index(resident_id, deps.settings.index_key)
    )
    if found is not None:
        holder = await identity_store.holder(conn, found)
        assert holder is not None
        if holder.identity_verified_at is None:
            # an ID claimed before checks existed: the clerk's check may not verify someone
            # else's account; the walk-in's own phone must be that account's
            contact = await app_store.citizen_contact(conn, found)
            if phone is None or contact is None or contact.phone != phone:
                raise Conflict(binding.COUNTER_CONFLICT)
        return found
    if phone is None:
        raise InvalidInput("assisted.phone_required")
    by_phone = await store.citizen_by_phone(conn, phone)
    if by_phone is not None:
        return int(by_phone.id)  # record_counter_check refuses another person's ID on it
    created = await store.create_walk_in_citizen(conn, phone, language)
    if created is None:
        raise InvalidInput("assisted.phone_required")
    await events.append(
        conn,
        kind="citizen.registered",
        actor_kind="staff",
        actor_id=None,
        citizen_id=created.id,
        data={"at": "counter"},
    )
    return int(created.id)
