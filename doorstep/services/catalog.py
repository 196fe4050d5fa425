"""The catalog of bundles (一件事) and their service items."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from doorstep.mirror import mirror
from doorstep.store import catalog as store
from doorstep.store.catalog import BundleItemRow

if TYPE_CHECKING:
    from doorstep.services.deps import Deps

_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    phone: str | None


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    required: bool


@dataclass(frozen=True)
class Item:
    id: int
    code: str
    name: str
    description: str
    materials: tuple[Material, ...]
    legal_days: int
    promised_days: int
    unit: Unit


@dataclass(frozen=True)
class Bundle:
    id: int
    code: str
    name: str
    description: str
    is_single: bool
    items: tuple[Item, ...]

    def material_codes(self) -> set[str]:
        return {m.code for item in self.items for m in item.materials}


_item = mirror(
    Item,
    BundleItemRow,
    materials=lambda r: tuple(
        Material(m["code"], m["name"], bool(m.get("required", True))) for m in r.materials
    ),
    unit=lambda r: Unit(
        r.unit_id, r.unit_code, r.unit_name, r.unit_kind, r.unit_region_code, r.unit_phone
    ),
)


class CatalogCache:
    """The catalog changes rarely and is read on every submission: keep it for a short while."""

    def __init__(self) -> None:
        self._bundles: dict[str, Bundle] = {}
        self._loaded_at = -_CACHE_SECONDS
        self._reloading = False

    async def all(self, deps: Deps) -> list[Bundle]:
        await self._fresh(deps)
        return list(self._bundles.values())

    async def get(self, deps: Deps, code: str) -> Bundle | None:
        await self._fresh(deps)
        return self._bundles.get(code)

    async def _fresh(self, deps: Deps) -> None:
        """Reload when the copy is too old: once, while the requests that find it old at the
        same time go on with the copy they have (each used to reload it: 50 concurrent
        submissions made 100 queries every 30 s, and waited for them)."""
        if time.monotonic() - self._loaded_at <= _CACHE_SECONDS:
            return
        if self._reloading and self._bundles:
            return
        self._reloading = True
        try:
            await self._load(deps)
        finally:
            self._reloading = False

    def invalidate(self) -> None:
        self._loaded_at = -_CACHE_SECONDS

    async def _load(self, deps: Deps) -> None:
        rows = await store.bundles(deps.pool)
        item_rows = await store.items_of_bundles(deps.pool, [r.id for r in rows])
        items: dict[int, list[Item]] = {}
        for row in item_rows:
            items.setdefault(row.bundle_id, []).append(_item(row))
        self._bundles = {
            r.code: Bundle(
                r.id,
                r.code,
                r.name,
                r.description,
                r.is_single,
                tuple(items.get(r.id, [])),
            )
            for r in rows
        }
        self._loaded_at = time.monotonic()
