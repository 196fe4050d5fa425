"""What a pending or decided confirmation looks like to the agent and the principal, and
the list each of them reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from doorstep.domain.delegation import (
    ConfirmationStatus,
    DelegationStatus,
    confirmation_status,
    effective_status,
)
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
)
from doorstep.mirror import GIVEN, mirror
from doorstep.services import acting, applications
from doorstep.services.deps import Deps
from doorstep.store import confirmations as store
from doorstep.store.confirmations import ConfirmationRow

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


def utc_now() -> datetime:
    return datetime.now(UTC)


def status_of(row: ConfirmationRow, now: datetime | None = None) -> ConfirmationStatus:
    now = now or utc_now()
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


_view = mirror(
    ConfirmationView,
    ConfirmationRow,
    status=status_of,
    agent=lambda r: acting.party(r.agent_id, r.agent_name, r.agent_phone),
    principal=lambda r: acting.party(r.principal_id, r.principal_name, r.principal_phone),
    requested_at="created_at",
    viewer_is=GIVEN,
)


def view_of(row: ConfirmationRow, viewer_is: str) -> ConfirmationView:
    return _view(row, viewer_is=viewer_is)


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
            views = [view_of(r, "agent") for r in rows]
        else:
            assert actor.citizen_id is not None
            rows = await store.of_citizen(conn, actor.citizen_id, stored, limit)
            views = [
                view_of(r, "principal" if r.principal_id == actor.citizen_id else "agent")
                for r in rows
            ]
    return [v for v in views if wanted is None or v.status in wanted]
