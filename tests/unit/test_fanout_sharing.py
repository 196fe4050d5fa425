"""What subscribers of one change share, and what each still gets on its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from doorstep.live import fanout, progress, subscriptions
from doorstep.live.fanout import SharedCache
from doorstep.live.session import EncodedPayloads
from doorstep.services import applications

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _row(seq: int, kind: str = "task.accept") -> SimpleNamespace:
    """Stands in for an event row: its columns read as attributes."""
    return SimpleNamespace(
        seq=seq,
        kind=kind,
        data={"item": "出生医学证明"},
        created_at=AT,
        application_id=7,
    )


def _context(language: str, elder: bool = False) -> Any:
    return SimpleNamespace(language=language, elder=elder)


async def test_concurrent_askers_of_one_key_share_one_fetch() -> None:
    cache: SharedCache[str, int] = SharedCache()
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    values = await asyncio.gather(*(cache.get_or_fetch("k", fetch) for _ in range(100)))
    assert values == [42] * 100
    assert calls == 1
    assert await cache.get_or_fetch("k", fetch) == 42
    assert calls == 1


async def test_an_asker_that_goes_away_cancels_neither_the_read_nor_the_others() -> None:
    cache: SharedCache[str, int] = SharedCache()
    release = asyncio.Event()

    async def fetch() -> int:
        await release.wait()
        return 7

    first = asyncio.ensure_future(cache.get_or_fetch("k", fetch))
    second = asyncio.ensure_future(cache.get_or_fetch("k", fetch))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == 7
    assert first.cancelled()
    assert cache.get("k") == 7


async def test_a_failed_fetch_is_not_remembered() -> None:
    cache: SharedCache[str, int] = SharedCache()

    async def fail() -> int:
        raise OSError("database away")

    async def ok() -> int:
        return 1

    with pytest.raises(OSError):
        await cache.get_or_fetch("k", fail)
    assert await cache.get_or_fetch("k", ok) == 1


def test_entries_expire_and_the_oldest_go_first() -> None:
    expiring: SharedCache[str, int] = SharedCache(ttl=0.0)
    expiring.put("k", 1)
    assert expiring.get("k") is None
    small: SharedCache[int, int] = SharedCache(max_entries=2)
    for i in range(3):
        small.put(i, i)
    assert small.get(0) is None and small.get(1) == 1 and small.get(2) == 2


async def test_a_change_after_the_cached_seq_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []

    async def current_state(deps: Any, application_id: int) -> Any:
        reads.append(application_id)
        return SimpleNamespace(id=application_id, number="N", version=len(reads))

    monkeypatch.setattr(applications, "current_state", current_state)
    fanout.states.clear()
    first = await asyncio.gather(
        *(
            fanout.current_state(None, 901, 10)  # type: ignore[arg-type]
            for _ in range(50)
        )
    )
    assert reads == [901] and all(v is first[0] for v in first)
    later = await fanout.current_state(None, 901, 11)  # type: ignore[arg-type]
    assert reads == [901, 901]
    assert later is not None and cast(Any, later).version == 2
    other = await fanout.current_state(None, 902, 10)  # type: ignore[arg-type]
    assert reads == [901, 901, 902] and other is not None and other.id == 902


def test_one_message_per_event_language_and_elder_mode() -> None:
    update = progress.ProgressUpdate(seq=5001, application_id=7, event=cast(Any, _row(5001)))
    zh = subscriptions._update(_context("zh_Hans"), update, "N1")
    zh_again = subscriptions._update(_context("zh_Hans"), update, "N1")
    en = subscriptions._update(_context("en"), update, "N1")
    elder = subscriptions._update(_context("zh_Hans", elder=True), update, "N1")
    assert zh is zh_again
    assert en is not zh and elder is not zh and elder is not en
    assert zh.event is not None and en.event is not None
    assert zh.event.title != en.event.title
    assert en.event.title.endswith(": accepted") and "已受理" in zh.event.title
    # the next event of the same application is its own message
    nxt = subscriptions._update(
        _context("zh_Hans"),
        progress.ProgressUpdate(seq=5002, application_id=7, event=cast(Any, _row(5002))),
        "N1",
    )
    assert nxt is not zh and nxt.seq == "5002"


def test_the_opening_message_is_never_shared() -> None:
    update = progress.ProgressUpdate(seq=5001, application_id=7, event=None)
    a = subscriptions._update(_context("zh_Hans"), update, "N1")
    b = subscriptions._update(_context("zh_Hans"), update, "N1")
    assert a is not b and a.shared_results is None


def test_a_shared_result_is_encoded_once_an_equal_copy_apart() -> None:
    encoded = EncodedPayloads()
    data = {"applicationProgress": {"seq": "3", "event": {"kind": "task.accept"}}}
    first = encoded.payload(data)
    assert encoded.payload(data) is first
    assert encoded.encoded == 1
    assert encoded.payload(dict(data)) == first
    assert encoded.encoded == 2
    assert first == '{"data":{"applicationProgress":{"seq":"3","event":{"kind":"task.accept"}}}}'
