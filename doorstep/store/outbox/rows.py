"""The outbox's row types: a row locked for delivery, its claim, news, polls, decisions."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.rows import Json, Row


class OutboxRow(Row):
    """A row locked for delivery, with the database's clock and what is due."""

    id: int
    citizen_id: int | None
    phone: str
    kind: str
    template: str
    params: dict[str, Json]
    language: str
    urgent: bool
    status: str
    attempts: int
    retries: int
    reconcile_first: bool
    last_attempt_at: datetime | None
    provider_id: str | None
    sending_since: datetime | None
    created_at: datetime
    hold_reason: str | None
    merged_into: int | None
    channel: str | None
    via: str | None
    extend_code: str | None
    batch_out_id: str | None
    db_now: datetime
    due: bool
    stale: bool


class ClaimRow(Row):
    attempts: int
    sending_since: datetime


class NewsRow(Row):
    id: int
    status: str
    phone: str
    provider_id: str | None


class PollRow(Row):
    id: int
    phone: str
    provider_id: str | None
    last_attempt_at: datetime | None
    sent_at: datetime  # the query takes sent rows only
    batch_out_id: str | None


class ReceiptTargetRow(Row):
    id: int
    phone: str
    provider_id: str | None


class DecisionRow(Row):
    channel: str | None
    reason: str


class SiblingRow(Row):
    """A waiting update that can ride in another's SMS (a digest)."""

    id: int
    citizen_id: int | None
    kind: str
    template: str
    params: dict[str, Json]
    created_at: datetime


class PauseRow(Row):
    channel: str
    code: str
    reason: str
    paused_at: datetime
    paused_until: datetime


class ConsoleMessageRow(Row):
    id: int
    phone: str
    body: str | None
    params: dict[str, Json]
    status: str
    created_at: datetime
    sent_at: datetime | None


class CitizenNotificationRow(Row):
    id: int
    kind: str
    channel: str | None
    status: str
    body: str | None
    # what a row not yet sent will say is rendered from these, as the sender renders it
    template: str
    params: dict[str, Json]
    language: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    merged_into: int | None
    fallback_of: int | None


class DecisionHistoryRow(Row):
    outbox_id: int
    decision: str
    channel: str | None
    reason: str
    until: datetime | None
    created_at: datetime
