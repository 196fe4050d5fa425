"""Dataloaders: one query for the timelines of every application in a response."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from strawberry.dataloader import DataLoader

from doorstep.services.deps import Deps
from doorstep.services.timeline import timelines


class Loaders:
    def __init__(self, deps: Deps) -> None:
        async def load_timelines(ids: Sequence[int]) -> list[list[asyncpg.Record]]:
            found = await timelines(deps, list(ids))
            return [found.get(i, []) for i in ids]

        self.timeline: DataLoader[int, list[asyncpg.Record]] = DataLoader(load_timelines)
