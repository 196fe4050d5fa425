"""The principal's own confirmation of an agent's action that moves money or property.

An agent may not alone apply for a bundle that pays out or moves money or property
(`retirement`, `after-death`), nor accept an offer of one (domain.policy.confirmation_needed).
Their submission is kept instead as a pending confirmation — the form encrypted, no
application, nothing else written — and the principal is asked by a plain SMS (reply Y / N,
a number to call, no link) and in the app (`myConfirmations`, `answerConfirmation`). Yes
creates the application in one transaction exactly as if the principal had submitted it
(their event, their SMS), recorded in delegation_actions with both people; no refuses it. It
expires after DOORSTEP_CONFIRMATION_HOURS (72), and a delegation that is revoked or ends
cancels what waits under it. Only the principal answers: from their own number, or signed in
as themselves; an agent, or anyone else, is refused. Answering yes twice gives the same
application.

This module builds on applications and proactive (which build on services.delegation); the
SMS-reply handling reaches it through `delegation.handle_sms_reply`.

Size: the submit path in it is being rewritten; split next, once that has landed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from doorstep.domain import pii
from doorstep.domain.delegation import (
    REQUEST_TTL,
    ConfirmationStatus,
    DelegationStatus,
    Reply,
    confirmation_status,
    effective_status,
    theme_of_bundle,
)
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
    confirmation_needed,
)
from doorstep.domain.rate_limits import DAY_SECONDS, Window
from doorstep.domain.sms_reply import SUBJECT_MODULUS, Question, QuestionKind, question_code
from doorstep.services import acting, applications, notifications, rate_limits, vault
from doorstep.services.catalog import Bundle
from doorstep.services.citizen_sms import display_phone
from doorstep.services.deps import Deps
from doorstep.services.proactive import offers
from doorstep.services.proactive.views import OfferView
from doorstep.services.rate_limits import Limit
from doorstep.store import confirmations as store
from doorstep.store import delegation as delegation_store
from doorstep.store import events
from doorstep.store.confirmations import ConfirmationRow
from doorstep.store.db import Connection, transaction
from doorstep.store.proactive import offers as offer_store
from doorstep.store.rate_limits import Counted

log = logging.getLogger(__name__)

PAYLOAD_PURPOSE = b"confirmation_payload"
SWEEP_BATCH = 200
# a second "Y" this soon after one that confirmed is the same answer, not a new question
REPEAT_YES = timedelta(hours=1)
# each question is an SMS to a principal: one agent asks at most this many a day, over all the
# people she acts for (the per-number caps of the outbox would only delay the flood)
MAX_ASKS_PER_AGENT_PER_DAY = 10
ASKS_OF_AGENT = Limit(
    Counted.CONFIRMATIONS_ASKED_BY_AGENT, (Window(MAX_ASKS_PER_AGENT_PER_DAY, DAY_SECONDS),)
)
MAX_LIST = 100


@dataclass(frozen=True)
class ConfirmationView:
    id: int
    status: ConfirmationStatus
    operation: str  # application.submit or offer.respond
    bundle_code: str
    bundle_name: str
    offer_id: int | None
    agent: acting.Party
    principal: acting.Party
    requested_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    application_number: str | None
    viewer_is: str  # agent or principal


@dataclass(frozen=True)
class Answered:
    confirmation: ConfirmationView
    application: applications.ApplicationView | None


def _now() -> datetime:
    return datetime.now(UTC)


def status_of(row: ConfirmationRow, now: datetime | None = None) -> ConfirmationStatus:
    now = now or _now()
    held = effective_status(
        DelegationStatus(row.delegation_status),
        row.delegation_requested_at,
        row.delegation_valid_until,
        now,
    )
    active = (
        held is DelegationStatus.ACTIVE
        and row.delegation_valid_from <= now < row.delegation_valid_until
    )
    return confirmation_status(ConfirmationStatus(row.status), row.expires_at, active, now)


def _view(row: ConfirmationRow, viewer_is: str) -> ConfirmationView:
    return ConfirmationView(
        id=row.id,
        status=status_of(row),
        operation=row.operation,
        bundle_code=row.bundle_code,
        bundle_name=row.bundle_name,
        offer_id=row.offer_id,
        agent=acting.party(row.agent_id, row.agent_name, row.agent_phone),
        principal=acting.party(row.principal_id, row.principal_name, row.principal_phone),
        requested_at=row.created_at,
        expires_at=row.expires_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        application_number=row.application_number,
        viewer_is=viewer_is,
    )


# -- the form, kept encrypted while it waits ------------------------------------------------


def _encode(deps: Deps, data: applications.SubmitInput) -> bytes:
    payload = {
        "bundle_code": data.bundle_code,
        "materials": list(data.materials),
        "form": data.form,
        "applicant_name": data.applicant_name,
        "resident_id": data.resident_id,
        "documents": [
            {
                "doc_type": d.doc_type,
                "number": d.number,
                "issuer": d.issuer,
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "file_ref": d.file_ref,
                "file_sha256": d.file_sha256,
            }
            for d in data.documents
        ],
    }
    return pii.encrypt(
        json.dumps(payload, ensure_ascii=False), deps.settings.data_key, purpose=PAYLOAD_PURPOSE
    )


def _decode(deps: Deps, blob: bytes) -> applications.SubmitInput:
    payload = json.loads(pii.decrypt(blob, deps.settings.data_key, purpose=PAYLOAD_PURPOSE))
    return applications.SubmitInput(
        bundle_code=payload["bundle_code"],
        materials=tuple(payload["materials"]),
        form=payload["form"],
        applicant_name=payload["applicant_name"],
        resident_id=payload["resident_id"],
        documents=tuple(
            vault.DocumentInput(
                doc_type=d["doc_type"],
                number=d["number"],
                issuer=d["issuer"],
                valid_until=date.fromisoformat(d["valid_until"]) if d["valid_until"] else None,
                file_ref=d["file_ref"],
                file_sha256=d["file_sha256"],
            )
            for d in payload["documents"]
        ),
    )


# -- the agent asks ---------------------------------------------------------------------------


async def submit_application(
    deps: Deps, actor: Actor, data: applications.SubmitInput
) -> applications.ApplicationView | ConfirmationView:
    """Apply (applications.submit_application), or, for an agent's application that moves
    money, ask the principal to confirm it: the pending confirmation is returned."""
    target = applications.bundle_target(actor.subject_citizen_id, data.bundle_code)
    if not confirmation_needed(actor, Operation.APPLICATION_SUBMIT, target):
        return await applications.submit_application(deps, actor, data)
    authorize(actor, Operation.CONFIRMATION_REQUEST, target)
    bundle, _resident_id = await applications.checked_input(deps, data)
    vault.clean_documents(data.documents)  # refused now, not when the principal says yes
    return await _ask(deps, actor, Operation.APPLICATION_SUBMIT, bundle, data, offer_id=None)


Accepted = tuple[OfferView, applications.ApplicationView]


async def accept_offer(deps: Deps, actor: Actor, offer_id: int) -> Accepted | ConfirmationView:
    """Accept an offer (offers.accept_offer), or, for an agent and an offer that moves
    money, ask the principal to confirm the acceptance."""
    row = await offers.load_offer(deps.pool, offer_id)
    target = offers.offer_target(row)
    if not confirmation_needed(actor, Operation.OFFER_RESPOND, target):
        return await offers.accept_offer(deps, actor, offer_id)
    authorize(actor, Operation.CONFIRMATION_REQUEST, target)
    offers.must_be_open(row)
    data, _mark = offers.acceptance(row, actor)
    bundle, _resident_id = await applications.checked_input(deps, data)
    return await _ask(deps, actor, Operation.OFFER_RESPOND, bundle, data, offer_id=offer_id)


async def _ask(
    deps: Deps,
    actor: Actor,
    operation: Operation,
    bundle: Bundle,
    data: applications.SubmitInput,
    *,
    offer_id: int | None,
) -> ConfirmationView:
    assert actor.grant is not None and actor.agent_citizen_id is not None
    assert actor.principal_citizen_id is not None
    delegation_id = actor.grant.delegation_id
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        await rate_limits.enforce(
            conn,
            "confirmation.too_many_requests",
            [(ASKS_OF_AGENT, actor.agent_citizen_id)],
            limit=MAX_ASKS_PER_AGENT_PER_DAY,
        )
        if offer_id is not None:
            locked = await offer_store.offer_by_id(conn, offer_id, lock=True)
            assert locked is not None
            offers.must_be_open(locked)
        # a question left unanswered past its time no longer stands in the way of a new one
        outbox_ids: list[int] = []
        for stale in await store.pending_same(conn, delegation_id, bundle.code, offer_id):
            if status_of(stale) is not ConfirmationStatus.PENDING:
                await _close(conn, stale, status_of(stale), outbox_ids)
        confirmation_id = await store.insert(
            conn,
            delegation_id=delegation_id,
            agent_id=actor.agent_citizen_id,
            principal_id=actor.principal_citizen_id,
            operation=operation.value,
            bundle_code=bundle.code,
            offer_id=offer_id,
            payload_enc=_encode(deps, data),
            hours=deps.settings.confirmation_hours,
        )
        if confirmation_id is None:
            raise Conflict("confirmation.exists")
        row = await store.get(conn, confirmation_id)
        assert row is not None
        await acting.record_action(
            conn,
            deps,
            actor,
            Operation.CONFIRMATION_REQUEST,
            application_id=None,
            number=None,
            notice=None,
            detail={
                "bundle": bundle.code,
                "confirmation_id": confirmation_id,
                "offer_id": offer_id,
                "for": operation.value,
            },
        )
        await _event(conn, row, "confirmation.requested", actor_id=actor.agent_citizen_id)
        principal = await delegation_store.citizen_brief(conn, actor.principal_citizen_id)
        assert principal is not None
        outbox_ids.append(
            await notifications.queue(
                conn,
                citizen_id=principal.id,
                phone=principal.phone,
                kind="confirmation_requested",
                template="sms.confirmation_requested",
                extend_code=question_code(QuestionKind.CONFIRMATION, confirmation_id),
                params={
                    "name": acting.who(row.agent_name, row.agent_phone),
                    "bundle": row.bundle_name,
                    "phone": display_phone(deps.settings.support_phone),
                },
                language=principal.language,
            )
        )
    await deps.after_commit(outbox_ids)
    return _view(row, "agent")


# -- both sides see it --------------------------------------------------------------------


async def list_mine(
    deps: Deps, actor: Actor, statuses: list[ConfirmationStatus] | None = None, *, limit: int = 50
) -> list[ConfirmationView]:
    """As a citizen: what I am asked to confirm and what I asked others to; acting for a
    principal: what I asked them. Newest first; `statuses` as of now."""
    authorize(actor, Operation.CONFIRMATION_LIST, Target(citizen_id=actor.subject_citizen_id))
    wanted = set(statuses) if statuses else None
    # a stored "pending" may be expired or cancelled as of now
    stored = (
        None
        if wanted is None
        else sorted(
            {s.value for s in wanted}
            | (
                {ConfirmationStatus.PENDING.value}
                if wanted & {ConfirmationStatus.EXPIRED, ConfirmationStatus.CANCELLED}
                else set()
            )
        )
    )
    limit = max(1, min(limit, MAX_LIST))
    async with deps.pool.acquire() as conn:
        if actor.role is Role.AGENT:
            assert actor.agent_citizen_id is not None
            assert actor.principal_citizen_id is not None
            rows = await store.between(
                conn, actor.agent_citizen_id, actor.principal_citizen_id, stored, limit
            )
            await acting.record_read(
                deps, conn, actor, what="delegation", purpose="follow_progress"
            )
            views = [_view(r, "agent") for r in rows]
        else:
            assert actor.citizen_id is not None
            rows = await store.of_citizen(conn, actor.citizen_id, stored, limit)
            views = [
                _view(r, "principal" if r.principal_id == actor.citizen_id else "agent")
                for r in rows
            ]
    return [v for v in views if wanted is None or v.status in wanted]


# -- the principal answers ----------------------------------------------------------------


async def answer(deps: Deps, actor: Actor, confirmation_id: int, confirm: bool) -> Answered:
    """The principal, signed in as themselves, confirms (the application is made) or
    refuses. Confirming again gives the same application."""
    async with transaction(deps.pool) as conn:
        found = await store.get(conn, confirmation_id)
        if found is None:
            raise NotFound("confirmation.not_found")
        authorize(
            actor,
            Operation.CONFIRMATION_ANSWER,
            Target(
                citizen_id=found.principal_id,
                theme=theme_of_bundle(found.bundle_code),
                moves_money=True,
            ),
        )
        row = await _lock(conn, found)
        answered, outbox_ids = await _decide(conn, deps, row, confirm, by="app")
    await deps.after_commit(outbox_ids)
    return answered


async def _lock(conn: Connection, row: ConfirmationRow) -> ConfirmationRow:
    """The confirmation re-read under its lock, after a share lock on its delegation: the
    order a revocation takes them in (it locks the delegation, then cancels), so the two
    never deadlock; a revocation waits for the answer to commit, or the answer sees it."""
    await delegation_store.get(conn, row.delegation_id, lock="share")
    await store.get(conn, row.id, lock=True)
    # read again: a row locked after a concurrent change is re-checked alone, its joined rows
    # (the application it made) still as of the statement's start
    locked = await store.get(conn, row.id)
    assert locked is not None
    return locked


async def _decide(
    conn: Connection, deps: Deps, row: ConfirmationRow, confirm: bool, *, by: str
) -> tuple[Answered, list[int]]:
    """The principal's answer to a confirmation (its delegation and the row locked: _lock)."""
    status = status_of(row)
    if status is ConfirmationStatus.CONFIRMED and confirm:  # the same answer again
        assert row.application_number is not None  # a confirmed one made its application
        return Answered(
            _view(row, "principal"), await applications.load_in(conn, row.application_number)
        ), []
    if status is ConfirmationStatus.EXPIRED:
        raise Conflict("confirmation.expired")
    if status is not ConfirmationStatus.PENDING:
        raise Conflict("confirmation.not_pending", status=status.value)
    outbox_ids: list[int] = []
    application: applications.ApplicationView | None = None
    if confirm:
        application, outbox_ids = await _apply(conn, deps, row)
        await store.decide(
            conn,
            row.id,
            status=ConfirmationStatus.CONFIRMED.value,
            by=by,
            application_id=application.id,
        )
        await delegation_store.record_action(
            conn,
            delegation_id=row.delegation_id,
            agent_id=row.agent_id,
            principal_id=row.principal_id,
            operation=row.operation,
            application_id=application.id,
            detail={
                "number": application.number,
                "bundle": row.bundle_code,
                "confirmation_id": row.id,
                "confirmed_by": by,
            },
        )
        kind, template = "confirmation.confirmed", "sms.confirmation_confirmed"
    else:
        await store.decide(conn, row.id, status=ConfirmationStatus.REFUSED.value, by=by)
        kind, template = "confirmation.refused", "sms.confirmation_refused"
    updated = await store.get(conn, row.id)
    assert updated is not None
    row = updated
    await _event(
        conn,
        row,
        kind,
        actor_id=row.principal_id,
        data={"by": by, "number": row.application_number},
    )
    outbox_ids.append(await _tell_agent(conn, row, template))
    return Answered(_view(row, "principal"), application), outbox_ids


