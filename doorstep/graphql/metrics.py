"""Supervisors' view of the clocks: what is late, what is due soon, and per-unit counts."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from doorstep.graphql.context import Info
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import sla


@strawberry.enum
class WatchedStatus(Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"


@strawberry.type(description="A running task, for the SLA overview")
class WatchedTask:
    id: strawberry.ID
    application_number: str
    item_name: str
    unit_code: str
    unit_name: str
    status: WatchedStatus
    status_label: str
    due_on: date


@strawberry.type(description="One unit's clock record")
class UnitSlaCounts:
    unit_code: str
    unit_name: str
    on_time: int = strawberry.field(description="Finished in the period by the deadline")
    late: int = strawberry.field(description="Finished in the period after the deadline")
    open_overdue: int = strawberry.field(description="Still open and past the deadline now")
    priority_on_time: int = strawberry.field(
        description="优先办 apart: priority tasks finished in the period by the deadline "
        "(included in onTime)"
    )
    priority_late: int = strawberry.field(description="Priority tasks finished late")
    priority_open_overdue: int = strawberry.field(description="Priority tasks open and overdue")
    priority_on_target: int = strawberry.field(
        description="Priority tasks finished in the period by their shorter internal target"
    )


_watched_task = mirror(
    WatchedTask, sla.WatchedTask, status=lambda t: WatchedStatus(t.status.value), status_label=GIVEN
)
_counts = mirror(UnitSlaCounts, sla.UnitCounts)


def _watched(info: Info, t: sla.WatchedTask) -> WatchedTask:
    ctx = info.context
    label = translate(f"task_status.{t.status.value}", ctx.language, elder=ctx.elder)
    return _watched_task(t, status_label=label)


@strawberry.type
class MetricsQuery:
    @strawberry.field(description="Running tasks past their deadline (own unit or region)")
    async def overdue_tasks(self, info: Info, first: int = 100) -> list[WatchedTask]:
        ctx = info.context
        return [_watched(info, t) for t in await sla.overdue_tasks(ctx.deps, ctx.actor, first)]

    @strawberry.field(description="Running tasks due within the next working days")
    async def due_soon(
        self, info: Info, working_days: int = 2, first: int = 100
    ) -> list[WatchedTask]:
        ctx = info.context
        found = await sla.due_soon(ctx.deps, ctx.actor, working_days, first)
        return [_watched(info, t) for t in found]

    @strawberry.field(description="Per unit: on time, late, and overdue now")
    async def unit_sla_counts(self, info: Info, since: date, until: date) -> list[UnitSlaCounts]:
        ctx = info.context
        return [_counts(c) for c in await sla.unit_counts(ctx.deps, ctx.actor, since, until)]
