"""Statuses only move forward; retries back off; the provider's windows are respected."""

from __future__ import annotations

import pytest

from doorstep.domain.delivery import (
    FINAL,
    RETRY_CAP_SECONDS,
    DeliveryStatus,
    may_move,
    retry_delay,
)

S = DeliveryStatus


@pytest.mark.parametrize("final", sorted(FINAL))
@pytest.mark.parametrize("news", list(S))
def test_a_final_status_never_moves(final: DeliveryStatus, news: DeliveryStatus) -> None:
    assert not may_move(final, news)


def test_news_moves_forward_only() -> None:
    assert may_move(S.SENT, S.DELIVERED)
    assert may_move(S.SENT, S.PERMANENT_FAILURE)
    assert may_move(S.SENDING, S.DELIVERED)  # the receipt beat the worker's own record
    assert may_move(S.TEMPORARY_FAILURE, S.DELIVERED)  # a timed-out attempt that went through
    assert may_move(S.SENDING, S.SENT)
    assert not may_move(S.SENT, S.SENT)
    assert not may_move(S.SENT, S.SENDING)
    assert not may_move(S.SENT, S.TEMPORARY_FAILURE)


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 1.0) for n in (1, 2, 3, 4)] == [15.0, 30.0, 60.0, 120.0]
    assert retry_delay(1, 0.0) == 7.5  # jitter spreads over the second half
    assert retry_delay(30, 1.0) == RETRY_CAP_SECONDS
    assert all(
        0 < retry_delay(n, j) <= RETRY_CAP_SECONDS for n in range(1, 40) for j in (0.0, 0.3, 0.99)
    )
