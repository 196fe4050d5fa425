""" "How we told you": a citizen's notifications, each with every decision made about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.delivery import DeliveryStatus
from doorstep.domain.policy import Actor, Operation, authorize_own
from doorstep.mirror import GIVEN, mirror
from doorstep.services.deps import Deps
from doorstep.store.outbox import reading as store
from doorstep.store.outbox.rows import CitizenNotificationRow, DecisionHistoryRow

S = DeliveryStatus


@dataclass(frozen=True)
class DecisionView:
    decision: str
    reason: str
    channel: str | None
    until: datetime | None
    at: datetime


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    channel: str | None
    status: str
    text: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    merged_into: int | None
    fallback_of: int | None
    decisions: list[DecisionView]


_decision = mirror(DecisionView, DecisionHistoryRow, at="created_at")
# a text not yet written (the row only created) is not shown
_notification = mirror(
    NotificationView,
    CitizenNotificationRow,
    text=lambda r: r.body if r.status != S.CREATED else None,
    decisions=GIVEN,
)


async def my_notifications(deps: Deps, actor: Actor, *, limit: int = 20) -> list[NotificationView]:
    """The citizen's notifications, newest first, each with every decision made about it."""
    citizen_id = authorize_own(actor, Operation.NOTIFICATIONS_OWN)
    rows = await store.of_citizen(deps.pool, citizen_id, max(1, min(limit, 100)))
    decided: dict[int, list[DecisionView]] = {}
    for d in await store.decisions_of(deps.pool, [r.id for r in rows]):
        decided.setdefault(d.outbox_id, []).append(_decision(d))
    return [_notification(r, decisions=decided.get(r.id, [])) for r in rows]
