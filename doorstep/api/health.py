"""/healthz: the process answers. /readyz: PostgreSQL and Redis answer too."""

from __future__ import annotations

import asyncio

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from doorstep.services.holidays import schedule_gaps


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz")
async def readyz(state: State) -> Response[dict[str, str]]:
    checks: dict[str, str] = {}

    async def database() -> None:
        async with state.deps.pool.acquire(timeout=2) as conn:
            await conn.fetchval("select 1")

    async def redis() -> None:
        await state.redis.ping()

    for name, check in (("postgres", database), ("redis", redis)):
        try:
            await asyncio.wait_for(check(), timeout=2)
            checks[name] = "ok"
        except Exception as exc:  # any failure means not ready; say which
            checks[name] = f"down: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    # not a readiness condition (the service works), but what on-call should see: deadlines in
    # a year without its official schedule count the statutory holidays only
    missing = schedule_gaps(state.deps.calendar)
    checks["holiday_schedule"] = (
        "ok" if not missing else "missing " + ", ".join(str(y) for y in missing)
    )
    return Response(
        {"status": "ready" if ready else "not ready", **checks},
        status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE,
    )
