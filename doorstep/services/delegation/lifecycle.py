"""A delegation's life cycle in the app and at a counter: ask, answer, consent in person, revoke."""

from __future__ import annotations

from doorstep.domain.delegation import (
    OPEN_STATUSES,
    ConsentMethod,
    DelegationStatus,
    parse_themes,
    validity,
)
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.rate_limits import DAY_SECONDS, Window
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import confirmations, rate_limits
from doorstep.services.acting import grant_of, record_event
from doorstep.services.delegation.messages import send_sms
from doorstep.services.delegation.views import (
    DelegationView,
    parse_phone,
    utc_now,
    view_of,
    viewer_of,
)
from doorstep.services.deps import Deps
from doorstep.services.rate_limits import Limit
from doorstep.store import delegation as store
from doorstep.store.db import Connection, transaction
from doorstep.store.delegation import DelegationRow
from doorstep.store.rate_limits import Counted

MAX_NOTE_CHARS = 200
MAX_REQUESTS_PER_DAY = 10
REQUESTS_OF_AGENT = Limit(
    Counted.DELEGATIONS_ASKED_BY_AGENT, (Window(MAX_REQUESTS_PER_DAY, DAY_SECONDS),)
)


_STOP_SMS = "sms.delegation_stopped"


async def request(
    deps: Deps, actor: Actor, raw_principal_phone: str, raw_themes: list[str], days: int
) -> DelegationView:
    """The agent asks to act for the owner of a phone number; the principal is asked by SMS."""
    authorize(actor, Operation.DELEGATION_REQUEST)
    assert actor.citizen_id is not None
    phone = parse_phone(raw_principal_phone, "phone.invalid")
    try:
        themes = parse_themes(raw_themes)
        valid_from, valid_until = validity(days, deps.settings.delegation_max_days, utc_now())
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
        await record_event(
            conn,
            row,
            row.id,
            "delegation.requested",
            actor_id=actor.citizen_id,
            data={"themes": sorted(t.value for t in themes)},
        )
        outbox_id = await send_sms(
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
    return view_of(row, "agent")


async def answer(deps: Deps, actor: Actor, delegation_id: int, consent: bool) -> DelegationView:
    """The principal consents or refuses in the app."""
    async with transaction(deps.pool) as conn:
        row = await store.get(conn, delegation_id, lock="update")
        if row is None:
            raise NotFound("delegation.not_found")
        authorize(actor, Operation.DELEGATION_ANSWER, Target(citizen_id=row.principal_id))
        row, outbox_ids = await decide(
            conn, deps, row, consent, method=ConsentMethod.APP, actor_id=row.principal_id
        )
    await deps.after_commit(outbox_ids)
    return view_of(row, "principal")


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
    principal_phone = parse_phone(raw_principal_phone, "phone.invalid")
    agent_phone = parse_phone(raw_agent_phone, "phone.invalid")
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
        row, outbox_ids = await decide(
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
    return view_of(row, "staff")


async def _reread(conn: Connection, delegation_id: int) -> DelegationRow:
    """A delegation this transaction has just changed (it holds the row: it is there)."""
    row = await store.get(conn, delegation_id)
    assert row is not None
    return row


async def decide(
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
    row = await _reread(conn, row.id)
    await record_event(
        conn,
        row,
        row.id,
        kind,
        actor_id=actor_id,
        actor_kind=actor_kind,
        data={"method": method.value},
    )
    outbox_ids = [
        await send_sms(
            conn, deps, row, to="agent", template=to_agent, with_themes=consent, with_until=consent
        )
    ]
    if consent and method is not ConsentMethod.APP:
        # the principal gets it in writing, with how to stop it
        outbox_ids.append(
            await send_sms(
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
    return [view_of(r, viewer_of(actor, r)) for r in rows]


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
        row, outbox_ids = await stop(conn, deps, row, by=by, actor_id=actor.citizen_id)
    await deps.after_commit(outbox_ids)
    return view_of(row, by)


async def expire(conn: Connection, row: DelegationRow, data: dict[str, str]) -> None:
    """The delegation's time ran out (its period, or an unanswered request): it ends, what
    waits under it is cancelled, and the principal's stream says why (`data`)."""
    await store.end(conn, row.id, status=DelegationStatus.EXPIRED.value, by="system")
    await confirmations.cancel_confirmations(conn, row.id)
    await record_event(
        conn, row, row.id, "delegation.expired", actor_id=None, actor_kind="system", data=data
    )


async def stop(
    conn: Connection, deps: Deps, row: DelegationRow, *, by: str, actor_id: int | None
) -> tuple[DelegationRow, list[int]]:
    status = grant_of(row).status
    if status not in OPEN_STATUSES:
        raise Conflict("delegation.not_open", status=status.value)
    await store.end(conn, row.id, status=DelegationStatus.REVOKED.value, by=by)
    await confirmations.cancel_confirmations(conn, row.id)
    row = await _reread(conn, row.id)
    # appended for the principal: open subscriptions of the agent hear it and re-check at once
    await record_event(conn, row, row.id, "delegation.revoked", actor_id=actor_id, data={"by": by})
    outbox_ids: list[int] = []
    if by != "agent":
        outbox_ids.append(
            await send_sms(conn, deps, row, to="agent", template="sms.delegation_revoked")
        )
    if by in ("sms", "staff"):
        outbox_ids.append(
            await send_sms(conn, deps, row, to="principal", template=_STOP_SMS, with_phone=True)
        )
    return row, outbox_ids
