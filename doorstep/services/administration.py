"""Units (with their territories) and staff accounts, kept by the admin.

Each change is one transaction with an event. Territory checks take a lock that every unit
writer takes, so two admins cannot each add one half of an overlap; a deactivated account or
a changed role ends the account's open sessions at once.
"""

from __future__ import annotations

from doorstep.domain.administration import (
    CategorySpec,
    RegionSpec,
    ServiceAreaSpec,
    StaffSpec,
    UnitSpec,
    check_category,
    check_region,
    check_service_area,
    check_staff,
    check_unit,
    territory_overlaps,
)
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services.deps import Deps
from doorstep.store import administration as store
from doorstep.store import events
from doorstep.store.administration import StaffRow, UnitRow
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import catalog_admin as ticket_catalog_admin


async def units(deps: Deps, actor: Actor, kind: str | None = None) -> list[UnitRow]:
    authorize(actor, Operation.ADMINISTRATION_READ)
    return await store.units(deps.pool, kind)


async def staff(deps: Deps, actor: Actor, unit_code: str | None = None) -> list[StaffRow]:
    authorize(actor, Operation.ADMINISTRATION_READ)
    return await store.staff(deps.pool, unit_code)


async def write_unit(conn: Connection, spec: UnitSpec) -> int:
    """Check and write one unit inside the caller's transaction (GraphQL and the import)."""
    spec = check_unit(spec)
    await store.lock_units(conn)
    parent_id = None
    if spec.parent_code is not None:
        parent = await _unit_ref(conn, spec.parent_code)
        if parent.code == spec.code:
            raise InvalidInput("admin.unit_own_parent")
        parent_id = parent.id
    # only the units that could meet this one: same kind, a territory on the same branch
    meeting = await store.territories_meeting(conn, spec.kind, list(spec.territories), spec.code)
    existing = {code: (spec.kind, prefixes) for code, prefixes in meeting.items()}
    overlaps = territory_overlaps({spec.code: (spec.kind, spec.territories), **existing})
    mine = [o for o in overlaps if spec.code in (o.unit, o.other_unit)]
    if mine:
        o = mine[0]
        raise Conflict(
            "admin.territory_overlap",
            territory=o.territory,
            other_unit=o.other_unit,
            other_territory=o.other_territory,
        )
    unit_id = await store.upsert_unit(
        conn,
        code=spec.code,
        name=spec.name,
        kind=spec.kind,
        region_code=spec.region_code,
        parent_id=parent_id,
        phone=spec.phone,
    )
    await store.set_territories(conn, unit_id, list(spec.territories))
    return unit_id


async def save_unit(deps: Deps, actor: Actor, spec: UnitSpec) -> UnitRow:
    """Create a unit, or change one (matched by its code)."""
    authorize(actor, Operation.UNITS_MANAGE)
    async with transaction(deps.pool) as conn:
        await write_unit(conn, spec)
        await _record(conn, actor, "admin.unit_saved", {"unit": spec.code})
        row = await store.unit(conn, spec.code)
    assert row is not None
    return row


async def write_staff(conn: Connection, spec: StaffSpec) -> int:
    spec = check_staff(spec)
    unit_id = None
    if spec.unit_code is not None:
        unit_id = (await _unit_ref(conn, spec.unit_code)).id
    before = await store.staff_member(conn, spec.phone)
    staff_id = await store.upsert_staff(
        conn,
        phone=spec.phone,
        name=spec.name,
        role=spec.role,
        unit_id=unit_id,
        region_code=spec.region_code,
        active=spec.active,
    )
    if before is not None and (
        not spec.active or before.role != spec.role or before.unit_code != spec.unit_code
    ):
        await store.end_sessions(conn, staff_id)
    return staff_id


