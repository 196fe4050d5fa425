""" "How we told you": a citizen's notifications, each with every decision made about it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from doorstep.config import Settings
from doorstep.domain.delivery import DeliveryStatus
from doorstep.domain.pii import mask_secrets
from doorstep.domain.policy import Actor, Operation, authorize_own
from doorstep.mirror import GIVEN, mirror
from doorstep.notify.sms_text import outbox_sms
from doorstep.services.deps import Deps
from doorstep.store.outbox import reading as store
from doorstep.store.outbox.rows import CitizenNotificationRow, DecisionHistoryRow

log = logging.getLogger(__name__)

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
_notification = mirror(NotificationView, CitizenNotificationRow, text=GIVEN, decisions=GIVEN)


def _text(settings: Settings, row: CitizenNotificationRow) -> str | None:
    """What the citizen's phone showed, or will show: a row written to the provider has its
    text stored (secrets masked); one still waiting to be sent (created, maybe held) is rendered
    as the sender will render it, in the row's language and template (the plain variant for
    those who read it), and masked the same way. A row that cannot be rendered has none."""
    if row.status != S.CREATED:
        return row.body
    try:
        fitted, opened = outbox_sms(settings, row.template, row.params, row.language)
    except (KeyError, IndexError, ValueError):
        log.warning("outbox row %s: template %s cannot be rendered", row.id, row.template)
        return None
    return mask_secrets(fitted.body, opened)


async def my_notifications(deps: Deps, actor: Actor, *, limit: int = 20) -> list[NotificationView]:
    """The citizen's notifications, newest first, each with every decision made about it."""
    citizen_id = authorize_own(actor, Operation.NOTIFICATIONS_OWN)
    rows = await store.of_citizen(deps.pool, citizen_id, max(1, min(limit, 100)))
    decided: dict[int, list[DecisionView]] = {}
    for d in await store.decisions_of(deps.pool, [r.id for r in rows]):
        decided.setdefault(d.outbox_id, []).append(_decision(d))
    return [
        _notification(r, text=_text(deps.settings, r), decisions=decided.get(r.id, []))
        for r in rows
    ]
