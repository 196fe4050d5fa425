"""The engine every submission uses: the published set compiled, cached per pool."""

from __future__ import annotations

import time
from dataclasses import dataclass

from doorstep.domain.dispatch import Rule, RuleEngine
from doorstep.domain.dispatch_checks import Known
from doorstep.mirror import mirror
from doorstep.services.deps import Deps
from doorstep.store import dispatch_rules as store
from doorstep.store.db import Pool, Queryable
from doorstep.store.dispatch_rules import RuleRow
from doorstep.store.tickets import catalog as ticket_catalog

ENGINE_TTL_SECONDS = 30.0


@dataclass
class _Cached:
    # the entry holds its pool: while it does, no other pool can get the same id()
    pool: Pool
    set_id: int | None
    catalog_version: int
    loaded: float
    engine: RuleEngine


_ENGINES: dict[int, _Cached] = {}


rule_from = mirror(Rule, RuleRow, lead_unit="lead_unit_id", assisting_units="assisting_unit_ids")


async def current_engine(deps: Deps, db: Queryable) -> tuple[int | None, RuleEngine]:
    """The published set, compiled with the fallback units; rebuilt when another set is
    published or the catalog changes (both checked on every call, one query of two indexed
    look-ups), and at least every 30 s as a backstop."""
    set_id, version = await store.engine_key(db)
    cached = _ENGINES.get(id(deps.pool))
    now = time.monotonic()
    if (
        cached is None
        or cached.pool is not deps.pool
        or cached.set_id != set_id
        or cached.catalog_version != version
        or now - cached.loaded > ENGINE_TTL_SECONDS
    ):
        rules = [rule_from(r) for r in await store.rules_of(db, set_id)] if set_id else []
        cached = _Cached(
            deps.pool, set_id, version, now, RuleEngine(rules, await ticket_catalog.fallbacks(db))
        )
        _ENGINES[id(deps.pool)] = cached
    return cached.set_id, cached.engine


async def known(db: Queryable) -> Known:
    categories = await ticket_catalog.categories(db, active_only=False)
    served: dict[int, list[tuple[str, str]]] = {}
    for row in await ticket_catalog.service_areas(db):
        served.setdefault(row.unit_id, []).append((row.category_code, row.region_prefix))
    return Known(
        categories=frozenset(c.code for c in categories),
        active_categories=frozenset(c.code for c in categories if c.active),
        units=frozenset(await ticket_catalog.unit_ids(db)),
        regions=frozenset(await ticket_catalog.region_codes(db)),
        served=served,
    )
