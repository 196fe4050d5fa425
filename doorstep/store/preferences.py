"""SQL for a citizen's own preferences and the summary their home screen reads aloud."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetchrow


class ProfileRow(Row):
    id: int
    name: str | None
    language: str
    language_chosen: bool
    elder_mode: bool
    elder_mode_chosen_at: datetime | None
    birth_date: date | None
    channel_preference: str
    open_count: int
    waiting_count: int
    confirm_count: int


async def set_language(conn: Connection, citizen_id: int, language: str) -> None:
    await conn.execute(
        """update citizens set language = $2, language_chosen = true, updated_at = now()
           where id = $1""",
        citizen_id,
        language,
    )


async def set_elder_mode(conn: Connection, citizen_id: int, on: bool) -> None:
    await conn.execute(
        """update citizens set elder_mode = $2, elder_mode_chosen_at = now(), updated_at = now()
           where id = $1""",
        citizen_id,
        on,
    )


async def profile(db: Queryable, citizen_id: int) -> ProfileRow | None:
    """The citizen's preferences, with counts of their open applications and of what waits
    for their confirmation, for the summary."""
    return await fetchrow(
        db,
        ProfileRow,
        """select c.id, c.name, c.language, c.language_chosen, c.elder_mode,
                  c.elder_mode_chosen_at, c.birth_date, c.channel_preference,
                  (select count(*) from applications a
                   where a.citizen_id = c.id and a.completed_at is null) as open_count,
                  (select count(*) from applications a
                   where a.citizen_id = c.id and a.status = 'needs_materials') as waiting_count,
                  (select count(*) from delegation_confirmations k
                   join delegations d on d.id = k.delegation_id
                   where k.principal_id = c.id and k.status = 'pending'
                     and k.expires_at > now() and d.status = 'active'
                     and d.valid_until > now()) as confirm_count
           from citizens c where c.id = $1""",
        citizen_id,
    )
