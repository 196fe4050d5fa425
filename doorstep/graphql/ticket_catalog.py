"""The ticket catalog: categories, the units' service areas and the regions' fallback units.
Thin resolvers over `services.ticket_catalog`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.dispatch_rules import RuleProblem, rule_problems
from doorstep.graphql.tickets.types import TicketUnit
from doorstep.mirror import mirror
from doorstep.services import ticket_catalog as catalog

# --- the ticket catalog --------------------------------------------------------------------------


@strawberry.type(description="A category as supervisors and the admin see it")
class ManagedTicketCategory:
    code: str
    name: str
    description: str
    position: int
    active: bool = strawberry.field(description="False once retired: no new tickets")
    retired_at: datetime | None
    tickets: int = strawberry.field(description="Tickets that name it")
    open_tickets: int
    group: str = strawberry.field(description="What it is grouped under (Open311 `group`)")
    keywords: list[str] = strawberry.field(
        description="Words citizens use for it: Open311 `keywords`, and what an SMS is "
        "matched against to guess its category"
    )


@strawberry.type
class TicketCategoryChange:
    category: ManagedTicketCategory
    warnings: list[RuleProblem] = strawberry.field(
        description="Published rules this change concerns, e.g. ones that can no longer match"
    )


@strawberry.type(description="One category a unit serves in the regions under a code")
class ServiceArea:
    category_code: str
    category_name: str
    category_active: bool
    region_code: str
    region_name: str | None


@strawberry.type(description="What a unit serves")
class UnitServiceAreas:
    unit: TicketUnit
    region_code: str
    areas: list[ServiceArea]
    warnings: list[RuleProblem] = strawberry.field(
        description="Published rules that send this unit work it does not serve"
    )


@strawberry.input(
    description="A category the unit serves in a region (6, 9 or 12 digits) and "
    "every region under it"
)
class ServiceAreaInput:
    category_code: str
    region_code: str


@strawberry.input
class TicketCategoryInput:
    code: str = strawberry.field(description="Lower-case letters, digits, _ or -; 2 to 40")
    name: str
    description: str = ""
    position: int | None = strawberry.field(
        default=None, description="Place in the list (default: last)"
    )
    group: str = ""
    keywords: list[str] = strawberry.field(default_factory=list)


@strawberry.type(description="A region (GB/T 2260) and the unit its unrouted tickets go to")
class TicketRegion:
    code: str
    name: str
    parent_code: str | None
    fallback_unit: TicketUnit | None = strawberry.field(
        description="Its own; null: the region above decides"
    )
    effective_fallback_unit: TicketUnit | None


_managed = mirror(ManagedTicketCategory, catalog.CategoryView, group="group_name")
_unit = mirror(TicketUnit, catalog.UnitInfo)


def _unit_areas(v: catalog.UnitAreasView, info: Info) -> UnitServiceAreas:
    return UnitServiceAreas(
        unit=_unit(v.unit),
        region_code=v.unit.region_code,
        areas=[
            ServiceArea(
                category_code=a.category_code,
                category_name=a.category_name,
                category_active=a.category_active,
                region_code=a.region_prefix,
                region_name=a.region_name,
            )
            for a in v.areas
        ],
        warnings=rule_problems(v.warnings, info.context.language, info.context.elder),
    )


_region = mirror(
    TicketRegion,
    catalog.RegionView,
    fallback_unit=_unit,
    effective_fallback_unit=lambda r: _unit(r.effective_fallback) if r.effective_fallback else None,
)


async def _set_active(info: Info, code: str, active: bool) -> TicketCategoryChange:
    ctx = info.context
    change = await catalog.set_category_active(ctx.deps, ctx.actor, code, active)
    return TicketCategoryChange(
        category=_managed(change.category),
        warnings=rule_problems(change.warnings, ctx.language, ctx.elder),
    )


@strawberry.type
class TicketCatalogQuery:
    @strawberry.field(
        description="Supervisors and the admin: every category, retired ones "
        "too, with how many tickets name it"
    )
    async def ticket_catalog_categories(
        self, info: Info, include_retired: bool = True
    ) -> list[ManagedTicketCategory]:
        ctx = info.context
        return [
            _managed(c)
            for c in await catalog.list_categories(
                ctx.deps, ctx.actor, include_retired=include_retired
            )
        ]

    @strawberry.field(
        description="Supervisors (units of their region) and the admin: what a unit serves"
    )
    async def unit_service_areas(self, info: Info, unit_code: str) -> UnitServiceAreas:
        ctx = info.context
        return _unit_areas(await catalog.unit_service_areas(ctx.deps, ctx.actor, unit_code), info)

    @strawberry.field(
        description="Supervisors (their region) and the admin: regions and their fallback units"
    )
    async def ticket_regions(self, info: Info, under: str | None = None) -> list[TicketRegion]:
        ctx = info.context
        return [_region(r) for r in await catalog.regions(ctx.deps, ctx.actor, under)]


@strawberry.type
class TicketCatalogMutation:
    @strawberry.mutation(description="Admin: a new ticket category, offered to citizens at once")
    async def create_ticket_category(
        self, info: Info, input: TicketCategoryInput
    ) -> ManagedTicketCategory:
        ctx = info.context
        return _managed(
            await catalog.create_category(
                ctx.deps,
                ctx.actor,
                input.code,
                input.name,
                input.description,
                input.position,
                group=input.group,
                keywords=input.keywords,
            )
        )

    @strawberry.mutation(
        description="Admin: rename a category (or change its description, place, group or "
        "keywords); tickets show the new name"
    )
    async def update_ticket_category(
        self,
        info: Info,
        code: str,
        name: str | None = None,
        description: str | None = None,
        position: int | None = None,
        group: str | None = None,
        keywords: list[str] | None = None,
    ) -> ManagedTicketCategory:
        ctx = info.context
        return _managed(
            await catalog.update_category(
                ctx.deps,
                ctx.actor,
                code,
                name=name,
                description=description,
                position=position,
                group=group,
                keywords=keywords,
            )
        )

    @strawberry.mutation(
        description="Admin: retire a category: no new tickets; the tickets that name it keep it"
    )
    async def retire_ticket_category(self, info: Info, code: str) -> TicketCategoryChange:
        return await _set_active(info, code, False)

    @strawberry.mutation(description="Admin: offer a retired category again")
    async def reinstate_ticket_category(self, info: Info, code: str) -> TicketCategoryChange:
        return await _set_active(info, code, True)

    @strawberry.mutation(
        description="Supervisors (units of their region) and the admin: the "
        "unit serves exactly these within the caller's region"
    )
    async def set_unit_service_areas(
        self, info: Info, unit_code: str, areas: list[ServiceAreaInput]
    ) -> UnitServiceAreas:
        ctx = info.context
        found = await catalog.set_unit_service_areas(
            ctx.deps, ctx.actor, unit_code, [(a.category_code, a.region_code) for a in areas]
        )
        return _unit_areas(found, info)

    @strawberry.mutation(
        description="Supervisors (their region) and the admin: the unit that "
        "takes a region's unrouted tickets (null: the region above "
        "decides)"
    )
    async def set_region_fallback_unit(
        self, info: Info, region_code: str, unit_code: str | None = None
    ) -> TicketRegion:
        ctx = info.context
        return _region(
            await catalog.set_region_fallback(ctx.deps, ctx.actor, region_code, unit_code)
        )
