"""The working-day calendar: where each year's days come from, and the admin's schedule entry.
Thin resolvers over `services.holidays`."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services import holidays


@strawberry.enum(description="Where a year's working days come from")
class CalendarBasis(Enum):
    ENTERED = "entered"  # the latest version an admin entered
    FILE = "file"  # DOORSTEP_HOLIDAYS_FILE
    LIBRARY = "library"  # the chinesecalendar package
    STATUTORY = "statutory"  # no schedule: the statutory holidays only, no 调休


@strawberry.type(description="One entered version of a year's official schedule")
class HolidayScheduleVersion:
    year: int
    version: int
    holidays: list[date] = strawberry.field(description="Rest days (weekdays and weekends)")
    workdays: list[date] = strawberry.field(description="Adjusted working weekends (调休)")
    source: str = strawberry.field(description="The notice the dates come from")
    note: str
    entered_via: str = strawberry.field(description="graphql or cli")
    entered_by: str | None
    entered_at: datetime


@strawberry.type(description="A year of the working-day calendar")
class CalendarYear:
    year: int
    basis: CalendarBasis
    warning: bool = strawberry.field(
        description="True while the official schedule is missing (statutory holidays only)"
    )
    in_force: HolidayScheduleVersion | None
    versions: list[HolidayScheduleVersion]
    weekday_rest_days: list[date] = strawberry.field(
        description="The weekdays deadlines count as rest days this year"
    )


@strawberry.input(description="A year's official schedule as the State Council published it")
class HolidayScheduleInput:
    year: int
    holidays: list[date]
    workdays: list[date] = strawberry.field(default_factory=list)
    source: str = strawberry.field(description="e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    note: str = ""


_version = mirror(
    HolidayScheduleVersion,
    holidays.ScheduleVersion,
    entered_by="entered_by_name",
    entered_at="created_at",
)


_year = mirror(
    CalendarYear,
    holidays.YearStatus,
    warning=lambda y: y.basis == "statutory",
    in_force=_version,
    versions=_version,
)


@strawberry.type
class HolidaysQuery:
    @strawberry.field(
        description="Staff: the working-day calendar of the years first..last (at most 11)"
    )
    async def working_calendar(self, info: Info, first: int, last: int) -> list[CalendarYear]:
        ctx = info.context
        years = await holidays.year_statuses(ctx.deps, ctx.actor, first, last)
        return [_year(y) for y in years]


@strawberry.type
class HolidaysMutation:
    @strawberry.mutation(
        description="Admin: enter a year's official schedule as a new version; deadlines "
        "count with it from now on (every process within half a minute)"
    )
    async def enter_holiday_schedule(
        self, info: Info, input: HolidayScheduleInput
    ) -> HolidayScheduleVersion:
        ctx = info.context
        return _version(
            await holidays.enter_schedule(
                ctx.deps,
                ctx.actor,
                year=input.year,
                holidays=input.holidays,
                workdays=input.workdays,
                source=input.source,
                note=input.note,
            )
        )
