"""What claiming an outbox row decided: the next step of its delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from doorstep.notify.channels import OutgoingSms, PushAnswer, PushTarget


@dataclass(frozen=True)
class Send:
    message: OutgoingSms
    attempt: int
    retries: int
    since: datetime
    citizen_id: int | None = None


@dataclass(frozen=True)
class LookUp:
    outbox_id: int
    phone: str
    attempt: int
    since: datetime
    days: list[date]


@dataclass(frozen=True)
class PushSend:
    outbox_id: int
    targets: list[PushTarget]
    payload: dict[str, Any]
    urgent: bool
    attempt: int
    retries: int
    since: datetime
    citizen_id: int | None


@dataclass(frozen=True)
class Done:
    status: str | None
    enqueue: tuple[int, ...] = ()


@dataclass(frozen=True)
class Again:
    """The row is due again at once (a lost push attempt): claim it afresh."""


class PushSender(Protocol):
    name: str

    async def send(
        self, targets: list[PushTarget], payload: dict[str, Any], *, urgent: bool = False
    ) -> list[PushAnswer]: ...

    async def close(self) -> None: ...