async def save_staff(deps: Deps, actor: Actor, spec: StaffSpec, *, create: bool) -> StaffRow:
    """Create an account (`create`: refused if the phone has one) or change one by phone."""
    authorize(actor, Operation.STAFF_MANAGE)
    spec = check_staff(spec)
    async with transaction(deps.pool) as conn:
        exists = await store.staff_member(conn, spec.phone) is not None
        if create and exists:
            raise Conflict("admin.staff_phone_taken", phone=spec.phone)
        if not create and not exists:
            raise NotFound("admin.staff_unknown")
        if not create and spec.phone and actor.staff_id is not None and not spec.active:
            me = await store.staff_member(conn, spec.phone)
            if me is not None and me.id == actor.staff_id:
                raise InvalidInput("admin.cannot_deactivate_self")
        await write_staff(conn, spec)
        await _record(
            conn,
            actor,
            "admin.staff_saved",
            {"role": spec.role, "unit": spec.unit_code, "active": spec.active},
        )
        row = await store.staff_member(conn, spec.phone)
    assert row is not None
    return row


async def write_region(conn: Connection, spec: RegionSpec) -> None:
    spec = check_region(spec)
    if spec.parent_code is not None and not await store.region_exists(conn, spec.parent_code):
        raise NotFound("admin.region_unknown", region=spec.parent_code)
    fallback = None
    if spec.fallback_unit_code is not None:
        fallback = (await _unit_ref(conn, spec.fallback_unit_code)).id
    await store.upsert_region(conn, spec.code, spec.name, spec.parent_code, fallback)


async def write_category(conn: Connection, spec: CategorySpec) -> None:
    spec = check_category(spec)
    await store.upsert_category(conn, spec.code, spec.name, spec.description)


async def write_service_area(conn: Connection, spec: ServiceAreaSpec) -> None:
    """One more (category, region) a unit serves; refused when another unit of its kind
    already serves that category in an overlapping region (dispatch could not tell them
    apart)."""
    spec = check_service_area(spec)
    unit = await _unit_ref(conn, spec.unit_code)
    active = await store.category_active(conn, spec.category_code)
    if active is None:
        raise NotFound("ticket.category_unknown", category=spec.category_code)
    if not active:
        raise InvalidInput("ticket.category_retired", category=spec.category_code)
    if not await store.region_exists(conn, spec.region_code):
        raise NotFound("admin.region_unknown", region=spec.region_code)
    await store.lock_units(conn)
    clash = await store.area_overlaps(
        conn, unit.id, unit.kind, spec.category_code, spec.region_code
    )
    if clash:
        raise Conflict(
            "admin.service_area_overlap",
            category=spec.category_code,
            region=spec.region_code,
            other_unit=clash[0][0],
            other_region=clash[0][1],
        )
    await ticket_catalog_admin.add_service_areas(
        conn, [(unit.id, spec.category_code, spec.region_code)]
    )


async def bootstrap_admin(deps: Deps, phone: str, name: str) -> StaffRow:
    """An admin account made from the server's shell (`doorstep create-admin`): how an empty
    production deployment gets the admin who then fills it through GraphQL and the import. No
    actor: whoever runs commands on the server is already trusted with its database."""
    spec = check_staff(StaffSpec(phone=phone, name=name, role="admin"))
    async with transaction(deps.pool) as conn:
        await write_staff(conn, spec)
        await _record(conn, None, "admin.staff_saved", {"role": "admin", "bootstrap": True})
        row = await store.staff_member(conn, spec.phone)
    assert row is not None
    return row


async def _unit_ref(conn: Connection, code: str) -> store.UnitRef:
    unit = await store.unit_ref(conn, code)
    if unit is None:
        raise NotFound("admin.unit_unknown", unit=code)
    return unit


async def _record(
    conn: Connection, actor: Actor | None, kind: str, data: dict[str, object]
) -> None:
    """The event of an administration change: by a staff member, or (no actor) from the shell."""
    await events.append(
        conn,
        kind=kind,
        actor_kind="system" if actor is None else "staff",
        actor_id=None if actor is None else actor.staff_id,
        data=data,
    )


__all__ = ["StaffRow", "UnitRow", "save_staff", "save_unit", "staff", "units"]
