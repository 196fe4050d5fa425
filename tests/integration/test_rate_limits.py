"""The shared per-citizen limit in a use case that had its own: delegation requests (ten a day
per agent). The refusal says when the oldest request leaves the day, and requests at once
cannot pass the limit together."""

from __future__ import annotations

import asyncio

from doorstep.domain.errors import RateLimited
from doorstep.domain.policy import Actor, Role
from doorstep.services import delegation
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen


async def _ask(deps: Deps, agent: Actor, count: int) -> list[object]:
    phones = [(await make_citizen(deps.pool))[1] for _ in range(count)]
    return await asyncio.gather(
        *(delegation.request(deps, agent, phone, ["applications"], 30) for phone in phones),
        return_exceptions=True,
    )


async def test_delegation_requests_wait_for_the_oldest_to_leave_the_day(
    deps: Deps, pool: Pool
) -> None:
    agent_id, _ = await make_citizen(pool)
    agent = Actor(role=Role.CITIZEN, citizen_id=agent_id)
    results = await _ask(deps, agent, delegation.MAX_REQUESTS_PER_DAY + 4)
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(refused) == 4, results
    assert all(r.code == "delegation.too_many_requests" for r in refused)
    assert not [r for r in results if isinstance(r, BaseException) and r not in refused]
    asked = "select count(*) from delegations where agent_id = $1"
    assert await pool.fetchval(asked, agent_id) == delegation.MAX_REQUESTS_PER_DAY

    await pool.execute(
        "update delegations set requested_at = requested_at - interval '20 hours' "
        "where agent_id = $1",
        agent_id,
    )
    (late,) = await _ask(deps, agent, 1)
    assert isinstance(late, RateLimited)
    # the oldest request leaves the day in about 4 hours, not in a whole day
    assert 3 * 3600 < late.params["retry_after_seconds"] <= 4 * 3600
