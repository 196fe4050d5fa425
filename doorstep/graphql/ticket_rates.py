"""The figures: response, resolution, satisfaction and on-time rates per unit or region, and
the units slipping this week. Thin resolvers over `services.ticket_rates`."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services import ticket_rates


@strawberry.enum
class RatesGroupBy(Enum):
    UNIT = "unit"
    REGION = "region"


# --- figures -------------------------------------------------------------------------------------


@strawberry.type(
    description="One unit's or region's figures for a period; rates are 0..1, "
    "null when there is nothing to divide by"
)
class TicketRates:
    code: str
    name: str
    assigned: int
    responded_in_time: int
    response_rate: float | None
    finished: int
    solved: int = strawberry.field(description="Confirmed solved by the citizen")
    resolution_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    on_time: int
    on_time_rate: float | None
    returns: int
    reopened: int
    reopen_rate: float | None
    recurrences: int
    recurrence_rate: float | None
    open_overdue: int


_rates = mirror(TicketRates, ticket_rates.Rates)


@strawberry.type(description="A unit slipping this week, with what gives it away")
class SlippingUnit:
    this_week: TicketRates
    last_week: TicketRates | None
    signals: list[str]


@strawberry.type
class TicketRatesQuery:
    @strawberry.field(
        description="Response, resolution, satisfaction and on-time rates, "
        "returns, reopens and recurrences for the days since..until"
    )
    async def ticket_rates(
        self,
        info: Info,
        since: date,
        until: date,
        group_by: RatesGroupBy = RatesGroupBy.UNIT,
        region_level: int = 6,
    ) -> list[TicketRates]:
        ctx = info.context
        found = await ticket_rates.rates(
            ctx.deps, ctx.actor, since, until, group_by.value, region_level
        )
        return [_rates(r) for r in found]

    @strawberry.field(
        description="Units slipping this week: rates down on last week or under "
        "90%, returns, or overdue tickets now"
    )
    async def slipping_units(self, info: Info) -> list[SlippingUnit]:
        ctx = info.context
        return [
            SlippingUnit(
                this_week=_rates(s.this_week),
                last_week=_rates(s.last_week) if s.last_week else None,
                signals=list(s.signals),
            )
            for s in await ticket_rates.slipping_units(ctx.deps, ctx.actor)
        ]
