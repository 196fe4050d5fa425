"""SQL for 优先办: the proven birth date a priority decision may read."""

from __future__ import annotations

from datetime import date

from doorstep.store.db import Queryable


async def proven_birth_date(db: Queryable, citizen_id: int) -> date | None:
    """The birth date of the resident ID the account proved (实名认证); None if not proved."""
    value: date | None = await db.fetchval(
        """select birth_date from citizens
           where id = $1 and identity_verified_at is not null""",
        citizen_id,
    )
    return value
