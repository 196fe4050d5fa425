"""SQL for the phones staff news goes to: a unit's active staff, a region's supervisors."""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.typed import fetch_column


async def unit_staff_phones(db: Queryable, unit_id: int) -> list[str]:
    return await fetch_column(
        db,
        str,
        "select phone from staff_members where unit_id = $1 and active "
        "and role = 'staff' order by id",
        unit_id,
    )


async def supervisor_phones(db: Queryable, region_code: str) -> list[str]:
    """Active supervisors whose region contains `region_code` (a unit's region)."""
    return await fetch_column(
        db,
        str,
        """select phone from staff_members where role = 'supervisor' and active
             and region_code is not null and $1 like region_code || '%' order by id""",
        region_code,
    )
