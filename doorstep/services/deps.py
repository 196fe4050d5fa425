"""What every use case needs: the pool, settings, the calendar and the job queue."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from doorstep.config import Settings
from doorstep.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from doorstep.services.catalog import CatalogCache
from doorstep.services.holidays import SCHEDULE_HORIZON_DAYS, load_schedule, schedule_gaps
from doorstep.services.identity.providers import IdentityProvider
from doorstep.store.db import Pool
from doorstep.store.objects import ObjectStore

log = logging.getLogger(__name__)

Enqueue = Callable[[list[int]], Awaitable[None]]
EnqueueLanes = Callable[[list[tuple[int, str, int]]], Awaitable[None]]
Item = TypeVar("Item")

__all__ = ["SCHEDULE_HORIZON_DAYS", "Deps", "build_calendar"]


def build_calendar(settings: Settings, now: datetime | None = None) -> WorkingCalendar:
    """The working-day calendar of this process: the library's years plus the schedule file.

    A bad file raises (the process must not start counting deadlines with it); a year within
    the horizon that neither knows is logged, since its deadlines count the statutory holidays
    only (no bridge days, no 调休)."""
    calendar = load_schedule(settings.holidays_file)
    missing = schedule_gaps(calendar, now)
    if missing:
        log.warning(
            "no official holiday schedule for %s: deadlines there count the statutory "
            "holidays only, without bridge days or adjusted weekends; enter the State "
            "Council's dates (doorstep enter-holidays, or enterHolidaySchedule) once "
            "they are published",
            missing,
        )
    return calendar


async def _no_queue(_ids: list[int]) -> None:
    """Without a queue the outbox sweeper delivers: nothing is lost, only later."""


async def _no_lane_queue(_lanes: list[tuple[int, str, int]]) -> None:
    """Without a queue the sweeper finds the broadcast lanes with rows due."""


@dataclass
class Deps:
    pool: Pool
    settings: Settings
    calendar: WorkingCalendar = field(default=DEFAULT_CALENDAR)
    # the entered holiday schedules `calendar` was read with (services.holidays.refresh)
    calendar_stamp: int = field(default=-1)
    enqueue_outbox: Enqueue = field(default=_no_queue)
    # broadcast lanes (broadcast id, language, generation): batches of up to 100 numbers per call
    enqueue_lanes_now: EnqueueLanes = field(default=_no_lane_queue)
    catalog: CatalogCache = field(default_factory=CatalogCache)
    # real-identity checks: built from the settings on first use (services.identity)
    identity_provider: IdentityProvider | None = None
    # where material files are kept: built from the settings on first use (services.files)
    object_store: ObjectStore | None = None

    async def after_commit(self, outbox_ids: Iterable[int]) -> None:
        """Fast path to the worker; a failure here is only latency (the sweeper re-enqueues)."""
        await _enqueue_or_leave_to_sweeper(self.enqueue_outbox, list(outbox_ids), "outbox rows")

    async def enqueue_lanes(self, lanes: list[tuple[int, str, int]]) -> None:
        """Fast path for broadcast lanes; a failure is only latency (the sweeper finds them)."""
        await _enqueue_or_leave_to_sweeper(self.enqueue_lanes_now, lanes, "broadcast lanes")


async def _enqueue_or_leave_to_sweeper(
    enqueue: Callable[[list[Item]], Awaitable[None]], items: list[Item], what: str
) -> None:
    """Enqueue `items` if any; a failure is logged, never raised: the work is committed already
    and a sweeper finds it (Redis down must not fail a committed request)."""
    if not items:
        return
    try:
        await enqueue(items)
    except Exception:
        log.warning(
            "enqueue of %s %s failed; the sweeper will pick them up", what, items, exc_info=True
        )
