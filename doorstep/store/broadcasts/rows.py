"""The row types of broadcasts: the broadcast, its chunks, batches, lanes and their clocks."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict

from doorstep.store.rows import Json, Row


class AudienceJson(TypedDict):
    """broadcasts.audience: a region prefix, or how many phones a list named."""

    region: NotRequired[str]
    phones: NotRequired[int]
    fingerprint: str


class BroadcastRow(Row):
    id: int
    template: str
    params: dict[str, Json]
    kind: str
    urgent: bool
    audience: AudienceJson
    staff_id: int | None
    state: str
    cursor: int
    total: int
    created_at: datetime
    queued_at: datetime | None


class ChunkRow(Row):
    """What writing one chunk of the audience did."""

    seen: int
    written: int
    languages: list[str]


class QueuedRow(Row):
    total: int
    queued_at: datetime


class LostRow(Row):
    id: int
    phone: str
    attempts: int
    batch_out_id: str
    last_attempt_at: datetime | None
    sending_since: datetime | None


class DueRow(Row):
    id: int
    citizen_id: int | None
    phone: str
    template: str
    params: dict[str, Json]
    retries: int
    created_at: datetime
    opted_out: bool


class RecentSendRow(Row):
    phone: str
    last_attempt_at: datetime


class LaneClockRow(Row):
    now: datetime
    paused_until: datetime | None


class FinishedRow(Row):
    """A batch row as its answer left it."""

    id: int
    citizen_id: int | None
    attempts: int
    status: str
    next_attempt_at: datetime | None
