"""SMS replies about delegations: "Y"/"N" to a request (or a confirmation), "0" to stop one."""

from __future__ import annotations

from doorstep.domain.delegation import (
    OPEN_STATUSES,
    ConsentMethod,
    DelegationStatus,
    Reply,
    parse_reply,
)
from doorstep.domain.sms_reply import Question, QuestionKind, named_by
from doorstep.services import confirmations
from doorstep.services.acting import SmsReplyOutcome, grant_of, sms_sender, tell
from doorstep.services.citizen_sms import call_us
from doorstep.services.delegation.lifecycle import decide, expire, stop
from doorstep.services.deps import Deps
from doorstep.store import delegation as store
from doorstep.store.db import transaction


async def handle_sms_reply(
    deps: Deps, raw_phone: str, text: str, question: Question | None = None
) -> SmsReplyOutcome:
    """Route an SMS reply: "Y"/"N" answer the question the reply names (by the extend code of
    the SMS it answers), else the newest waiting one — an agent's money-moving action waiting
    for the principal's confirmation (services.confirmations), else a delegation request —
    and "0" stops every delegation of the sender (cancelling what waits under them). Anything
    else is not ours (handled False)."""
    reply = parse_reply(text)
    if reply is Reply.STOP:
        return await stop_by_sms(deps, raw_phone, text)
    if reply in (Reply.YES, Reply.NO):
        answered = await confirmations.answer_by_sms(deps, raw_phone, reply, question)
        if answered.handled:
            return answered
        return await consent_by_sms(deps, raw_phone, text, question)
    return SmsReplyOutcome(handled=False, action="nothing")


async def consent_by_sms(
    deps: Deps, raw_phone: str, reply_text: str, question: Question | None = None
) -> SmsReplyOutcome:
    """A principal's reply to the request SMS: "Y" consents, "N" refuses the request the reply
    names (by its extend code), else the newest waiting request to the number that replied. A
    reply from any other number finds nothing waiting for it and changes nothing; a reply
    after the request expired is told so."""
    reply = parse_reply(reply_text)
    if reply not in (Reply.YES, Reply.NO):
        return SmsReplyOutcome(handled=False, action="nothing")
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        principal = await sms_sender(conn, raw_phone)
        if principal is None:
            return SmsReplyOutcome(handled=False, action="nothing")
        waiting = await store.requested_for_principal(conn, principal.id)
        named = named_by(question, waiting, QuestionKind.DELEGATION_REQUEST)
        waiting = named or waiting
        live = [r for r in waiting if grant_of(r).status is DelegationStatus.REQUESTED]
        if not live:
            if not waiting:
                return SmsReplyOutcome(handled=False, action="nothing")
            # only requests whose time ran out: they cannot be answered any more
            for row in waiting:
                await expire(conn, row, {"reason": "reply_after_expiry"})
            outbox_ids.append(
                await tell(conn, principal, "sms.delegation_reply_expired", call_us(deps))
            )
            result = SmsReplyOutcome(
                handled=True, action="expired", delegation_ids=tuple(r.id for r in waiting)
            )
        else:
            row = live[0]
            _row, outbox_ids = await decide(
                conn,
                deps,
                row,
                reply is Reply.YES,
                method=ConsentMethod.SMS,
                actor_id=principal.id,
            )
            result = SmsReplyOutcome(
                handled=True,
                action="consented" if reply is Reply.YES else "refused",
                delegation_ids=(row.id,),
            )
    await deps.after_commit(outbox_ids)
    return result


async def stop_by_sms(deps: Deps, raw_phone: str, reply_text: str) -> SmsReplyOutcome:
    """ "0" from a principal: every delegation of theirs, active or asked, stops at once."""
    if parse_reply(reply_text) is not Reply.STOP:
        return SmsReplyOutcome(handled=False, action="nothing")
    outbox_ids: list[int] = []
    stopped: list[int] = []
    async with transaction(deps.pool) as conn:
        principal = await sms_sender(conn, raw_phone)
        if principal is None:
            return SmsReplyOutcome(handled=False, action="nothing")
        for row in await store.open_for_principal(conn, principal.id):
            if grant_of(row).status not in OPEN_STATUSES:
                continue
            _row, ids = await stop(conn, deps, row, by="sms", actor_id=principal.id)
            outbox_ids += ids
            stopped.append(row.id)
    await deps.after_commit(outbox_ids)
    if not stopped:
        return SmsReplyOutcome(handled=False, action="nothing")
    return SmsReplyOutcome(handled=True, action="stopped", delegation_ids=tuple(stopped))
