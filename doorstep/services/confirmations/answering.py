"""The principal answers, in the app or by an SMS reply: yes makes the application exactly as
if they had submitted it, no refuses it; answering yes twice gives the same application."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.delegation import (
    REQUEST_TTL,
    ConfirmationStatus,
    Reply,
    theme_of_bundle,
)
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
)
from doorstep.domain.sms_reply import SUBJECT_MODULUS, Question, QuestionKind, named_by
from doorstep.services import acting, applications
from doorstep.services.citizen_sms import call_us
from doorstep.services.confirmations.asking import decode_payload
from doorstep.services.confirmations.closing import close_unanswered, record_event, tell_agent
from doorstep.services.confirmations.views import Answered, status_of, view_of
from doorstep.services.deps import Deps
from doorstep.services.proactive import offers
from doorstep.store import confirmations as store
from doorstep.store import delegation as delegation_store
from doorstep.store.confirmations import ConfirmationRow
from doorstep.store.db import Connection, transaction

# a second "Y" this soon after one that confirmed is the same answer, not a new question
REPEAT_YES = timedelta(hours=1)


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
        row = await lock(conn, found)
        answered, outbox_ids = await decide(conn, deps, row, confirm, by="app")
    await deps.after_commit(outbox_ids)
    return answered


async def lock(conn: Connection, row: ConfirmationRow) -> ConfirmationRow:
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


async def decide(
    conn: Connection, deps: Deps, row: ConfirmationRow, confirm: bool, *, by: str
) -> tuple[Answered, list[int]]:
    """The principal's answer to a confirmation (its delegation and the row locked: lock)."""
    status = status_of(row)
    if status is ConfirmationStatus.CONFIRMED and confirm:  # the same answer again
        assert row.application_number is not None  # a confirmed one made its application
        return Answered(
            view_of(row, "principal"), await applications.load_in(conn, row.application_number)
        ), []
    if status is ConfirmationStatus.EXPIRED:
        raise Conflict("confirmation.expired")
    if status is not ConfirmationStatus.PENDING:
        raise Conflict("confirmation.not_pending", status=status.value)
    outbox_ids: list[int] = []
    application: applications.ApplicationView | None = None
    if confirm:
        application, outbox_ids = await apply(conn, deps, row)
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
    await record_event(
        conn,
        row,
        kind,
        actor_id=row.principal_id,
        data={"by": by, "number": row.application_number},
    )
    outbox_ids.append(await tell_agent(conn, row, template))
    return Answered(view_of(row, "principal"), application), outbox_ids


async def apply(
    conn: Connection, deps: Deps, row: ConfirmationRow
) -> tuple[applications.ApplicationView, list[int]]:
    """The application, made as if the principal had submitted it: their act, their SMS."""
    principal = Actor(
        role=Role.CITIZEN,
        citizen_id=row.principal_id,
        language=row.principal_language,
        elder_mode=row.principal_elder_mode,
    )
    data = decode_payload(deps, row.payload_enc)
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
    citizen = await acting.sms_sender(deps.pool, raw_phone)
    if citizen is None:
        return nothing
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        waiting = await store.pending_for_principal(conn, citizen.id)
        named = named_by(question, waiting, QuestionKind.CONFIRMATION)
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
            row = await lock(conn, live[0])
            _answered, outbox_ids = await decide(conn, deps, row, reply is Reply.YES, by="sms")
            result = acting.SmsReplyOutcome(
                handled=True,
                action="confirmed" if reply is Reply.YES else "confirmation_refused",
                delegation_ids=(live[0].delegation_id,),
            )
        elif waiting:
            # only questions whose time ran out (or whose delegation ended)
            for stale in waiting:
                row = await lock(conn, stale)
                if row.status == ConfirmationStatus.PENDING.value:
                    await close_unanswered(conn, row, status_of(row), outbox_ids)
            outbox_ids.append(
                await acting.tell(conn, citizen, "sms.confirmation_reply_expired", call_us(deps))
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
                await acting.tell(
                    conn,
                    citizen,
                    "sms.confirmation_not_yours",
                    {"name": acting.who(asked[0].principal_name, asked[0].principal_phone)},
                )
            )
            result = acting.SmsReplyOutcome(
                handled=True, action="not_principal", delegation_ids=(asked[0].delegation_id,)
            )
        else:
            return nothing
    await deps.after_commit(outbox_ids)
    return result
