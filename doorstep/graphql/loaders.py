"""Dataloaders: one query for the timelines of every application in a response."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from strawberry.dataloader import DataLoader

from doorstep.services.deps import Deps
from doorstep.services.timeline import timelines


class Loaders:
    """Made on first use: a WebSocket connection holds a context for hours and most never
    ask for a timeline."""

    __slots__ = ("_deps", "_timeline")

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._timeline: DataLoader[int, list[asyncpg.Record]] | None = None

    @property
    def timeline(self) -> DataLoader[int, list[asyncpg.Record]]:
        if self._timeline is None:
            deps = self._deps

            async def load_timelines(ids: Sequence[int]) -> list[list[asyncpg.Record]]:
                found = await timelines(deps, list(ids))
                return [found.get(i, []) for i in ids]

            self._timeline = DataLoader(load_timelines)
        return self._timeline
