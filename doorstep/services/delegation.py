"""Delegation (帮办代办): an agent asks, the principal consents, the agent acts, anyone stops it.

Life cycle: requested → active (consent in the app, an SMS reply "Y", or at a counter where
staff record their checks) → revoked (the principal at any time, in the app or by replying "0";
the agent may withdraw) or expired (its period ended; a request unanswered for a week). Refused
when the principal says no. Until active, nothing is allowed; once it ends, it stops at once —
the policy compares the period with the clock on every request, each agent action re-reads the
row under a lock in its own transaction, and open subscriptions re-check it.

Acting for someone under a delegation goes through one gate, `services.acting`, which the use
cases call; this module manages the delegations themselves and routes the SMS replies about them
(a "Y"/"N" may answer a confirmation: `services.confirmations`, which it builds on).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from doorstep.domain.calendar import local_date
from doorstep.domain.delegation import (
    EXPIRY_WARNING,
    OPEN_STATUSES,
    REQUEST_TTL,
    ConsentMethod,
    DelegationStatus,
    Reply,
    Theme,
    parse_reply,
    parse_themes,
    validity,
)
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.rate_limits import DAY_SECONDS, Window
from doorstep.domain.sms_reply import Question, QuestionKind, question_code
from doorstep.i18n import translate
from doorstep.services import confirmations, notifications, rate_limits
from doorstep.services.acting import Party, SmsReplyOutcome, grant_of, party, who
from doorstep.services.citizen_sms import display_phone
from doorstep.services.deps import Deps
from doorstep.services.rate_limits import Limit
from doorstep.store import delegation as store
from doorstep.store import events
from doorstep.store.db import Connection, transaction
from doorstep.store.delegation import DelegationRow
from doorstep.store.rate_limits import Counted

log = logging.getLogger(__name__)

MAX_NOTE_CHARS = 200
MAX_REQUESTS_PER_DAY = 10
REQUESTS_OF_AGENT = Limit(
    Counted.DELEGATIONS_ASKED_BY_AGENT, (Window(MAX_REQUESTS_PER_DAY, DAY_SECONDS),)
)
SWEEP_BATCH = 200
_STOP_SMS = "sms.delegation_stopped"


@dataclass(frozen=True)
class DelegationView:
    id: int
    agent: Party
    principal: Party
    themes: tuple[Theme, ...]
    status: DelegationStatus
    requested_at: datetime
    valid_from: datetime
    valid_until: datetime
    consent_method: ConsentMethod | None
    consented_at: datetime | None
    ended_at: datetime | None
    # how the viewer relates to it: "agent" or "principal" (staff: "staff")
    viewer_is: str


def _now() -> datetime:
    return datetime.now(UTC)


def _view(row: DelegationRow, viewer_is: str) -> DelegationView:
    grant = grant_of(row)
    return DelegationView(
        id=row.id,
        agent=party(row.agent_id, row.agent_name, row.agent_phone),
        principal=party(row.principal_id, row.principal_name, row.principal_phone),
        themes=tuple(sorted(grant.themes)),
        status=grant.status,
        requested_at=row.requested_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        consent_method=ConsentMethod(row.consent_method) if row.consent_method else None,
        consented_at=row.consented_at,
        ended_at=row.ended_at,
        viewer_is=viewer_is,
    )


def _viewer(actor: Actor, row: DelegationRow) -> str:
    if actor.citizen_id == row.principal_id:
        return "principal"
    if actor.citizen_id == row.agent_id:
        return "agent"
    return "staff"


def theme_labels(themes: Iterable[Theme | str], language: str) -> str:
    separator = ", " if language == "en" else "、"
    return separator.join(translate(f"theme.{Theme(t).value}", language) for t in sorted(themes))


def _until(row: DelegationRow) -> str:
    return local_date(row.valid_until).isoformat()


def _parse_phone(raw: str, code: str) -> str:
    try:
        return normalize_phone(raw)
    except ValueError:
        raise InvalidInput(code) from None


# -- the life cycle ----------------------------------------------------------------------------


async def request(
    deps: Deps, actor: Actor, raw_principal_phone: str, raw_themes: list[str], days: int
) -> DelegationView:
    """The agent asks to act for the owner of a phone number; the principal is asked by SMS."""
    authorize(actor, Operation.DELEGATION_REQUEST)
    assert actor.citizen_id is not None
    phone = _parse_phone(raw_principal_phone, "phone.invalid")
    try:
        themes = parse_themes(raw_themes)
        valid_from, valid_until = validity(days, deps.settings.delegation_max_days, _now())
    except ValueError as exc:
        raise InvalidInput(str(exc.args[0]), limit=deps.settings.delegation_max_days) from None
    async with transaction(deps.pool) as conn:
        principal = await store.citizen_by_phone(conn, phone)
        if principal is None:
            raise NotFound("delegation.principal_unknown")
        if principal.id == actor.citizen_id:
            raise InvalidInput("delegation.self")
        await rate_limits.enforce(
            conn, "delegation.too_many_requests", [(REQUESTS_OF_AGENT, actor.citizen_id)]
        )
        # a request left unanswered past its time no longer blocks a new one
        stale = await store.open_between(conn, actor.citizen_id, principal.id)
        if stale is not None and grant_of(stale).status is DelegationStatus.EXPIRED:
            await store.end(conn, stale.id, status=DelegationStatus.EXPIRED.value, by="system")
        delegation_id = await store.insert(
            conn,
            agent_id=actor.citizen_id,
            principal_id=principal.id,
            themes=sorted(t.value for t in themes),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        if delegation_id is None:
            raise Conflict("delegation.exists")
        row = await store.get(conn, delegation_id)
        assert row is not None
        await _event(
            conn,
            row,
            "delegation.requested",
            actor_id=actor.citizen_id,
            data={"themes": sorted(t.value for t in themes)},
        )
        outbox_id = await _sms(
            conn,
            deps,
            row,
            to="principal",
            template="sms.delegation_requested",
            with_themes=True,
            with_until=True,
            with_phone=True,
            extend_code=question_code(QuestionKind.DELEGATION_REQUEST, delegation_id),
        )
    await deps.after_commit([outbox_id])
    return _view(row, "agent")


async def answer(deps: Deps, actor: Actor, delegation_id: int, consent: bool) -> DelegationView:
    """The principal consents or refuses in the app."""
    async with transaction(deps.pool) as conn:
        row = await store.get(conn, delegation_id, lock="update")
        if row is None:
            raise NotFound("delegation.not_found")
        authorize(actor, Operation.DELEGATION_ANSWER, Target(citizen_id=row.principal_id))
        row, outbox_ids = await _decide(
            conn, deps, row, consent, method=ConsentMethod.APP, actor_id=row.principal_id
        )
    await deps.after_commit(outbox_ids)
    return _view(row, "principal")


async def consent_in_person(
    deps: Deps,
    actor: Actor,
    raw_principal_phone: str,
    raw_agent_phone: str,
    *,
    identity_checked: bool,
    understanding_checked: bool,
    note: str | None,
) -> DelegationView:
    """At a counter: staff record that they checked the principal's identity and that the
    principal understands what the agent will be able to do, and the consent they gave."""
    authorize(actor, Operation.DELEGATION_CONSENT_IN_PERSON)
    if not (identity_checked and understanding_checked):
        raise InvalidInput("delegation.checks_required")
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInput("delegation.note_too_long", limit=MAX_NOTE_CHARS)
    principal_phone = _parse_phone(raw_principal_phone, "phone.invalid")
    agent_phone = _parse_phone(raw_agent_phone, "phone.invalid")
    async with transaction(deps.pool) as conn:
        principal = await store.citizen_by_phone(conn, principal_phone)
        agent = await store.citizen_by_phone(conn, agent_phone)
        if principal is None or agent is None:
            raise NotFound("delegation.not_found")
        row = await store.open_between(conn, agent.id, principal.id)
        if row is None:
            raise NotFound("delegation.not_found")
        assert actor.staff_id is not None
        await store.record_read(
            conn,
            citizen_id=principal.id,
            reader_kind="staff",
            reader_id=actor.staff_id,
            what="delegation",
            purpose="in_person_consent",
            delegation_id=row.id,
        )
        row, outbox_ids = await _decide(
            conn,
            deps,
            row,
            True,
            method=ConsentMethod.IN_PERSON,
            actor_id=actor.staff_id,
            staff_id=actor.staff_id,
            note=note.strip() if note else None,
        )
    await deps.after_commit(outbox_ids)
    return _view(row, "staff")


async def _decide(
    conn: Connection,
    deps: Deps,
    row: DelegationRow,
    consent: bool,
    *,
    method: ConsentMethod,
    actor_id: int | None,
    staff_id: int | None = None,
    note: str | None = None,
) -> tuple[DelegationRow, list[int]]:
    """Consent or refusal of a request (row locked). Refused when it is not waiting."""
    status = grant_of(row).status
    if status is not DelegationStatus.REQUESTED:  # answered already, or too late
        raise Conflict("delegation.not_waiting", status=status.value)
    actor_kind = "staff" if method is ConsentMethod.IN_PERSON else "citizen"
    if consent:
        await store.activate(
            conn,
            row.id,
            method=method.value,
            staff_id=staff_id,
            identity_checked=True if staff_id else None,
            understanding_checked=True if staff_id else None,
            note=note,
        )
        kind, to_agent = "delegation.consented", "sms.delegation_active"
    else:
        await store.end(conn, row.id, status=DelegationStatus.REFUSED.value, by="principal")
        kind, to_agent = "delegation.refused", "sms.delegation_refused"
    updated = await store.get(conn, row.id)
    assert updated is not None
    row = updated
    await _event(
        conn, row, kind, actor_id=actor_id, actor_kind=actor_kind, data={"method": method.value}
    )
    outbox_ids = [
        await _sms(
            conn, deps, row, to="agent", template=to_agent, with_themes=consent, with_until=consent
        )
    ]
    if consent and method is not ConsentMethod.APP:
        # the principal gets it in writing, with how to stop it
        outbox_ids.append(
            await _sms(
                conn,
                deps,
                row,
                to="principal",
                template="sms.delegation_consented",
                with_themes=True,
                with_until=True,
            )
        )
    return row, outbox_ids


async def list_mine(deps: Deps, actor: Actor, *, limit: int = 50) -> list[DelegationView]:
    """Delegations the citizen gave (as principal) and holds (as agent), newest first."""
    authorize(actor, Operation.DELEGATION_LIST)
    assert actor.citizen_id is not None
    rows = await store.of_citizen(deps.pool, actor.citizen_id, max(1, min(limit, 100)))
    return [_view(r, _viewer(actor, r)) for r in rows]


async def revoke(deps: Deps, actor: Actor, delegation_id: int) -> DelegationView:
    """The principal revokes (or the agent withdraws) at once; open subscriptions end."""
    async with transaction(deps.pool) as conn:
        row = await store.get(conn, delegation_id, lock="update")
        if row is None:
            raise NotFound("delegation.not_found")
        authorize(
            actor,
            Operation.DELEGATION_REVOKE,
            Target(citizen_id=row.principal_id, agent_citizen_id=row.agent_id),
        )
        by = "principal" if actor.citizen_id == row.principal_id else "agent"
        row, outbox_ids = await _stop(conn, deps, row, by=by, actor_id=actor.citizen_id)
    await deps.after_commit(outbox_ids)
    return _view(row, by)


async def _stop(
    conn: Connection, deps: Deps, row: DelegationRow, *, by: str, actor_id: int | None
) -> tuple[DelegationRow, list[int]]:
    status = grant_of(row).status
    if status not in OPEN_STATUSES:
        raise Conflict("delegation.not_open", status=status.value)
    await store.end(conn, row.id, status=DelegationStatus.REVOKED.value, by=by)
    await confirmations.cancel_confirmations(conn, row.id)
    updated = await store.get(conn, row.id)
    assert updated is not None
    row = updated
    # appended for the principal: open subscriptions of the agent hear it and re-check at once
    await _event(conn, row, "delegation.revoked", actor_id=actor_id, data={"by": by})
    outbox_ids: list[int] = []
    if by != "agent":
        outbox_ids.append(
            await _sms(conn, deps, row, to="agent", template="sms.delegation_revoked")
        )
    if by in ("sms", "staff"):
        outbox_ids.append(
            await _sms(conn, deps, row, to="principal", template=_STOP_SMS, with_phone=True)
        )
    return row, outbox_ids


# -- SMS replies (called by the SMS-reply handling) ---------------------------------------


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
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        return SmsReplyOutcome(handled=False, action="nothing")
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        principal = await store.citizen_by_phone(conn, phone)
        if principal is None:
            return SmsReplyOutcome(handled=False, action="nothing")
        waiting = await store.requested_for_principal(conn, principal.id)
        named = [
            r
            for r in waiting
            if question is not None and question.asks_about(QuestionKind.DELEGATION_REQUEST, r.id)
        ]
        waiting = named or waiting
        live = [r for r in waiting if grant_of(r).status is DelegationStatus.REQUESTED]
        if not live:
            if not waiting:
                return SmsReplyOutcome(handled=False, action="nothing")
            # only requests whose time ran out: they cannot be answered any more
            for row in waiting:
                await store.end(conn, row.id, status=DelegationStatus.EXPIRED.value, by="system")
                await _event(
                    conn,
                    row,
                    "delegation.expired",
                    actor_id=None,
                    actor_kind="system",
                    data={"reason": "reply_after_expiry"},
                )
            outbox_ids.append(
                await notifications.queue(
                    conn,
                    citizen_id=principal.id,
                    phone=principal.phone,
                    kind="delegation_reply_expired",
                    template="sms.delegation_reply_expired",
                    params={"phone": display_phone(deps.settings.support_phone)},
                    language=principal.language,
                )
            )
            result = SmsReplyOutcome(
                handled=True, action="expired", delegation_ids=tuple(r.id for r in waiting)
            )
        else:
            row = live[0]
            _row, outbox_ids = await _decide(
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
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        return SmsReplyOutcome(handled=False, action="nothing")
    outbox_ids: list[int] = []
    stopped: list[int] = []
    async with transaction(deps.pool) as conn:
        principal = await store.citizen_by_phone(conn, phone)
        if principal is None:
            return SmsReplyOutcome(handled=False, action="nothing")
        for row in await store.open_for_principal(conn, principal.id):
            if grant_of(row).status not in OPEN_STATUSES:
                continue
            _row, ids = await _stop(conn, deps, row, by="sms", actor_id=principal.id)
            outbox_ids += ids
            stopped.append(row.id)
    await deps.after_commit(outbox_ids)
    if not stopped:
        return SmsReplyOutcome(handled=False, action="nothing")
    return SmsReplyOutcome(handled=True, action="stopped", delegation_ids=tuple(stopped))


# -- the sweep: expiry and its warning -------------------------------------------------------


@dataclass(frozen=True)
class SweepCounts:
    expired: int
    warned: int


async def sweep(deps: Deps) -> SweepCounts:
    """Record expiries (they already stopped working at their end) and warn a week ahead.

    Rows are locked with SKIP LOCKED and marked in the same transaction as their SMS, so two
    workers, or a restart, never warn twice.
    """
    expired = warned = 0
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        for row in await store.due_to_expire(conn, REQUEST_TTL.total_seconds(), SWEEP_BATCH):
            was_active = row.status == DelegationStatus.ACTIVE.value
            await store.end(conn, row.id, status=DelegationStatus.EXPIRED.value, by="system")
            await confirmations.cancel_confirmations(conn, row.id)
            await _event(
                conn,
                row,
                "delegation.expired",
                actor_id=None,
                actor_kind="system",
                data={"was": row.status},
            )
            if was_active:
                outbox_ids.append(
                    await _sms(conn, deps, row, to="agent", template="sms.delegation_expired")
                )
            expired += 1
        for row in await store.due_for_warning(conn, EXPIRY_WARNING.total_seconds(), SWEEP_BATCH):
            await store.mark_warned(conn, row.id)
            outbox_ids.append(
                await _sms(
                    conn,
                    deps,
                    row,
                    to="principal",
                    template="sms.delegation_expiring",
                    with_until=True,
                )
            )
            outbox_ids.append(
                await _sms(
                    conn,
                    deps,
                    row,
                    to="agent",
                    template="sms.delegation_expiring_agent",
                    with_until=True,
                )
            )
            warned += 1
    await deps.after_commit(outbox_ids)
    return SweepCounts(expired=expired, warned=warned)


# -- shared helpers ----------------------------------------------------------------------------


async def _event(
    conn: Connection,
    row: DelegationRow,
    kind: str,
    *,
    actor_id: int | None,
    actor_kind: str = "citizen",
    data: dict[str, Any] | None = None,
) -> None:
    """A delegation event on the principal's stream (not an application's: no timeline)."""
    await events.append(
        conn,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        citizen_id=row.principal_id,
        data={"delegation_id": row.id, "agent_id": row.agent_id, **(data or {})},
    )


async def _sms(
    conn: Connection,
    deps: Deps,
    row: DelegationRow,
    *,
    to: str,
    template: str,
    with_themes: bool = False,
    with_until: bool = False,
    with_phone: bool = False,
    extend_code: str | None = None,
) -> int:
    """An SMS about a delegation to one party, naming the other."""
    if to == "principal":
        recipient_id, other_name, other_phone = (
            row.principal_id,
            row.agent_name,
            row.agent_phone,
        )
    else:
        recipient_id, other_name, other_phone = (
            row.agent_id,
            row.principal_name,
            row.principal_phone,
        )
    recipient = await store.citizen_brief(conn, recipient_id)
    assert recipient is not None
    language = recipient.language
    params: dict[str, Any] = {"name": who(other_name, other_phone)}
    if with_themes:
        params["themes"] = theme_labels(row.themes, language)
    if with_until:
        params["due"] = _until(row)
    if with_phone:
        params["phone"] = display_phone(deps.settings.support_phone)
    return await notifications.queue(
        conn,
        citizen_id=recipient_id,
        phone=recipient.phone,
        kind=template.removeprefix("sms."),
        template=template,
        params=params,
        language=language,
        extend_code=extend_code,
    )
