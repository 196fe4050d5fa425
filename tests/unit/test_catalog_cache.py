"""The catalog cache reloads an old copy once, however many requests find it old together."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from doorstep.services.catalog import Bundle, CatalogCache

NEWBORN = Bundle(1, "newborn", "新生儿出生一件事", "", False, ())


async def test_requests_that_find_the_copy_old_together_reload_it_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads = 0

    async def load(self: CatalogCache, _deps: Any) -> None:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)  # the two queries: the other requests arrive meanwhile
        self._bundles = {NEWBORN.code: NEWBORN}
        self._loaded_at = time.monotonic()

    monkeypatch.setattr(CatalogCache, "_load", load)
    cache = CatalogCache()
    deps: Any = object()
    assert await cache.get(deps, "newborn") == NEWBORN
    cache.invalidate()  # as when the copy is older than it may be
    found = await asyncio.gather(*(cache.get(deps, "newborn") for _ in range(50)))
    assert found == [NEWBORN] * 50
    assert loads == 2
    assert await cache.get(deps, "nothing") is None
    assert [b.code for b in await cache.all(deps)] == ["newborn"]
    assert loads == 2


async def test_a_failed_reload_is_tried_again_by_the_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = 0

    async def load(self: CatalogCache, _deps: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database out of reach")
        self._bundles = {NEWBORN.code: NEWBORN}
        self._loaded_at = time.monotonic()

    monkeypatch.setattr(CatalogCache, "_load", load)
    cache = CatalogCache()
    with pytest.raises(OSError):
        await cache.get(object(), "newborn")  # type: ignore[arg-type]
    assert await cache.get(object(), "newborn") == NEWBORN  # type: ignore[arg-type]
