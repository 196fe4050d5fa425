"""The catalog kept by the admin: versions of service items and bundles with effective dates.

A version is checked (time limits, materials, a bundle's items exist and none is retired or
retiring; an item still in a bundle cannot be retired), written, and put in force at once when
its date has come; a version dated later waits for `apply_due`, which the worker's cron runs
every few minutes. Applications remember the version they were made under.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from doorstep.domain.administration import (
    BundleSpec,
    ItemSpec,
    check_bundle,
    check_item,
    retired_in,
)
from doorstep.domain.calendar import local_date
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.store import administration as units_store
from doorstep.store import catalog_versions as store
from doorstep.store.catalog_versions import BundleVersionRow, ItemVersionRow
from doorstep.store.db import Connection, transaction


def _today() -> datetime:
    return datetime.now(UTC)


async def item_versions(deps: Deps, actor: Actor, code: str | None = None) -> list[ItemVersionRow]:
    authorize(actor, Operation.ADMINISTRATION_READ)
    return await store.item_versions(deps.pool, code)


async def bundle_versions(
    deps: Deps, actor: Actor, code: str | None = None
) -> list[BundleVersionRow]:
    authorize(actor, Operation.ADMINISTRATION_READ)
    return await store.bundle_versions(deps.pool, code)


async def write_item(conn: Connection, spec: ItemSpec, staff_id: int | None) -> int:
    spec = check_item(spec)
    await store.lock_catalog(conn)
    unit = await units_store.unit_ref(conn, spec.unit_code)
    if unit is None:
        raise NotFound("admin.unit_unknown", unit=spec.unit_code)
    if spec.retired:
        using = await store.bundles_using(conn, spec.code)
        if using:
            raise Conflict("admin.item_in_bundle", item=spec.code, bundle=using[0])
    return await store.insert_item_version(
        conn,
        code=spec.code,
        name=spec.name,
        unit_id=unit.id,
        description=spec.description,
        materials=[m.as_json() for m in spec.materials],
        legal_days=spec.legal_days,
        promised_days=spec.promised_days,
        effective_from=spec.effective_from,
        retired=spec.retired,
        staff_id=staff_id,
    )


async def write_bundle(conn: Connection, spec: BundleSpec, staff_id: int | None) -> int:
    spec = check_bundle(spec)
    await store.lock_catalog(conn)
    ids = await store.item_ids(conn, list(spec.item_codes))
    for code in spec.item_codes:
        if code not in ids:
            raise NotFound("admin.item_unknown", item=code)
    gone = retired_in(spec, await store.retired_items(conn, list(spec.item_codes)))
    if gone and not spec.retired:
        raise Conflict("admin.bundle_item_retired", bundle=spec.code, item=gone[0])
    return await store.insert_bundle_version(
        conn,
        code=spec.code,
        name=spec.name,
        description=spec.description,
        item_ids=[ids[c] for c in spec.item_codes],
        effective_from=spec.effective_from,
        retired=spec.retired,
        staff_id=staff_id,
    )


_Version = TypeVar("_Version", ItemVersionRow, BundleVersionRow)
_Spec = TypeVar("_Spec", ItemSpec, BundleSpec)


async def _publish(
    deps: Deps,
    actor: Actor,
    spec: _Spec,
    write: Callable[[Connection, _Spec, int | None], Awaitable[int]],
    versions_of: Callable[[Connection, str], Awaitable[list[_Version]]],
    what: str,
) -> _Version:
    """Write a version, put what is due in force, record who published it (the event
    `admin.<what>_version`); the version as the admin's list shows it."""
    authorize(actor, Operation.CATALOG_MANAGE)
    async with transaction(deps.pool) as conn:
        version_id = await write(conn, spec, actor.staff_id)
        await store.apply_due(conn, local_date(_today()))
        data = {what: spec.code, "version_id": version_id}
        await event_log.by_staff(conn, actor, f"admin.{what}_version", data=data)
        found = [v for v in await versions_of(conn, spec.code) if v.id == version_id]
    deps.catalog.invalidate()
    return found[0]


async def publish_item(deps: Deps, actor: Actor, spec: ItemSpec) -> ItemVersionRow:
    return await _publish(deps, actor, spec, write_item, store.item_versions, "item")


async def publish_bundle(deps: Deps, actor: Actor, spec: BundleSpec) -> BundleVersionRow:
    return await _publish(deps, actor, spec, write_bundle, store.bundle_versions, "bundle")


async def apply_due(deps: Deps, now: datetime | None = None) -> tuple[int, int]:
    """Versions whose date has come go in force (the worker's cron; idempotent)."""
    async with transaction(deps.pool) as conn:
        await store.lock_catalog(conn)
        moved = await store.apply_due(conn, local_date(now or _today()))
    if any(moved):
        deps.catalog.invalidate()
    return moved


__all__ = ["BundleVersionRow", "ItemVersionRow", "apply_due", "publish_bundle", "publish_item"]
