"""The event timeline of applications, as the citizen sees it."""

from __future__ import annotations

import asyncpg

from doorstep.services.deps import Deps
from doorstep.store import events


async def timelines(deps: Deps, application_ids: list[int]) -> dict[int, list[asyncpg.Record]]:
    """Events per application, in order. Callers have already authorized the applications."""
    found: dict[int, list[asyncpg.Record]] = {}
    for row in await events.for_applications(deps.pool, application_ids):
        found.setdefault(row["application_id"], []).append(row)
    return found
