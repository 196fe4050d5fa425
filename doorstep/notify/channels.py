"""Delivery channels. The console channel prints SMS and keeps them for the dev inbox.

A channel sends one message and says what happened as an `Outcome`; the delivery use case turns
outcomes into statuses, retries and pauses. A channel can also look a message up at the
provider (by phone, day and OutId), so a crashed or timed-out attempt is checked before any
resend.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from doorstep.domain.delivery import DeliveryStatus
from doorstep.domain.pii import mask_secrets

log = logging.getLogger("doorstep.sms")


class Outcome(StrEnum):
    SENT = "sent"  # the provider accepted it; a receipt will follow
    DELIVERED = "delivered"  # shown at once (console)
    RETRY = "retry"  # not sent, transient: connection refused, 5xx, throttling
    UNKNOWN = "unknown"  # may have been sent (timeout, connection lost): look before resending
    DEFER = "defer"  # the provider's per-number window is full: try in the next one
    PAUSE = "pause"  # account-wide (out of credit, keys refused): pause channel, alert
    PERMANENT = "permanent"  # can never be sent: bad number, template or signature refused
    TECHNICAL = "technical"  # broken on our side for this message (e.g. no template code)


@dataclass(frozen=True)
class OutgoingSms:
    outbox_id: int
    phone: str  # E.164
    template: str
    language: str
    params: dict[str, str]  # exactly the template's variables, fitted
    body: str  # what the phone shows, sign name included
    extend_code: str | None = None

    @property
    def out_id(self) -> str:
        return str(self.outbox_id)


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    provider_id: str | None = None
    code: str | None = None
    error: str | None = None
    # DEFER: when the provider's window opens again
    retry_at: datetime | None = None


@dataclass(frozen=True)
class ProviderRecord:
    """One message as the provider knows it (QuerySendDetails)."""

    status: DeliveryStatus  # sent (no receipt yet), delivered or permanent-failure
    out_id: str
    err_code: str | None = None
    send_date: str | None = None
    receive_date: str | None = None
    biz_id: str | None = None


@dataclass(frozen=True)
class Lookup:
    """The answer to "did you get this message?": records, or an error if we could not ask."""

    records: list[ProviderRecord] = field(default_factory=list)
    error: str | None = None

    def best(self) -> ProviderRecord | None:
        order = {
            DeliveryStatus.DELIVERED: 0,
            DeliveryStatus.PERMANENT_FAILURE: 1,
            DeliveryStatus.SENT: 2,
        }
        return min(self.records, key=lambda r: order.get(r.status, 3), default=None)


@dataclass(frozen=True)
class PushTarget:
    """One of a citizen's push subscriptions."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushAnswer:
    subscription_id: int
    outcome: Outcome
    status: int | None = None
    gone: bool = False
    location: str | None = None
    error: str | None = None


class Channel(Protocol):
    name: str

    async def send(self, message: OutgoingSms) -> DeliveryResult: ...

    async def send_batch(self, messages: list[OutgoingSms], out_id: str) -> DeliveryResult:
        """One template in one language to up to 100 numbers; `out_id` is the batch's."""
        ...

    async def lookup(
        self, phone: str, days: list[date], out_id: str, biz_id: str | None = None
    ) -> Lookup: ...

    async def close(self) -> None: ...


def masked_body(message: OutgoingSms) -> str:
    """The text with its secrets (a log-in code) replaced, for anything that is not the phone."""
    return mask_secrets(message.body, dict(message.params))


class ConsoleChannel:
    """Dev and tests: the message is printed and recorded (the dev inbox reads the outbox).

    Outside dev (chosen with DOORSTEP_SMS_CHANNEL=console) log-in codes are printed masked:
    a log is no place for a credential."""

    name = "console"

    def __init__(self, *, reveal_secrets: bool = True) -> None:
        self.reveal_secrets = reveal_secrets

    def _print(self, message: OutgoingSms) -> None:
        body = message.body if self.reveal_secrets else masked_body(message)
        print(f"[SMS to {message.phone}] {body}", flush=True)

    async def send(self, message: OutgoingSms) -> DeliveryResult:
        self._print(message)
        return DeliveryResult(
            outcome=Outcome.DELIVERED, provider_id=f"console-{uuid.uuid4().hex[:12]}"
        )

    async def send_batch(self, messages: list[OutgoingSms], out_id: str) -> DeliveryResult:
        for message in messages:
            self._print(message)
        return DeliveryResult(
            outcome=Outcome.DELIVERED, provider_id=f"console-{uuid.uuid4().hex[:12]}"
        )

    async def lookup(
        self, phone: str, days: list[date], out_id: str, biz_id: str | None = None
    ) -> Lookup:
        # nothing to ask: a console message that crashed before its record is shown again
        return Lookup()

    async def close(self) -> None:
        return None
