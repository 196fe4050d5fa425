"""Catalog: bundles (一件事) and the service items they combine."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services import catalog as service


@strawberry.type(description="A department, street office, community or other serving unit")
class Unit:
    code: str
    name: str
    kind: str
    region_code: str
    phone: str | None


@strawberry.type(description="A document the citizen provides for an item")
class Material:
    code: str
    name: str
    required: bool


@strawberry.type(description="One department's service (事项)")
class ServiceItem:
    code: str
    name: str
    description: str
    materials: list[Material]
    legal_days: int = strawberry.field(description="Legal time limit in working days")
    promised_days: int = strawberry.field(description="Promised time limit in working days")
    department: Unit


@strawberry.type(description="A life-event bundle (一件事): several items, one form")
class Bundle:
    code: str
    name: str
    description: str
    is_single: bool = strawberry.field(description="A single item offered on its own")
    items: list[ServiceItem]

    @strawberry.field(description="Working days the slowest item promises")
    def promised_days(self) -> int:
        return max((i.promised_days for i in self.items), default=0)


_material = mirror(Material, service.Material)
_unit = mirror(Unit, service.Unit)
_item = mirror(
    ServiceItem,
    service.Item,
    materials=_material,
    department=lambda i: _unit(i.unit),
)
bundle_type = mirror(Bundle, service.Bundle, items=_item)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Every bundle and single item on offer")
    async def catalog(self, info: Info) -> list[Bundle]:
        deps = info.context.deps
        return [bundle_type(b) for b in await deps.catalog.all(deps)]

    @strawberry.field(description="One bundle by its code, or null")
    async def bundle(self, info: Info, code: str) -> Bundle | None:
        deps = info.context.deps
        found = await deps.catalog.get(deps, code)
        return bundle_type(found) if found else None