async def _apply(
    conn: Connection, deps: Deps, row: ConfirmationRow
) -> tuple[applications.ApplicationView, list[int]]:
    """The application, made as if the principal had submitted it: their act, their SMS."""
    principal = Actor(
        role=Role.CITIZEN,
        citizen_id=row.principal_id,
        language=row.principal_language,
        elder_mode=row.principal_elder_mode,
    )
    data = _decode(deps, row.payload_enc)
    on_submitted: applications.OnSubmitted | None = None
    if row.offer_id is not None:
        offer = await offers.load_offer(conn, row.offer_id)
        data, on_submitted = offers.acceptance(offer, principal)
    authorize(
        principal,
        Operation.APPLICATION_SUBMIT,
        applications.bundle_target(row.principal_id, data.bundle_code),
    )
    bundle, resident_id = await applications.checked_input(deps, data)
    return await applications.submit_in(
        conn,
        deps,
        principal,
        bundle,
        data,
        resident_id,
        on_submitted=on_submitted,
        event_data={"confirmation_id": row.id, "asked_by": row.agent_id},
    )


# -- by SMS: "Y" / "N" (reached through delegation.handle_sms_reply) -----------------------


async def answer_by_sms(
    deps: Deps, raw_phone: str, reply: Reply, question: Question | None = None
) -> acting.SmsReplyOutcome:
    """A "Y" or "N" from a principal's own number answers their newest waiting confirmation,
    unless a delegation request to them is newer (then it is that request's: handled False).
    A reply that names its question (the extend code of the SMS it answers) answers that one.
    A reply once it ran out is told so; a second "Y" right after one is the same answer; a
    reply from the number of the agent who asked is refused (only the principal answers).
    Anything else is not ours (handled False)."""
    nothing = acting.SmsReplyOutcome(handled=False, action="nothing")
    if reply not in (Reply.YES, Reply.NO):
        return nothing
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        return nothing
    citizen = await delegation_store.citizen_by_phone(deps.pool, phone)
    if citizen is None:
        return nothing
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        waiting = await store.pending_for_principal(conn, citizen.id)
        named = [
            r
            for r in waiting
            if question is not None and question.asks_about(QuestionKind.CONFIRMATION, r.id)
        ]
        if named:
            waiting = named
        elif (
            question is not None
            and question.kind is QuestionKind.DELEGATION_REQUEST
            and await store.request_named(conn, citizen.id, question.residue, SUBJECT_MODULUS)
        ):
            return nothing  # the reply names a delegation request
        live = [r for r in waiting if status_of(r) is ConfirmationStatus.PENDING]
        asked_at = (
            None
            if named
            else await store.newest_live_request_at(conn, citizen.id, REQUEST_TTL.total_seconds())
        )
        if asked_at is not None and (not live or asked_at > live[0].created_at):
            return nothing  # the delegation request is the newer question
        if live:
            row = await _lock(conn, live[0])
            _answered, outbox_ids = await _decide(conn, deps, row, reply is Reply.YES, by="sms")
            result = acting.SmsReplyOutcome(
                handled=True,
                action="confirmed" if reply is Reply.YES else "confirmation_refused",
                delegation_ids=(live[0].delegation_id,),
            )
        elif waiting:
            # only questions whose time ran out (or whose delegation ended)
            for stale in waiting:
                row = await _lock(conn, stale)
                if row.status == ConfirmationStatus.PENDING.value:
                    await _close(conn, row, status_of(row), outbox_ids)
            outbox_ids.append(
                await notifications.queue(
                    conn,
                    citizen_id=citizen.id,
                    phone=citizen.phone,
                    kind="confirmation_reply_expired",
                    template="sms.confirmation_reply_expired",
                    params={"phone": display_phone(deps.settings.support_phone)},
                    language=citizen.language,
                )
            )
            result = acting.SmsReplyOutcome(
                handled=True,
                action="confirmation_expired",
                delegation_ids=tuple(r.delegation_id for r in waiting),
            )
        elif (
            reply is Reply.YES
            and (done := await store.confirmed_since(conn, citizen.id, REPEAT_YES.total_seconds()))
            is not None
        ):
            result = acting.SmsReplyOutcome(
                handled=True, action="already_confirmed", delegation_ids=(done.delegation_id,)
            )
        elif asked := await store.pending_asked_by(conn, citizen.id):
            # the agent's own "Y" confirms nothing: it is the principal's to give
            outbox_ids.append(
                await notifications.queue(
                    conn,
                    citizen_id=citizen.id,
                    phone=citizen.phone,
                    kind="confirmation_not_yours",
                    template="sms.confirmation_not_yours",
                    params={"name": acting.who(asked[0].principal_name, asked[0].principal_phone)},
                    language=citizen.language,
                )
            )
            result = acting.SmsReplyOutcome(
                handled=True, action="not_principal", delegation_ids=(asked[0].delegation_id,)
            )
        else:
            return nothing
    await deps.after_commit(outbox_ids)
    return result


