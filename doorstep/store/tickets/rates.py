"""The performance figures of a period, from `ticket_figures` (per day, unit and region code,
kept exact by triggers: migration 0006), plus what is overdue now, from the open tickets.

Grouped per unit, or per region code cut to a level (6: district, 9: street, 12: community).
The scope is a list of unit ids (the actor's unit or region), or None for every unit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch
from doorstep.store.typed import fetch_int

GroupBy = Literal["unit", "region"]


class RatesRow(Row):
    """One unit's or region's figures of the period (key: the unit id or the region code)."""

    key: str
    finished: int
    solved: int
    rated: int
    satisfied: int
    on_time: int
    reopened: int
    assigned: int
    responded_in_time: int
    returns: int
    recurrences: int
    open_overdue: int


_SQL = """
with figures as (
    select {figures_key} as key,
           sum(f.finished)::bigint as finished, sum(f.solved)::bigint as solved,
           sum(f.rated)::bigint as rated, sum(f.satisfied)::bigint as satisfied,
           sum(f.on_time)::bigint as on_time, sum(f.reopened)::bigint as reopened,
           sum(f.assigned)::bigint as assigned,
           sum(f.responded_in_time)::bigint as responded_in_time,
           sum(f.returns)::bigint as returns, sum(f.recurrences)::bigint as recurrences
    from ticket_figures f
    where f.day >= $1 and f.day <= $2
      and ($3::bigint[] is null or f.unit_id = any($3::bigint[]))
    group by 1),
overdue as (
    select {ticket_key} as key, count(*) as open_overdue
    from tickets t
    where t.status in ('dispatched', 'acknowledged', 'reopened') and t.handle_due_at < $4
      and ($3::bigint[] is null or t.lead_unit_id = any($3::bigint[]))
    group by 1)
select coalesce(f.key, o.key)::text as key,
       coalesce(f.finished, 0) as finished, coalesce(f.solved, 0) as solved,
       coalesce(f.rated, 0) as rated, coalesce(f.satisfied, 0) as satisfied,
       coalesce(f.on_time, 0) as on_time, coalesce(f.reopened, 0) as reopened,
       coalesce(f.assigned, 0) as assigned,
       coalesce(f.responded_in_time, 0) as responded_in_time,
       coalesce(f.returns, 0) as returns, coalesce(f.recurrences, 0) as recurrences,
       coalesce(o.open_overdue, 0) as open_overdue
from figures f full join overdue o on o.key = f.key
order by 1
"""


def _sql(group_by: GroupBy, level: int) -> str:
    if group_by == "unit":
        return _SQL.format(figures_key="f.unit_id::text", ticket_key="t.lead_unit_id::text")
    if level not in (6, 9, 12):
        raise ValueError("region level is 6, 9 or 12 digits")
    return _SQL.format(
        figures_key=f"left(f.region_code, {level})", ticket_key=f"left(t.region_code, {level})"
    )


async def rates(
    db: Queryable,
    unit_ids: list[int] | None,
    since: date,
    until: date,
    now: datetime,
    group_by: GroupBy = "unit",
    level: int = 6,
) -> list[RatesRow]:
    """Figures for the Asia/Shanghai days since..until (inclusive)."""
    return await fetch(db, RatesRow, _sql(group_by, level), since, until, unit_ids, now)


class _KeyCodeNameRow(Row):
    key: str
    code: str
    name: str


async def names(db: Queryable, group_by: GroupBy, keys: list[str]) -> dict[str, tuple[str, str]]:
    """key -> (code, name): units by id, regions by code."""
    if group_by == "unit":
        found = await fetch(
            db,
            _KeyCodeNameRow,
            "select id::text as key, code, name from units where id::text = any($1::text[])",
            keys,
        )
    else:
        found = await fetch(
            db,
            _KeyCodeNameRow,
            "select code as key, code, name from regions where code = any($1::text[])",
            keys,
        )
    return {r.key: (r.code, r.name) for r in found}


async def rebuild(conn: Connection) -> int:
    """Count every figure again from the tickets (after a bulk load, or to repair)."""
    return await fetch_int(conn, "select rebuild_ticket_figures()")


async def drift(db: Queryable) -> int:
    """Rows where the kept figures and a full recount disagree (0 when all is well)."""
    return await fetch_int(
        db,
        """select count(*) from (
               (select * from ticket_figures
                where (finished, solved, rated, satisfied, on_time, reopened, assigned,
                       responded_in_time, returns, recurrences) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                except select * from ticket_figures_recount)
               union all
               (select * from ticket_figures_recount
                except select * from ticket_figures)) d""",
    )
