"""The one check behind every per-citizen (and per-address) limit: login codes, tickets filed,
delegation requests, confirmations asked. Each use case names what it counts, its windows and
its refusal code; the counting, the lock and the wait are the same for all."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doorstep.domain.errors import RateLimited
from doorstep.domain.rate_limits import Seen, Window, wait_seconds
from doorstep.store import rate_limits as store
from doorstep.store.db import Connection
from doorstep.store.rate_limits import Counted


@dataclass(frozen=True)
class Limit:
    counted: Counted
    windows: tuple[Window, ...]


async def enforce(
    conn: Connection,
    code: str,
    checks: Sequence[tuple[Limit, int | str | None]],
    **params: Any,
) -> None:
    """Refuse with `RateLimited(code)` when a window of any (limit, key) is full; a key of None
    (say, no client address) or a limit with every window off is skipped. Call it inside the
    use case's transaction: the keys stay locked until it ends, so what it then writes counts
    for the next caller. The refusal carries `retry_after_seconds` (and minutes) for the
    message and the Retry-After header."""
    seen: list[tuple[Window, Seen]] = []
    now = None
    for limit, key in checks:
        windows = [w for w in limit.windows if w.limit > 0]
        if key is None or not windows:
            continue
        now, counts = await store.recent(conn, limit.counted, key, [w.seconds for w in windows])
        seen += [(w, Seen(n, oldest)) for w, (n, oldest) in zip(windows, counts, strict=True)]
    if now is not None:
        refuse_when_full(code, now, seen, **params)


def refuse_when_full(
    code: str, now: datetime, seen: Iterable[tuple[Window, Seen]], **params: Any
) -> None:
    """Refuse with `RateLimited(code)` when a window is full, with the wait until one more is
    allowed (`retry_after_seconds`, and minutes for the message and the Retry-After header)."""
    wait = wait_seconds(now, seen)
    if wait is not None:
        raise RateLimited(
            code, retry_after_seconds=wait, retry_after_minutes=math.ceil(wait / 60), **params
        )