# -- ends without an answer -----------------------------------------------------------------


async def cancel_confirmations(conn: Connection, delegation_id: int) -> int:
    """A delegation that ends (revoked, expired) cancels what waits for its principal's
    confirmation, in the same transaction. Returns how many."""
    rows = await store.pending_of_delegation(conn, delegation_id)
    for row in rows:
        await cancel_confirmation(conn, row)
    return len(rows)


async def cancel_confirmation(conn: Connection, row: ConfirmationRow) -> None:
    await store.decide(conn, row.id, status="cancelled", by="delegation")
    await events.append(
        conn,
        kind="confirmation.cancelled",
        actor_kind="system",
        actor_id=None,
        citizen_id=row.principal_id,
        data={
            "confirmation_id": row.id,
            "delegation_id": row.delegation_id,
            "agent_id": row.agent_id,
            "bundle": row.bundle_code,
        },
    )


async def _close(
    conn: Connection, row: ConfirmationRow, status: ConfirmationStatus, outbox_ids: list[int]
) -> None:
    """Record that a pending confirmation expired (the agent is told) or was cancelled by its
    delegation's end (the agent heard of that already)."""
    if status is ConfirmationStatus.EXPIRED:
        await store.decide(conn, row.id, status=status.value, by="system")
        await _event(conn, row, "confirmation.expired", actor_id=None, actor_kind="system")
        outbox_ids.append(await _tell_agent(conn, row, "sms.confirmation_expired"))
    elif status is ConfirmationStatus.CANCELLED:
        await cancel_confirmation(conn, row)


