"""SQL for the phones staff news goes to: a unit's active staff, a region's supervisors."""

from __future__ import annotations

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch


class _Phone(Row):
    phone: str


async def unit_staff_phones(db: Queryable, unit_id: int) -> list[str]:
    rows = await fetch(
        db,
        _Phone,
        "select phone from staff_members where unit_id = $1 and active "
        "and role = 'staff' order by id",
        unit_id,
    )
    return [r.phone for r in rows]


async def supervisor_phones(db: Queryable, region_code: str) -> list[str]:
    """Active supervisors whose region contains `region_code` (a unit's region)."""
    rows = await fetch(
        db,
        _Phone,
        """select phone from staff_members where role = 'supervisor' and active
             and region_code is not null and $1 like region_code || '%' order by id""",
        region_code,
    )
    return [r.phone for r in rows]
