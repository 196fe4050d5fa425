"""What a lane job claimed, and what it did: the steps of delivering a broadcast lane."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from doorstep.notify.channels import OutgoingSms
from doorstep.notify.sms_text import FittedSms
from doorstep.store.broadcasts.rows import BroadcastRow, LostRow


@dataclass
class LaneResult:
    batches: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    held: int = 0
    reconciled: int = 0
    resent_after_lookup: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    ids: list[int]
    citizen_ids: list[int | None]
    retries: list[int]
    messages: list[OutgoingSms]
    out_id: str
    since: datetime


@dataclass(frozen=True)
class Lost:
    rows: list[LostRow]
    since: datetime


@dataclass(frozen=True)
class Held:
    count: int


@dataclass(frozen=True)
class OptedOut:
    """A whole batch of citizens who stopped non-essential SMS since the rows were written."""

    count: int


@dataclass
class Lane:
    broadcast: BroadcastRow
    language: str
    fitted: FittedSms
    # the highest id this job claimed: the next claim starts after it; rows left behind
    # (backoff, released) are found by going back to 0 before the job ends
    frontier: int = 0
