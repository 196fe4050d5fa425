"""The append-only event log and the commit-time hint to subscribers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch
from doorstep.store.typed import fetch_int

EVENTS_CHANNEL = "doorstep_events"


class ApplicationEventOrigin(TypedDict):
    """The application, citizen and actor that several events of one use case share."""

    application_id: int
    citizen_id: int
    actor_kind: str
    actor_id: int | None


class TimelineEventRow(Row):
    """An application's event as its timeline shows it."""

    seq: int
    application_id: int | None
    task_id: int | None
    kind: str
    actor_kind: str
    data: dict[str, Json]
    created_at: datetime


class EventRow(TimelineEventRow):
    """An event with the citizen whose stream it is on, and its ticket if it is a ticket's
    (what live updates route by)."""

    citizen_id: int | None
    ticket_id: int | None


class _UnitTaskRow(Row):
    application_id: int
    unit_id: int


@dataclass(frozen=True)
class NewEvent:
    """An event to append, for a statement that writes it with other rows (`APPEND_SQL`)."""

    kind: str
    actor_kind: str
    actor_id: int | None
    application_id: int | None = None
    task_id: int | None = None
    citizen_id: int | None = None
    data: Mapping[str, object] | None = None

    def arguments(self) -> tuple[object, ...]:
        """The arguments of `APPEND_SQL`, $1 to $7."""
        return (
            self.application_id,
            self.task_id,
            self.citizen_id,
            self.kind,
            self.actor_kind,
            self.actor_id,
            self.data or {},
        )


# append_event (migration 0003) locks the citizen's stream, inserts, and NOTIFYs; NOTIFY is
# transactional, so listeners hear it only if and when this transaction commits
APPEND_SQL = "select append_event($1, $2, $3, $4, $5, $6, $7)"


async def append(
    conn: Connection,
    *,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    application_id: int | None = None,
    task_id: int | None = None,
    citizen_id: int | None = None,
    data: Mapping[str, object] | None = None,
) -> int:
    return await append_new(
        conn, NewEvent(kind, actor_kind, actor_id, application_id, task_id, citizen_id, data)
    )


async def append_new(conn: Connection, event: NewEvent) -> int:
    return await fetch_int(conn, APPEND_SQL, *event.arguments())


async def for_applications(conn: Queryable, application_ids: list[int]) -> list[TimelineEventRow]:
    return await fetch(
        conn,
        TimelineEventRow,
        """select seq, application_id, task_id, kind, actor_kind, data, created_at
           from events where application_id = any($1::bigint[])
           order by application_id, seq""",
        application_ids,
    )


EVENT_COLUMNS = (
    "seq, application_id, task_id, citizen_id, ticket_id, kind, actor_kind, data, created_at"
)
_E_COLUMNS = ", ".join(f"e.{c}" for c in EVENT_COLUMNS.split(", "))


async def after(db: Queryable, after_seq: int, also: list[int], limit: int) -> list[EventRow]:
    """Every event past `after_seq`, plus the listed older ones (gaps that may have committed).

    PostgreSQL plans either shape anew on every read (no generic plan estimates `seq > $1` as
    a few rows), so the usual read, with no gaps, is the shape that plans cheapest: one range
    on the primary key, not a bitmap OR (EXPLAIN: about half the planning and execution)."""
    if not also:
        return await fetch(
            db,
            EventRow,
            f"select {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2",
            after_seq,
            limit,
        )
    return await fetch(
        db,
        EventRow,
        f"""select {EVENT_COLUMNS} from events
            where seq > $1 or seq = any($2::bigint[])
            order by seq limit $3""",
        after_seq,
        also,
        limit,
    )


async def max_seq(db: Queryable) -> int:
    return await fetch_int(db, "select coalesce(max(seq), 0) from events")


async def _after_where(
    db: Queryable, where: str, key: object, after_seq: int, limit: int
) -> list[EventRow]:
    """The events past `after_seq` that `where` (over `e`, with `key` as $1) keeps, oldest
    first: one query shape for every stream a subscriber follows."""
    return await fetch(
        db,
        EventRow,
        f"""select {_E_COLUMNS} from events e
            where e.seq > $2 and ({where})
            order by e.seq limit $3""",
        key,
        after_seq,
        limit,
    )


async def of_application_after(
    db: Queryable, application_id: int, after_seq: int, limit: int
) -> list[EventRow]:
    return await _after_where(db, "e.application_id = $1", application_id, after_seq, limit)


async def of_citizen_after(
    db: Queryable, citizen_id: int, after_seq: int, limit: int
) -> list[EventRow]:
    return await _after_where(
        db, "e.citizen_id = $1 and e.application_id is not null", citizen_id, after_seq, limit
    )


async def _last_where(db: Queryable, column: str, key: int) -> int:
    return await fetch_int(db, f"select coalesce(max(seq), 0) from events where {column} = $1", key)


async def last_of_application(db: Queryable, application_id: int) -> int:
    return await _last_where(db, "application_id", application_id)


async def last_of_citizen(db: Queryable, citizen_id: int) -> int:
    return await _last_where(db, "citizen_id", citizen_id)


async def of_units_after(
    db: Queryable, unit_ids: list[int], after_seq: int, limit: int
) -> list[EventRow]:
    """Events past `after_seq` of the applications that have a task in one of the units."""
    return await _after_where(
        db,
        "e.application_id in (select t.application_id from tasks t"
        " where t.unit_id = any($1::bigint[]))",
        unit_ids,
        after_seq,
        limit,
    )


async def units_of_applications(db: Queryable, application_ids: list[int]) -> dict[int, set[int]]:
    """The units each application has a task in."""
    rows = await fetch(
        db,
        _UnitTaskRow,
        "select application_id, unit_id from tasks where application_id = any($1::bigint[])",
        application_ids,
    )
    units: dict[int, set[int]] = {a: set() for a in application_ids}
    for row in rows:
        units[row.application_id].add(row.unit_id)
    return units


async def of_ticket_units_after(
    db: Queryable, unit_ids: list[int], after_seq: int, limit: int
) -> list[EventRow]:
    """Events past `after_seq` of the tickets one of the units leads or was dispatched."""
    return await _after_where(
        db,
        """e.ticket_id is not null
           and (exists (select 1 from tickets t
                        where t.id = e.ticket_id and t.lead_unit_id = any($1::bigint[]))
                or exists (select 1 from ticket_assignments a
                           where a.ticket_id = e.ticket_id and a.unit_id = any($1::bigint[])))""",
        unit_ids,
        after_seq,
        limit,
    )
