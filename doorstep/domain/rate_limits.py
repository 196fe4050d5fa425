"""How often one person (or one client address) may do something: sliding windows.

One rule for every use case that caps a citizen: login codes, tickets filed, delegation requests,
confirmations asked. A window allows `limit` actions in the last `seconds`; when one is full,
the wait is until its oldest action leaves it, and with several full the longest wait counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE_SECONDS = 60
HOUR_SECONDS = 3600
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Window:
    """At most `limit` in the last `seconds`; a limit of 0 turns the window off."""

    limit: int
    seconds: int


@dataclass(frozen=True)
class Seen:
    """The actions in one window and the time of the oldest (when the count goes down)."""

    count: int = 0
    oldest: datetime | None = None


def wait_seconds(now: datetime, windows: Iterable[tuple[Window, Seen]]) -> int | None:
    """None when one more is allowed; otherwise the seconds until it is (at least 1)."""
    waits: list[int] = []
    for window, seen in windows:
        if window.limit <= 0 or seen.count < window.limit:
            continue
        if seen.oldest is None:
            waits.append(window.seconds)
            continue
        left = (seen.oldest + timedelta(seconds=window.seconds) - now).total_seconds()
        waits.append(max(1, math.ceil(left)))
    return max(waits) if waits else None
