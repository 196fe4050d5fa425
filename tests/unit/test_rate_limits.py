"""The one sliding-window rule behind every per-citizen limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.rate_limits import DAY_SECONDS, HOUR_SECONDS, Seen, Window, wait_seconds

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = Window(5, HOUR_SECONDS)
DAY = Window(10, DAY_SECONDS)


def test_room_left_or_windows_off_allow_one_more() -> None:
    assert wait_seconds(NOW, []) is None
    assert wait_seconds(NOW, [(HOUR, Seen(4, NOW)), (DAY, Seen(9, NOW))]) is None
    assert wait_seconds(NOW, [(Window(0, HOUR_SECONDS), Seen(99, NOW))]) is None


def test_a_full_window_waits_until_its_oldest_leaves() -> None:
    oldest = NOW - timedelta(minutes=50)
    assert wait_seconds(NOW, [(HOUR, Seen(5, oldest))]) == 600
    # never 0: the caller is told to come back, not to retry at once
    assert wait_seconds(NOW, [(HOUR, Seen(5, NOW - timedelta(hours=1)))]) == 1
    # no time known: the whole window
    assert wait_seconds(NOW, [(HOUR, Seen(5, None))]) == HOUR_SECONDS


def test_with_several_full_the_longest_wait_counts() -> None:
    hour_full = (HOUR, Seen(5, NOW - timedelta(minutes=59)))
    day_full = (DAY, Seen(10, NOW - timedelta(hours=20)))
    assert wait_seconds(NOW, [hour_full, day_full]) == 4 * 3600
