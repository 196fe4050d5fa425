"""SQL for 优先办: the proven birth date a priority decision may read; priority tickets counted
apart for the figures."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Queryable
from doorstep.store.rows import Row, fetch
from doorstep.store.typed import fetch_optional


async def proven_birth_date(db: Queryable, citizen_id: int) -> date | None:
    """The birth date of the resident ID the account proved (实名认证); None if not proved."""
    return await fetch_optional(
        db,
        date,
        """select birth_date from citizens
           where id = $1 and identity_verified_at is not null""",
        citizen_id,
    )


class PriorityTicketRow(Row):
    unit_code: str
    unit_name: str
    finished: int
    on_time: int
    on_target: int
    open_overdue: int


async def ticket_counts(
    db: Queryable, unit_ids: list[int] | None, start: datetime, end: datetime, now: datetime
) -> list[PriorityTicketRow]:
    """Per lead unit, priority tickets (优先办) apart: finished in [start, end), of them
    resolved by the deadline (as the ticket figures count it) and by the internal target, and
    open ones past the deadline now. Read from the tickets: the kept figures do not split them."""
    return await fetch(
        db,
        PriorityTicketRow,
        """select u.code as unit_code, u.name as unit_name,
              count(*) filter (where t.finished_at >= $2 and t.finished_at < $3) as finished,
              count(*) filter (where t.finished_at >= $2 and t.finished_at < $3
                  and coalesce(t.resolved_at <= t.handle_due_at, false)) as on_time,
              count(*) filter (where t.finished_at >= $2 and t.finished_at < $3
                  and t.resolved_at is not null
                  and timezone('Asia/Shanghai', t.resolved_at)::date
                      <= coalesce(t.target_on, t.handle_due_on)) as on_target,
              count(*) filter (where t.status in ('dispatched', 'acknowledged', 'reopened')
                  and t.handle_due_at < $4) as open_overdue
           from tickets t join units u on u.id = t.lead_unit_id
           where t.priority_reason is not null
             and ($1::bigint[] is null or t.lead_unit_id = any($1::bigint[]))
             and (t.finished_at is null or t.finished_at >= $2)
           group by u.id order by u.code""",
        unit_ids,
        start,
        end,
        now,
    )
