"""Units and staff accounts for the admin. Thin resolvers over `services.administration`."""

from __future__ import annotations

from enum import Enum

import strawberry

from doorstep.domain.administration import StaffSpec, UnitSpec
from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services import administration
from doorstep.services.administration import StaffRow, UnitRow


@strawberry.enum
class UnitKind(Enum):
    DEPARTMENT = "department"
    STREET_OFFICE = "street_office"
    COMMUNITY = "community"
    ENTERPRISE = "enterprise"
    SOCIAL_ORGANISATION = "social_organisation"


@strawberry.enum
class StaffRole(Enum):
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@strawberry.type(description="A unit as the admin keeps it")
class AdminUnit:
    code: str
    name: str
    kind: UnitKind
    region_code: str
    parent_code: str | None
    phone: str | None
    territories: list[str] = strawberry.field(
        description="Region codes it serves citizens in (辖区); a street office's or a "
        "community's never overlap another of its kind"
    )
    active_staff: int


@strawberry.type(description="A staff account")
class AdminStaffMember:
    phone: str
    name: str
    role: StaffRole
    unit_code: str | None
    unit_name: str | None
    region_code: str | None
    active: bool


@strawberry.input
class UnitInput:
    code: str = strawberry.field(description="Stable: lower-case letters, digits, _ or -")
    name: str
    kind: UnitKind
    region_code: str
    parent_code: str | None = None
    phone: str | None = None
    territories: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class StaffMemberInput:
    phone: str
    name: str
    role: StaffRole
    unit_code: str | None = strawberry.field(default=None, description="Required but for admins")
    region_code: str | None = strawberry.field(
        default=None, description="Supervisors: the region prefix they oversee"
    )
    active: bool = True


_unit = mirror(AdminUnit, UnitRow, active_staff="staff")
_staff = mirror(AdminStaffMember, StaffRow)
_unit_spec = mirror(UnitSpec, UnitInput)
_staff_spec = mirror(StaffSpec, StaffMemberInput)


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="Admin: every unit (or those of one kind)")
    async def admin_units(self, info: Info, kind: UnitKind | None = None) -> list[AdminUnit]:
        ctx = info.context
        found = await administration.units(ctx.deps, ctx.actor, kind.value if kind else None)
        return [_unit(u) for u in found]

    @strawberry.field(description="Admin: every staff account (or a unit's)")
    async def admin_staff(self, info: Info, unit_code: str | None = None) -> list[AdminStaffMember]:
        ctx = info.context
        return [_staff(s) for s in await administration.staff(ctx.deps, ctx.actor, unit_code)]


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Admin: create a unit or change one (by its code)")
    async def save_unit(self, info: Info, input: UnitInput) -> AdminUnit:
        ctx = info.context
        return _unit(await administration.save_unit(ctx.deps, ctx.actor, _unit_spec(input)))

    @strawberry.mutation(description="Admin: a new staff account (refused if the phone has one)")
    async def create_staff_member(self, info: Info, input: StaffMemberInput) -> AdminStaffMember:
        ctx = info.context
        spec = _staff_spec(input)
        return _staff(await administration.save_staff(ctx.deps, ctx.actor, spec, create=True))

    @strawberry.mutation(
        description="Admin: change an account (by phone): name, role, unit, region, active; "
        "deactivating it or changing its role or unit ends its sessions"
    )
    async def update_staff_member(self, info: Info, input: StaffMemberInput) -> AdminStaffMember:
        ctx = info.context
        spec = _staff_spec(input)
        return _staff(await administration.save_staff(ctx.deps, ctx.actor, spec, create=False))
