"""Acting for someone (帮办代办): the one gate every use case goes through.

A citizen sends `X-Acting-For: <principal's citizen id or phone>` (over WebSocket: `actingFor`
in connection_init's payload). `acting_actor` is the one place that turns it into an actor of
role AGENT carrying the delegation's grant; the policy decides what that grant allows for each
operation. Inside a write, `ensure_active` re-reads the delegation under a lock; every action is
recorded with both people (`record_action`, the principal gets a short SMS ending with "reply 0
to stop") and every read of the principal's data too (`record_read`).

The use cases (applications, tasks, confirmations, privacy, live progress) call this module and
never `services.delegation`, which manages delegations themselves (ask, consent, stop) and the
SMS replies about them: so the dependencies run one way, delegation → confirmations →
proactive → applications → acting (a contract in pyproject.toml keeps it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from doorstep.domain.calendar import local_date
from doorstep.domain.delegation import DelegationStatus, Grant, Theme, effective_status
from doorstep.domain.errors import Forbidden
from doorstep.domain.identity import mask_phone, normalize_phone
from doorstep.domain.policy import Actor, Operation, Role
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store import delegation as store
from doorstep.store import events
from doorstep.store.applications import CitizenBriefRow
from doorstep.store.db import Connection, Queryable
from doorstep.store.delegation import DelegationRow, PrincipalDelegationRow


@dataclass(frozen=True)
class Party:
    citizen_id: int
    name: str | None
    phone_masked: str


@dataclass(frozen=True)
class SmsReplyOutcome:
    """What an SMS reply did: `handled` False means it was not about delegations (or nothing
    was waiting for it), so the SMS-reply handler may try other meanings."""

    handled: bool
    # consented, refused, stopped, expired, nothing; for a confirmation (services.
    # confirmations): confirmed, confirmation_refused, confirmation_expired,
    # already_confirmed, not_principal
    action: str
    delegation_ids: tuple[int, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def grant_of(row: DelegationRow, now: datetime | None = None) -> Grant:
    status = effective_status(
        DelegationStatus(row.status), row.requested_at, row.valid_until, now or _now()
    )
    return Grant(
        delegation_id=row.id,
        themes=frozenset(Theme(t) for t in row.themes),
        status=status,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def _pair_grant(row: PrincipalDelegationRow) -> Grant | None:
    """The grant of the pair's delegation, None when they have none."""
    if row.id is None:
        return None
    # the lateral join's columns are all set when its id is
    assert row.themes is not None and row.status is not None
    assert row.requested_at is not None and row.valid_from is not None
    assert row.valid_until is not None
    return Grant(
        delegation_id=row.id,
        themes=frozenset(Theme(t) for t in row.themes),
        status=effective_status(
            DelegationStatus(row.status), row.requested_at, row.valid_until, _now()
        ),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def party(citizen_id: int, name: str | None, phone: str) -> Party:
    return Party(citizen_id=citizen_id, name=name, phone_masked=mask_phone(phone))


def who(name: str | None, phone: str) -> str:
    """How a person is named in an SMS to the other one: their name, else their masked number."""
    return name.strip() if name and name.strip() else mask_phone(phone)


def _principal_key(raw: str) -> tuple[str, int | str] | None:
    value = raw.strip()
    if not value or len(value) > 32:
        return None
    # a citizen id is digits; a phone is best given in E.164 (11-digit mobiles are phones)
    if value.isascii() and value.isdigit() and len(value) <= 10:
        return ("id", int(value))
    try:
        return ("phone", normalize_phone(value))
    except ValueError:
        return None


async def sms_sender(db: Queryable, raw_phone: str) -> CitizenBriefRow | None:
    """The citizen an SMS reply comes from; None for a number that is not one, or nobody's."""
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        return None
    return await store.citizen_by_phone(db, phone)


async def acting_actor(deps: Deps, actor: Actor, raw_principal: str) -> Actor:
    """The actor for a request that says it acts for `raw_principal` (a citizen id or phone).

    Always an actor of role AGENT (anonymous stays anonymous): without a delegation between
    the two its grant is None, and the policy refuses everything with `delegation.not_found`;
    a delegation that is not active now refuses with `delegation.inactive`.
    """
    if actor.role is Role.ANONYMOUS:
        return actor
    agent_id = actor.citizen_id if actor.role is Role.CITIZEN else None
    key = _principal_key(raw_principal)
    principal_id: int | None = None
    grant: Grant | None = None
    if agent_id is not None and key is not None:
        row = await store.principal_and_delegation(
            deps.pool,
            agent_id,
            principal_id=int(key[1]) if key[0] == "id" else None,
            phone=str(key[1]) if key[0] == "phone" else None,
        )
        if row is not None and row.principal_id != agent_id:
            principal_id = row.principal_id
            grant = _pair_grant(row)
    return Actor(
        role=Role.AGENT,
        session_id=actor.session_id,
        citizen_id=None,
        agent_citizen_id=agent_id,
        principal_citizen_id=principal_id,
        grant=grant,
        language=actor.language,
        elder_mode=actor.elder_mode,
        language_chosen=actor.language_chosen,
    )


async def ensure_active(conn: Connection, actor: Actor) -> None:
    """Inside an agent's write: the delegation, re-read under a share lock, is still active.

    Revoking takes the row's update lock, so a write and a revocation never overlap: the write
    either commits before the revocation does, or sees it and is refused. Reads need no more
    than the policy's check of the delegation loaded for the same request (`acting_actor`).
    """
    if actor.role is not Role.AGENT:
        return
    if actor.grant is None:
        raise Forbidden("delegation.not_found")
    row = await store.get(conn, actor.grant.delegation_id, lock="share")
    if (
        row is None
        or row.principal_id != actor.principal_citizen_id
        or not grant_of(row).is_active(_now())
    ):
        raise Forbidden("delegation.inactive")


async def still_active(deps: Deps, actor: Actor) -> bool:
    """For open subscriptions: whether the agent's delegation still holds."""
    if actor.role is not Role.AGENT:
        return True
    if actor.grant is None:
        return False
    row = await store.get(deps.pool, actor.grant.delegation_id)
    return (
        row is not None
        and row.principal_id == actor.principal_citizen_id
        and grant_of(row).is_active(_now())
    )


async def record_action(
    conn: Connection,
    deps: Deps,
    actor: Actor,
    operation: Operation,
    *,
    application_id: int | None,
    number: str | None,
    notice: str | None,
    detail: dict[str, Any] | None = None,
) -> list[int]:
    """Record an agent's action with both people and tell the principal (ends "reply 0 to
    stop"). Returns the outbox ids to enqueue after commit; nothing for non-agents."""
    if actor.role is not Role.AGENT:
        return []
    assert actor.grant is not None and actor.agent_citizen_id is not None
    assert actor.principal_citizen_id is not None
    await store.record_action(
        conn,
        delegation_id=actor.grant.delegation_id,
        agent_id=actor.agent_citizen_id,
        principal_id=actor.principal_citizen_id,
        operation=operation.value,
        application_id=application_id,
        detail={"number": number, **(detail or {})},
    )
    if notice is None:
        return []
    return [await _notify_principal(conn, actor, notice, number)]


async def _notify_principal(
    conn: Connection, actor: Actor, template: str, number: str | None
) -> int:
    assert actor.agent_citizen_id is not None and actor.principal_citizen_id is not None
    agent = await store.citizen_brief(conn, actor.agent_citizen_id)
    principal = await store.citizen_brief(conn, actor.principal_citizen_id)
    assert agent is not None and principal is not None
    params: dict[str, Any] = {"name": who(agent.name, agent.phone)}
    if number is not None:
        params["number"] = number
    return await tell(conn, principal, template, params)


@dataclass(frozen=True)
class Reached:
    """A recipient named by a row's columns rather than by a citizen row of its own."""

    id: int
    phone: str
    language: str


async def tell(
    conn: Connection,
    to: notifications.Recipient,
    template: str,
    params: dict[str, Any],
    extend_code: str | None = None,
) -> int:
    """An SMS to one party of a delegation (its kind is the template's name); the outbox id to
    enqueue after commit."""
    return await notifications.queue(
        conn,
        citizen_id=to.id,
        phone=to.phone,
        kind=template.removeprefix("sms."),
        template=template,
        params=params,
        language=to.language,
        extend_code=extend_code,
    )


class DelegationParties(Protocol):
    """A row about a delegation that names its two people (a delegation's, a confirmation's)."""

    @property
    def principal_id(self) -> int: ...
    @property
    def agent_id(self) -> int: ...


async def record_event(
    conn: Connection,
    parties: DelegationParties,
    delegation_id: int,
    kind: str,
    *,
    actor_id: int | None,
    actor_kind: str = "citizen",
    data: dict[str, Any] | None = None,
) -> None:
    """An event of a delegation on its principal's stream (not an application's: no timeline),
    so the agent acting for them hears it too."""
    await events.append(
        conn,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        citizen_id=parties.principal_id,
        data={"delegation_id": delegation_id, "agent_id": parties.agent_id, **(data or {})},
    )


async def record_read(
    deps: Deps, conn: Connection, actor: Actor, *, what: str, purpose: str
) -> None:
    """An agent read the principal's personal data: recorded, with the delegation (so with
    both people), for the principal to see (myDataAccessLog); the principal is told once a day
    by SMS.

    Every read an agent makes runs this, so the usual case is one statement on the caller's
    connection (committed by itself unless the caller holds a transaction); only the first read
    of the day opens a transaction, on the same connection (a second one from the pool could
    wait forever on a pool full of such readers), to claim the day's notice and queue the
    SMS."""
    if actor.role is not Role.AGENT:
        return
    assert actor.grant is not None and actor.agent_citizen_id is not None
    assert actor.principal_citizen_id is not None
    today = local_date(_now())
    due = await store.record_agent_read(
        conn,
        citizen_id=actor.principal_citizen_id,
        agent_id=actor.agent_citizen_id,
        what=what,
        purpose=purpose,
        delegation_id=actor.grant.delegation_id,
        today=today,
    )
    if not due:
        return
    outbox_ids: list[int] = []
    async with conn.transaction():
        if await store.claim_read_notice(conn, actor.grant.delegation_id, today):
            outbox_ids.append(await _notify_principal(conn, actor, "sms.agent_viewed", None))
    await deps.after_commit(outbox_ids)
