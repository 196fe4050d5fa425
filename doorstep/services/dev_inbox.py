"""What the console SMS channel sent, newest first: the dev inbox page's one read."""

from __future__ import annotations

import asyncpg

from doorstep.services.deps import Deps
from doorstep.store import outbox

INBOX_SIZE = 200


async def console_messages(deps: Deps, phone: str | None = None) -> list[asyncpg.Record]:
    """Only the console channel's rows: in production it is off, so this reads nothing."""
    return await outbox.console_messages(deps.pool, INBOX_SIZE, phone)
