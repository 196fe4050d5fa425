"""The catalog's versions for the admin. Thin resolvers over `services.catalog_admin`."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.domain.administration import BundleSpec, ItemSpec, MaterialSpec
from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services import catalog_admin
from doorstep.services.catalog_admin import BundleVersionRow, ItemVersionRow


@strawberry.type
class VersionMaterial:
    code: str
    name: str
    required: bool


@strawberry.type(description="One version of a service item (事项)")
class ServiceItemVersion:
    item_code: str
    version: int
    effective_from: date
    in_force: bool
    name: str
    unit_code: str
    description: str
    materials: list[VersionMaterial]
    legal_days: int = strawberry.field(description="Legal time limit in working days")
    promised_days: int = strawberry.field(description="Promised time limit in working days")
    retired: bool
    created_by: str | None
    created_at: datetime
    tasks: int = strawberry.field(description="Tasks made under this version")


@strawberry.type(description="One version of a bundle (一件事)")
class BundleVersion:
    bundle_code: str
    version: int
    effective_from: date
    in_force: bool
    name: str
    description: str
    item_codes: list[str]
    retired: bool
    created_by: str | None
    created_at: datetime
    applications: int = strawberry.field(description="Applications made under this version")


@strawberry.input
class MaterialInput:
    code: str
    name: str
    required: bool = True


@strawberry.input(description="A new version of a service item; a new code makes a new item")
class ServiceItemVersionInput:
    code: str
    name: str
    unit_code: str
    legal_days: int
    promised_days: int
    effective_from: date = strawberry.field(description="In force from this day (Shanghai)")
    description: str = ""
    materials: list[MaterialInput] = strawberry.field(default_factory=list)
    retired: bool = strawberry.field(default=False, description="Retire it from that day")


@strawberry.input(description="A new version of a bundle; a new code makes a new bundle")
class BundleVersionInput:
    code: str
    name: str
    item_codes: list[str]
    effective_from: date
    description: str = ""
    retired: bool = False


def _materials(v: ItemVersionRow) -> list[VersionMaterial]:
    raw = v.materials if isinstance(v.materials, list) else []
    return [
        VersionMaterial(
            code=str(m.get("code", "")),
            name=str(m.get("name", "")),
            required=bool(m.get("required", True)),
        )
        for m in raw
        if isinstance(m, dict)
    ]


_item = mirror(ServiceItemVersion, ItemVersionRow, materials=_materials, tasks="applications")
_bundle = mirror(BundleVersion, BundleVersionRow)
_material_spec = mirror(MaterialSpec, MaterialInput)
_item_spec = mirror(
    ItemSpec,
    ServiceItemVersionInput,
    materials=lambda i: tuple(_material_spec(m) for m in i.materials),
)
_bundle_spec = mirror(BundleSpec, BundleVersionInput)


@strawberry.type
class CatalogAdminQuery:
    @strawberry.field(description="Admin: every version of every service item (or one's)")
    async def service_item_versions(
        self, info: Info, code: str | None = None
    ) -> list[ServiceItemVersion]:
        ctx = info.context
        return [_item(v) for v in await catalog_admin.item_versions(ctx.deps, ctx.actor, code)]

    @strawberry.field(description="Admin: every version of every bundle (or one's)")
    async def bundle_versions(self, info: Info, code: str | None = None) -> list[BundleVersion]:
        ctx = info.context
        return [_bundle(v) for v in await catalog_admin.bundle_versions(ctx.deps, ctx.actor, code)]


@strawberry.type
class CatalogAdminMutation:
    @strawberry.mutation(
        description="Admin: publish a version of a service item, in force from its date "
        "(applications made before keep theirs)"
    )
    async def publish_service_item_version(
        self, info: Info, input: ServiceItemVersionInput
    ) -> ServiceItemVersion:
        ctx = info.context
        spec = _item_spec(input)
        return _item(await catalog_admin.publish_item(ctx.deps, ctx.actor, spec))

    @strawberry.mutation(description="Admin: publish a version of a bundle, in force from its date")
    async def publish_bundle_version(self, info: Info, input: BundleVersionInput) -> BundleVersion:
        ctx = info.context
        return _bundle(await catalog_admin.publish_bundle(ctx.deps, ctx.actor, _bundle_spec(input)))
