"""Delivery channels. The console channel prints SMS and keeps them for the dev inbox."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("doorstep.sms")


@dataclass(frozen=True)
class DeliveryResult:
    status: str
    provider_id: str | None = None
    error: str | None = None


class Channel(Protocol):
    name: str

    async def send(self, phone: str, body: str, template: str, params: dict[str, Any],
                   out_id: str) -> DeliveryResult: ...


class ConsoleChannel:
    """Dev and tests: the message is printed and recorded (the dev inbox reads the outbox)."""

    name = "console"

    async def send(self, phone: str, body: str, template: str, params: dict[str, Any],
                   out_id: str) -> DeliveryResult:
        print(f"[SMS to {phone}] {body}", flush=True)
        return DeliveryResult(status="delivered", provider_id=f"console-{uuid.uuid4().hex[:12]}")