async def sweep(deps: Deps) -> int:
    """Record confirmations that ran out of time or lost their delegation (they stopped
    counting at that moment already); rows are locked with SKIP LOCKED, so two workers never
    close one twice."""
    closed = 0
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        for row in await store.due(conn, SWEEP_BATCH):
            status = status_of(row)
            if status is ConfirmationStatus.PENDING:
                continue
            await _close(conn, row, status, outbox_ids)
            closed += 1
    await deps.after_commit(outbox_ids)
    return closed


# -- shared helpers ----------------------------------------------------------------------------


async def _event(
    conn: Connection,
    row: ConfirmationRow,
    kind: str,
    *,
    actor_id: int | None,
    actor_kind: str = "citizen",
    data: dict[str, Any] | None = None,
) -> None:
    """On the principal's stream, so the agent acting for them hears it too."""
    await events.append(
        conn,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        citizen_id=row.principal_id,
        data={
            "confirmation_id": row.id,
            "delegation_id": row.delegation_id,
            "agent_id": row.agent_id,
            "bundle": row.bundle_code,
            **(data or {}),
        },
    )


async def _tell_agent(conn: Connection, row: ConfirmationRow, template: str) -> int:
    params: dict[str, Any] = {
        "name": acting.who(row.principal_name, row.principal_phone),
        "bundle": row.bundle_name,
    }
    if row.application_number is not None:
        params["number"] = row.application_number
    return await notifications.queue(
        conn,
        citizen_id=row.agent_id,
        phone=row.agent_phone,
        kind=template.removeprefix("sms."),
        template=template,
        params=params,
        language=row.agent_language,
    )
