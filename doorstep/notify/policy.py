"""Channel policy: which channel, and when. Pure rules, no I/O; every answer carries its reason.

- Channel: Web Push first where the citizen has a live push subscription and does not prefer
  SMS; SMS otherwise (log-in codes and messages to numbers without an account always by SMS).
- Quiet hours (default 21:00-08:00 Asia/Shanghai) hold non-urgent SMS until morning.
- Digest: updates to one application are held a few minutes from the first, and whatever
  piled up for it by then goes as one SMS.
- Caps per number (default 1 a minute, 5 an hour, 10 a day, as Aliyun's default flow control)
  hold non-urgent SMS until the window has room; urgent ones count but are not held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from doorstep.domain.calendar import SHANGHAI

PUSH = "push"
SMS = "sms"
# pushes that are followed by an SMS if the citizen has not opened them in time (besides urgent
# ones): something to do, or an outcome
# what "TD" / "退订" stops: offers found for the citizen (服务找人); never their own affairs
NON_ESSENTIAL_KINDS = frozenset({"offer.offer", "offer.for_principal"})
IMPORTANT_KINDS = frozenset(
    {
        "task.request_materials",
        "task.reject",
        "application.finished",
        "task.deadline_extended",
        # questions answered by replying Y / N: a relative asks to act
        # for the citizen, or waits for their confirmation of an action
        # that moves money (the SMS is how a keypad phone answers)
        "delegation_requested",
        "confirmation_requested",
    }
)


@dataclass(frozen=True)
class ChannelChoice:
    channel: str  # "push" or "sms"
    reason: str  # a stable key: notify.reason.<reason> in the catalogs


def choose_channel(
    *, has_account: bool, kind: str, prefers_sms: bool, has_live_push: bool
) -> ChannelChoice:
    """The channel for a new notification (a fallback SMS has its channel set already)."""
    if not has_account:
        return ChannelChoice(SMS, "no_account")
    if kind == "login_code":
        return ChannelChoice(SMS, "login_code")
    if prefers_sms:
        return ChannelChoice(SMS, "prefers_sms")
    if not has_live_push:
        return ChannelChoice(SMS, "no_push")
    return ChannelChoice(PUSH, "push_first")


def parse_clock(text: str) -> time | None:
    """ "21:00" → 21:00; "" → None (quiet hours off)."""
    if not text.strip():
        return None
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(now: datetime, start: time | None, end: time | None) -> datetime | None:
    """When quiet hours that hold `now` end (an aware instant), or None if it is not quiet."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(SHANGHAI)
    t = local.time()
    if start < end:
        quiet = start <= t < end
    else:  # across midnight, e.g. 21:00-08:00
        quiet = t >= start or t < end
    if not quiet:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return end_today if end_today > local else end_today + timedelta(days=1)


def cap_wait(
    sent: Sequence[datetime], now: datetime, caps: Sequence[tuple[int, int]]
) -> datetime | None:
    """When another SMS to this number fits every (window seconds, limit) cap, or None if now.

    `sent`: when the earlier SMS to the number went out.
    """
    wait: datetime | None = None
    for window, limit in caps:
        if limit <= 0:
            continue
        inside = sorted(t for t in sent if t > now - timedelta(seconds=window))
        if len(inside) >= limit:
            # room again when enough of them have left the window
            free_at = inside[len(inside) - limit] + timedelta(seconds=window)
            wait = free_at if wait is None else max(wait, free_at)
    return wait
