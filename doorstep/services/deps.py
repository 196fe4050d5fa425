"""What every use case needs: the pool, settings, the calendar and the job queue."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from doorstep.config import Settings
from doorstep.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from doorstep.services.catalog import CatalogCache
from doorstep.store.db import Pool

log = logging.getLogger(__name__)

Enqueue = Callable[[list[int]], Awaitable[None]]


async def _no_queue(_ids: list[int]) -> None:
    """Without a queue the outbox sweeper delivers: nothing is lost, only later."""


@dataclass
class Deps:
    pool: Pool
    settings: Settings
    calendar: WorkingCalendar = field(default=DEFAULT_CALENDAR)
    enqueue_outbox: Enqueue = field(default=_no_queue)
    catalog: CatalogCache = field(default_factory=CatalogCache)

    async def after_commit(self, outbox_ids: Iterable[int]) -> None:
        """Fast path to the worker; a failure here is only latency (the sweeper re-enqueues)."""
        ids = list(outbox_ids)
        if not ids:
            return
        try:
            await self.enqueue_outbox(ids)
        except Exception:  # Redis down must not fail a committed request
            log.warning("enqueue of outbox rows %s failed; the sweeper will pick them up", ids,
                        exc_info=True)
