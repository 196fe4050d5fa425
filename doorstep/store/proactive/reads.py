"""SQL recording that staff saw citizens' personal data (see DESIGN.md)."""

from __future__ import annotations

from doorstep.store.db import Connection


async def record_reads(
    conn: Connection, citizen_ids: list[int], reader_id: int, what: str, purpose: str
) -> None:
    """Staff saw these citizens' data: one personal_data_reads row each (see DESIGN.md)."""
    if not citizen_ids:
        return
    await conn.execute(
        """insert into personal_data_reads (citizen_id, reader_kind, reader_id, what, purpose)
           select unnest($1::bigint[]), 'staff', $2, $3, $4""",
        citizen_ids,
        reader_id,
        what,
        purpose,
    )
