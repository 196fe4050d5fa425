"""Delivery statuses (GOV.UK Notify's) and the timing rules of retries and provider windows.

A status only moves forward: created / temporary-failure (due, waiting) → sending (an attempt
in flight) → sent (the provider accepted it) → delivered, permanent-failure or
technical-failure (final). A receipt or a look-up never moves a final status back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.calendar import SHANGHAI


class DeliveryStatus(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    TECHNICAL_FAILURE = "technical-failure"


FINAL = frozenset(
    {DeliveryStatus.DELIVERED, DeliveryStatus.PERMANENT_FAILURE, DeliveryStatus.TECHNICAL_FAILURE}
)
# a row in one of these is waiting to be sent (now or at next_attempt_at)
DUE = frozenset({DeliveryStatus.CREATED, DeliveryStatus.TEMPORARY_FAILURE})

_RANK = {
    DeliveryStatus.CREATED: 0,
    DeliveryStatus.TEMPORARY_FAILURE: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.PERMANENT_FAILURE: 3,
    DeliveryStatus.TECHNICAL_FAILURE: 3,
}


def may_move(current: DeliveryStatus, new: DeliveryStatus) -> bool:
    """Whether news from the provider (a receipt, a look-up) may move a row to `new`."""
    return current not in FINAL and _RANK[new] > _RANK[current]


RETRY_BASE_SECONDS = 15.0
RETRY_CAP_SECONDS = 3600.0


def retry_delay(retries: int, jitter: float) -> float:
    """Seconds before retry number `retries` (1 = first): doubling from 15 s up to an hour.

    `jitter` in [0, 1) spreads retries of many rows over the second half of the interval, so a
    provider outage does not end in one synchronised burst.
    """
    full = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2.0 ** max(0, retries - 1))
    return full * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))


def next_window(message: str, now: datetime) -> datetime:
    """When a provider's per-number flow control (isv.BUSINESS_LIMIT_CONTROL) lets us try again.

    Aliyun names the window that is full in its message ("触发分钟级流控", "触发小时级流控",
    "触发天级流控"); windows are counted in Beijing time. Unknown wording: an hour.
    """
    local = now.astimezone(SHANGHAI)
    text = message.lower()
    if "分钟" in message or "minute" in text:
        start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    elif "小时" in message or "hour" in text:
        start = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    elif "天" in message or "日" in message or "day" in text:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    else:
        return now + timedelta(hours=1)
    # a little past the boundary, so clocks that differ by seconds do not hit the old window
    return start + timedelta(seconds=5)


def next_day(now: datetime) -> datetime:
    """Start of the next Beijing day (account-wide daily limits reset then)."""
    local = now.astimezone(SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1, seconds=5)
