"""Dataloaders: one query for the timelines of every application or ticket in a response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from doorstep.services.deps import Deps
from doorstep.services.timeline import (
    TicketEventRow,
    TimelineEventRow,
    ticket_timelines,
    timelines,
)

E = TypeVar("E")


def _by_id(
    deps: Deps, read: Callable[[Deps, list[int]], Awaitable[dict[int, list[E]]]]
) -> DataLoader[int, list[E]]:
    async def load(ids: Sequence[int]) -> list[list[E]]:
        found = await read(deps, list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load)


class Loaders:
    """Made on first use: a WebSocket connection holds a context for hours and most never
    ask for a timeline."""

    __slots__ = ("_deps", "_ticket_timeline", "_timeline")

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._timeline: DataLoader[int, list[TimelineEventRow]] | None = None
        self._ticket_timeline: DataLoader[int, list[TicketEventRow]] | None = None

    @property
    def timeline(self) -> DataLoader[int, list[TimelineEventRow]]:
        if self._timeline is None:
            self._timeline = _by_id(self._deps, timelines)
        return self._timeline

    @property
    def ticket_timeline(self) -> DataLoader[int, list[TicketEventRow]]:
        if self._ticket_timeline is None:
            self._ticket_timeline = _by_id(self._deps, ticket_timelines)
        return self._ticket_timeline
