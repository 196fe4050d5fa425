"""SQL for tickets: the catalog they refer to, the tickets, their assignments, extensions,
follow-ups, ratings and rectifications, and their events.

Size: its rows have just been made typed (one type per query shape); split next, along its
sections.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from typing import TypedDict

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow

# a changed column of a category or a ticket and its new value, as the driver encodes it
ColumnValue = str | int | float | bool | date | datetime | list[int] | list[str] | Json


def _columns(table: type[Row], alias: str) -> str:
    """A table row type's columns, qualified: an explicit list instead of `alias.*`, so a column
    added later leaves every query's shape (and its row type) as it is."""
    return ", ".join(f"{alias}.{name}" for name in inspect.get_annotations(table))


# --- row types ---------------------------------------------------------------------------------


class CategoryRow(Row):
    code: str
    name: str
    description: str
    position: int
    active: bool
    group_name: str
    keywords: list[str]


class ManagedCategoryRow(CategoryRow):
    """A category as its managers see it (retired ones too)."""

    retired_at: datetime | None


class CategoryUseRow(ManagedCategoryRow):
    """A category with how many tickets name it and how many of those are open."""

    tickets: int
    open_tickets: int


class CategoryRefRow(Row):
    code: str
    name: str
    description: str
    active: bool


class PlaceRow(Row):
    code: str
    name: str
    parent_code: str | None


class RegionRow(Row):
    code: str
    name: str
    fallback_unit_id: int | None


class LockedRegionRow(RegionRow):
    parent_code: str | None


class RegionUnitRow(PlaceRow):
    """A region with its fallback unit, if it has one."""

    unit_id: int | None
    unit_code: str | None
    unit_name: str | None
    unit_phone: str | None
    unit_region_code: str | None


class UnitRow(Row):
    id: int
    code: str
    name: str
    region_code: str
    phone: str | None


class ServiceAreaRow(Row):
    unit_id: int
    category_code: str
    region_prefix: str


class ServingUnitRow(Row):
    """A unit serving a category at a region; depth: the length of its matching prefix."""

    id: int
    code: str
    name: str
    depth: int


class UnitAreaRow(Row):
    category_code: str
    category_name: str
    category_active: bool
    region_prefix: str
    region_name: str | None


class AssistingUnit(TypedDict):
    id: int
    code: str
    name: str
    phone: str | None
    region_code: str


class DispatchReason(TypedDict, total=False):
    """Why a ticket went where it went: an i18n key and its parameters."""

    key: str
    params: dict[str, Json]


class _TicketColumns(Row):
    """The columns of `tickets`."""

    id: int
    number: str
    citizen_id: int
    submitted_by_staff_id: int | None
    channel: str
    kind: str
    category_code: str
    description: str
    region_code: str
    latitude: float | None
    longitude: float | None
    urgency: str
    status: str
    lead_unit_id: int
    assisting_unit_ids: list[int]
    dispatch_basis: str
    rule_set_id: int | None
    rule_no: int | None
    rule_version: int | None
    dispatch_reason: DispatchReason
    needs_review: bool
    deadline_profile: str
    assigned_at: datetime
    ack_due_at: datetime
    ack_remind_at: datetime
    acknowledged_at: datetime | None
    handle_days: int
    extended_days: int
    extensions: int
    handle_due_on: date
    handle_due_at: datetime
    handle_remind_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None
    follow_up_asks: int
    follow_up_asked_at: datetime | None
    solved: bool | None
    finished_at: datetime | None
    returns_count: int
    reopen_count: int
    previous_ticket_id: int | None
    recurrence_unit_id: int | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    client_addr: str | None
    rating_asked_at: datetime | None
    # 优先办 (migration 0095)
    priority_reason: str | None
    target_on: date | None


class LockedTicketRow(_TicketColumns):
    """A ticket locked for a change, with its lead unit's name, phone and region."""

    lead_unit_region_code: str
    lead_unit_name: str
    lead_unit_phone: str | None
    category_name: str


class TicketRow(LockedTicketRow):
    """A ticket as its views show it: names, units, the ticket it reopens, its rectification."""

    region_name: str
    lead_unit_code: str
    previous_number: str | None
    assisting: list[AssistingUnit]
    rectification_id: int | None
    rectification_status: str | None
    rectification_due_on: date | None
    rectification_note: str | None
    rectification_done_at: datetime | None


class SamePlaceRow(Row):
    id: int
    number: str
    status: str
    lead_unit_id: int
    latitude: float | None
    longitude: float | None
    created_at: datetime


class _AssignmentColumns(Row):
    """The columns of `ticket_assignments`."""

    id: int
    ticket_id: int
    unit_id: int
    region_code: str
    basis: str
    by_staff_id: int | None
    note: str | None
    ack_due_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    returned_at: datetime | None
    return_reason: str | None
    returned_by: int | None
    created_at: datetime


class AssignmentRow(_AssignmentColumns):
    unit_code: str
    unit_name: str


class TicketRefRow(Row):
    id: int
    number: str


class _RectificationColumns(Row):
    """The columns of `rectifications`."""

    id: int
    ticket_id: int
    unit_id: int
    rating: int
    comment: str | None
    status: str
    due_on: date
    due_at: datetime
    remind_at: datetime
    note: str | None
    done_at: datetime | None
    done_by: int | None
    created_at: datetime
    updated_at: datetime


class LockedRectificationRow(_RectificationColumns):
    unit_region_code: str
    number: str
    citizen_id: int


class RectificationRow(_RectificationColumns):
    number: str
    unit_code: str
    unit_name: str
    category_name: str
    category_code: str


class CitizenContactRow(Row):
    id: int
    phone: str
    language: str
    name: str | None
    elder_mode: bool
    channel_preference: str


class TicketEventRow(Row):
    seq: int
    ticket_id: int
    kind: str
    actor_kind: str
    data: dict[str, Json]
    created_at: datetime


class PublicTicketRow(Row):
    """What the public may see of a ticket: no citizen, no description, the region cut short."""

    number: str
    status: str
    category_code: str
    category_name: str
    lead_unit_name: str
    created_at: datetime
    updated_at: datetime
    handle_due_at: datetime
    region_code: str
    region_name: str
    latitude: float | None
    longitude: float | None


class _Code(Row):
    code: str


class _Id(Row):
    id: int


class _UnitName(Row):
    id: int
    name: str


class _Phone(Row):
    phone: str


class _Fallback(Row):
    code: str
    fallback_unit_id: int


# --- the catalog tickets refer to ---------------------------------------------------------------


async def categories(db: Queryable, *, active_only: bool = True) -> list[CategoryRow]:
    return await fetch(
        db,
        CategoryRow,
        """select code, name, description, position, active, group_name, keywords
           from ticket_categories
           where active or not $1 order by position, code""",
        active_only,
    )


async def places(db: Queryable) -> list[PlaceRow]:
    return await fetch(db, PlaceRow, "select code, name, parent_code from regions order by code")


async def category(db: Queryable, code: str) -> CategoryRefRow | None:
    return await fetchrow(
        db,
        CategoryRefRow,
        "select code, name, description, active from ticket_categories where code = $1",
        code,
    )


async def region(db: Queryable, code: str) -> RegionRow | None:
    return await fetchrow(
        db, RegionRow, "select code, name, fallback_unit_id from regions where code = $1", code
    )


async def region_codes(db: Queryable) -> list[str]:
    return [r.code for r in await fetch(db, _Code, "select code from regions")]


async def fallbacks(db: Queryable) -> dict[str, int]:
    rows = await fetch(
        db,
        _Fallback,
        "select code, fallback_unit_id from regions where fallback_unit_id is not null",
    )
    return {r.code: r.fallback_unit_id for r in rows}


async def unit_by_code(db: Queryable, code: str) -> UnitRow | None:
    return await fetchrow(
        db, UnitRow, "select id, code, name, region_code, phone from units where code = $1", code
    )


async def units_by_id(db: Queryable, ids: list[int]) -> dict[int, UnitRow]:
    rows = await fetch(
        db,
        UnitRow,
        "select id, code, name, region_code, phone from units where id = any($1::bigint[])",
        ids,
    )
    return {r.id: r for r in rows}


async def unit_names(db: Queryable) -> dict[int, str]:
    return {r.id: r.name for r in await fetch(db, _UnitName, "select id, name from units")}


async def unit_ids(db: Queryable) -> list[int]:
    return [r.id for r in await fetch(db, _Id, "select id from units")]


async def service_areas(db: Queryable) -> list[ServiceAreaRow]:
    return await fetch(
        db, ServiceAreaRow, "select unit_id, category_code, region_prefix from unit_service_areas"
    )


async def units_serving(
    db: Queryable, category_code: str, region_code: str
) -> list[ServingUnitRow]:
    """Units that serve a category somewhere at or above a region, the most local first."""
    return await fetch(
        db,
        ServingUnitRow,
        """select distinct on (u.id) u.id, u.code, u.name, length(a.region_prefix) as depth
           from unit_service_areas a join units u on u.id = a.unit_id
           where a.category_code = $1 and $2 like a.region_prefix || '%'
           order by u.id, length(a.region_prefix) desc""",
        category_code,
        region_code,
    )


# --- managing the catalog --------------------------------------------------------------------


async def categories_with_use(db: Queryable, include_retired: bool) -> list[CategoryUseRow]:
    """Categories with how many tickets name them and how many of those are still open."""
    return await fetch(
        db,
        CategoryUseRow,
        """select c.code, c.name, c.description, c.position, c.active, c.retired_at,
                  c.group_name, c.keywords,
                  (select count(*) from tickets t where t.category_code = c.code) as tickets,
                  (select count(*) from tickets t where t.category_code = c.code
                     and t.status not in ('closed', 'closed_unconfirmed')) as open_tickets
           from ticket_categories c where c.active or $1 order by c.position, c.code""",
        include_retired,
    )


async def lock_category(conn: Connection, code: str) -> ManagedCategoryRow | None:
    return await fetchrow(
        conn,
        ManagedCategoryRow,
        """select code, name, description, position, active, retired_at, group_name, keywords
           from ticket_categories where code = $1 for update""",
        code,
    )


async def insert_category(
    conn: Connection, code: str, name: str, description: str, position: int | None
) -> bool:
    """False when the code is taken."""
    inserted = await conn.fetchval(
        """insert into ticket_categories (code, name, description, position)
           values ($1, $2, $3,
                   coalesce($4, (select coalesce(max(position), 0) + 1 from ticket_categories)))
           on conflict (code) do nothing returning true""",
        code,
        name,
        description,
        position,
    )
    return bool(inserted)


async def update_category(conn: Connection, code: str, **fields: ColumnValue) -> None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(
        f"update ticket_categories set {sets}, updated_at = now() where code = $1",
        code,
        *fields.values(),
    )


async def set_category_active(conn: Connection, code: str, active: bool) -> None:
    """Retire a category (active false) or bring it back."""
    await conn.execute(
        """update ticket_categories set active = $2,
             retired_at = case when $2 then null else now() end, updated_at = now()
           where code = $1""",
        code,
        active,
    )


async def lock_unit(conn: Connection, code: str) -> UnitRow | None:
    """The unit, locked: one change of its service areas at a time."""
    return await fetchrow(
        conn,
        UnitRow,
        "select id, code, name, region_code, phone from units where code = $1 for update",
        code,
    )


async def areas_of_unit(db: Queryable, unit_id: int) -> list[UnitAreaRow]:
    return await fetch(
        db,
        UnitAreaRow,
        """select a.category_code, c.name as category_name, c.active as category_active,
                  a.region_prefix, r.name as region_name
           from unit_service_areas a
           join ticket_categories c on c.code = a.category_code
           left join regions r on r.code = a.region_prefix
           where a.unit_id = $1 order by a.region_prefix, c.position, a.category_code""",
        unit_id,
    )


async def replace_areas(
    conn: Connection, unit_id: int, scope: str, areas: list[tuple[str, str]]
) -> None:
    """The unit's areas within `scope` (a region prefix; "" for all) become exactly `areas`;
    those outside it stay."""
    await conn.execute(
        "delete from unit_service_areas where unit_id = $1 and region_prefix like $2 || '%'",
        unit_id,
        scope,
    )
    await conn.executemany(
        """insert into unit_service_areas (unit_id, category_code, region_prefix)
           values ($1, $2, $3) on conflict do nothing""",
        [(unit_id, category, region) for category, region in areas],
    )


async def regions_under(db: Queryable, prefix: str) -> list[RegionUnitRow]:
    return await fetch(
        db,
        RegionUnitRow,
        """select r.code, r.name, r.parent_code, u.id as unit_id, u.code as unit_code,
                  u.name as unit_name, u.phone as unit_phone, u.region_code as unit_region_code
           from regions r left join units u on u.id = r.fallback_unit_id
           where r.code like $1 || '%' order by r.code""",
        prefix,
    )


async def lock_region(conn: Connection, code: str) -> LockedRegionRow | None:
    return await fetchrow(
        conn,
        LockedRegionRow,
        "select code, name, parent_code, fallback_unit_id from regions where code = $1 for update",
        code,
    )


async def set_fallback(conn: Connection, code: str, unit_id: int | None) -> None:
    await conn.execute("update regions set fallback_unit_id = $2 where code = $1", code, unit_id)


# --- tickets -----------------------------------------------------------------------------------


async def next_serial(conn: Connection) -> int:
    value: int = await conn.fetchval("select nextval('ticket_serial')")
    return value


async def insert_ticket(conn: Connection, **fields: ColumnValue) -> int:
    columns = list(fields)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    ticket_id: int = await conn.fetchval(
        f"insert into tickets ({', '.join(columns)}) values ({placeholders}) returning id",
        *fields.values(),
    )
    return ticket_id


async def update_ticket(conn: Connection, ticket_id: int, **fields: ColumnValue) -> None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(
        f"update tickets set {sets}, updated_at = now() where id = $1", ticket_id, *fields.values()
    )


_TICKET = f"""
    select {_columns(_TicketColumns, "t")}, c.name as category_name, r.name as region_name,
           u.code as lead_unit_code, u.name as lead_unit_name, u.phone as lead_unit_phone,
           u.region_code as lead_unit_region_code,
           p.number as previous_number,
           (select coalesce(jsonb_agg(jsonb_build_object(
                       'id', a.id, 'code', a.code, 'name', a.name, 'phone', a.phone,
                       'region_code', a.region_code) order by a.code), '[]'::jsonb)
              from units a where a.id = any(t.assisting_unit_ids)) as assisting,
           x.id as rectification_id, x.status as rectification_status,
           x.due_on as rectification_due_on, x.note as rectification_note,
           x.done_at as rectification_done_at
    from tickets t
    join ticket_categories c on c.code = t.category_code
    join regions r on r.code = t.region_code
    join units u on u.id = t.lead_unit_id
    left join tickets p on p.id = t.previous_ticket_id
    left join rectifications x on x.ticket_id = t.id"""


async def by_number(db: Queryable, number: str) -> TicketRow | None:
    return await fetchrow(db, TicketRow, f"{_TICKET} where t.number = $1", number)


async def by_id(db: Queryable, ticket_id: int) -> TicketRow | None:
    return await fetchrow(db, TicketRow, f"{_TICKET} where t.id = $1", ticket_id)


async def lock(conn: Connection, number: str) -> LockedTicketRow | None:
    """The ticket row, locked for the rest of the transaction, with its lead unit's region."""
    return await fetchrow(
        conn,
        LockedTicketRow,
        f"""select {_columns(_TicketColumns, "t")}, u.region_code as lead_unit_region_code,
                  u.name as lead_unit_name, u.phone as lead_unit_phone,
                  c.name as category_name
           from tickets t join units u on u.id = t.lead_unit_id
           join ticket_categories c on c.code = t.category_code
           where t.number = $1 for update of t""",
        number,
    )


async def of_citizen(
    db: Queryable, citizen_id: int, limit: int, before_id: int | None
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.citizen_id = $1 and ($3::bigint is null or t.id < $3)
            order by t.id desc limit $2""",
        citizen_id,
        limit,
        before_id,
    )


async def of_citizen_since(
    db: Queryable,
    citizen_id: int,
    since: datetime | None,
    numbers: list[str] | None,
    categories: list[str] | None,
    limit: int,
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.citizen_id = $1
              and ($2::timestamptz is null or t.created_at >= $2)
              and ($3::text[] is null or t.number = any($3::text[]))
              and ($4::text[] is null or t.category_code = any($4::text[]))
            order by t.id desc limit $5""",
        citizen_id,
        since,
        numbers,
        categories,
        limit,
    )


async def unit_queue(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int, after_id: int | None
) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where t.lead_unit_id = any($1::bigint[]) and t.status = any($2::text[])
              and ($4::bigint is null or t.id > $4)
            -- the deadline band, then priority work (domain.priority.queue_key)
            order by t.handle_due_on, t.priority_reason is null, t.id limit $3""",
        unit_ids,
        statuses,
        limit,
        after_id,
    )


async def review_queue(db: Queryable, unit_ids: list[int], limit: int) -> list[TicketRow]:
    return await fetch(
        db,
        TicketRow,
        f"""{_TICKET} where (t.status = 'returned' or (t.needs_review and t.status = 'dispatched'))
              and t.lead_unit_id = any($1::bigint[])
            order by t.created_at limit $2""",
        unit_ids,
        limit,
    )


async def same_place_candidates(
    conn: Connection, category_code: str, region_code: str, since: datetime
) -> list[SamePlaceRow]:
    """Earlier tickets of this category in this region since `since`, newest first."""
    return await fetch(
        conn,
        SamePlaceRow,
        """select id, number, status, lead_unit_id, latitude, longitude, created_at
           from tickets where category_code = $1 and region_code = $2 and created_at >= $3
           order by created_at desc limit 50""",
        category_code,
        region_code,
        since,
    )


# --- assignments, extensions, follow-ups -------------------------------------------------------


async def insert_assignment(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    region_code: str,
    basis: str,
    by_staff_id: int | None,
    note: str | None,
    ack_due_at: datetime,
) -> int:
    assignment_id: int = await conn.fetchval(
        """insert into ticket_assignments (ticket_id, unit_id, region_code, basis, by_staff_id,
               note, ack_due_at) values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        ticket_id,
        unit_id,
        region_code,
        basis,
        by_staff_id,
        note,
        ack_due_at,
    )
    return assignment_id


async def acknowledge_assignment(
    conn: Connection, ticket_id: int, staff_id: int | None, at: datetime
) -> None:
    await conn.execute(
        """update ticket_assignments set acknowledged_at = $3, acknowledged_by = $2
           where id = (select max(id) from ticket_assignments where ticket_id = $1)""",
        ticket_id,
        staff_id,
        at,
    )


async def return_assignment(
    conn: Connection, ticket_id: int, staff_id: int | None, reason: str, at: datetime
) -> None:
    await conn.execute(
        """update ticket_assignments set returned_at = $4, return_reason = $3, returned_by = $2
           where id = (select max(id) from ticket_assignments where ticket_id = $1)""",
        ticket_id,
        staff_id,
        reason,
        at,
    )


async def assignments(db: Queryable, ticket_id: int) -> list[AssignmentRow]:
    return await fetch(
        db,
        AssignmentRow,
        f"""select {_columns(_AssignmentColumns, "a")}, u.code as unit_code, u.name as unit_name
           from ticket_assignments a join units u on u.id = a.unit_id
           where a.ticket_id = $1 order by a.id""",
        ticket_id,
    )


async def insert_extension(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    staff_id: int | None,
    days: int,
    reason: str,
    due_before: date,
    due_after: date,
) -> None:
    await conn.execute(
        """insert into ticket_extensions (ticket_id, unit_id, staff_id, days, reason,
               due_before, due_after) values ($1, $2, $3, $4, $5, $6, $7)""",
        ticket_id,
        unit_id,
        staff_id,
        days,
        reason,
        due_before,
        due_after,
    )


async def insert_follow_up(
    conn: Connection, ticket_id: int, round_no: int, ask_no: int, at: datetime
) -> None:
    await conn.execute(
        """insert into ticket_follow_ups (ticket_id, round, ask_no, asked_at)
           values ($1, $2, $3, $4) on conflict do nothing""",
        ticket_id,
        round_no,
        ask_no,
        at,
    )


async def answer_follow_up(
    conn: Connection, ticket_id: int, round_no: int, solved: bool, channel: str, at: datetime
) -> None:
    await conn.execute(
        """update ticket_follow_ups set answered_at = $4, solved = $3, answer_channel = $5
           where id = (select max(id) from ticket_follow_ups
                       where ticket_id = $1 and round = $2)""",
        ticket_id,
        round_no,
        solved,
        at,
        channel,
    )


async def awaiting_answer(db: Queryable, citizen_id: int) -> list[TicketRefRow]:
    """The citizen's tickets asked about and not answered yet, the one asked last first."""
    return await fetch(
        db,
        TicketRefRow,
        """select id, number from tickets where citizen_id = $1 and status = 'resolved'
           order by follow_up_asked_at desc nulls last, id desc limit 50""",
        citizen_id,
    )


async def insert_rectification(
    conn: Connection,
    *,
    ticket_id: int,
    unit_id: int,
    rating: int,
    comment: str | None,
    due_on: date,
    due_at: datetime,
    remind_at: datetime,
) -> int:
    rect_id: int = await conn.fetchval(
        """insert into rectifications (ticket_id, unit_id, rating, comment, due_on, due_at,
               remind_at) values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        ticket_id,
        unit_id,
        rating,
        comment,
        due_on,
        due_at,
        remind_at,
    )
    return rect_id


async def lock_rectification(conn: Connection, rect_id: int) -> LockedRectificationRow | None:
    return await fetchrow(
        conn,
        LockedRectificationRow,
        f"""select {_columns(_RectificationColumns, "x")}, u.region_code as unit_region_code,
                  t.number, t.citizen_id
           from rectifications x join units u on u.id = x.unit_id
           join tickets t on t.id = x.ticket_id
           where x.id = $1 for update of x""",
        rect_id,
    )


async def finish_rectification(
    conn: Connection, rect_id: int, note: str, staff_id: int | None
) -> None:
    await conn.execute(
        """update rectifications set status = 'done', note = $2, done_at = now(), done_by = $3,
               updated_at = now() where id = $1""",
        rect_id,
        note,
        staff_id,
    )


async def rectifications(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int
) -> list[RectificationRow]:
    return await fetch(
        db,
        RectificationRow,
        f"""select {_columns(_RectificationColumns, "x")}, t.number, u.code as unit_code,
                  u.name as unit_name,
                  c.name as category_name, t.category_code
           from rectifications x join tickets t on t.id = x.ticket_id
           join units u on u.id = x.unit_id
           join ticket_categories c on c.code = t.category_code
           where x.unit_id = any($1::bigint[]) and x.status = any($2::text[])
           order by x.due_on, x.id limit $3""",
        unit_ids,
        statuses,
        limit,
    )


# --- people to tell ----------------------------------------------------------------------------


async def citizen_contact(db: Queryable, citizen_id: int) -> CitizenContactRow | None:
    return await fetchrow(
        db,
        CitizenContactRow,
        """select id, phone, language, name, elder_mode, channel_preference from citizens
           where id = $1""",
        citizen_id,
    )


async def citizen_region(db: Queryable, citizen_id: int) -> str | None:
    value: str | None = await db.fetchval(
        "select region_code from citizens where id = $1", citizen_id
    )
    return value


async def citizen_by_phone(conn: Connection, phone: str) -> int | None:
    value: int | None = await conn.fetchval("select id from citizens where phone = $1", phone)
    return value


async def create_citizen(conn: Connection, phone: str) -> int:
    """A citizen known only by phone (a hotline caller); they can sign in with it later."""
    value: int = await conn.fetchval(
        """insert into citizens (phone, channel_preference) values ($1, 'sms')
           on conflict (phone) do update set phone = excluded.phone returning id""",
        phone,
    )
    return value


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
    rows = await fetch(
        db,
        _Phone,
        """select phone from staff_members where role = 'supervisor' and active
             and region_code is not null and $1 like region_code || '%' order by id""",
        region_code,
    )
    return [r.phone for r in rows]


# --- events ------------------------------------------------------------------------------------


async def append_event(
    conn: Connection,
    *,
    ticket_id: int,
    citizen_id: int | None,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    data: dict[str, Json] | None = None,
) -> int:
    # append_ticket_event (migration 0006): the citizen's stream lock, insert, NOTIFY at commit
    seq: int = await conn.fetchval(
        "select append_ticket_event($1, $2, $3, $4, $5, $6)",
        ticket_id,
        citizen_id,
        kind,
        actor_kind,
        actor_id,
        data or {},
    )
    return seq


async def events_of(db: Queryable, ticket_ids: list[int]) -> list[TicketEventRow]:
    return await fetch(
        db,
        TicketEventRow,
        """select seq, ticket_id, kind, actor_kind, data, created_at from events
           where ticket_id = any($1::bigint[]) order by ticket_id, seq""",
        ticket_ids,
    )


async def public_list(
    db: Queryable,
    *,
    numbers: list[str] | None,
    categories: list[str] | None,
    statuses: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    region_digits: int,
    limit: int,
) -> list[PublicTicketRow]:
    """Tickets by the public's filters, newest first, with only what the public may see: no
    citizen, no description, the region cut to `region_digits` (its name with it)."""
    return await fetch(
        db,
        PublicTicketRow,
        """select t.number, t.status, t.category_code, c.name as category_name,
                  u.name as lead_unit_name, t.created_at, t.updated_at, t.handle_due_at,
                  left(t.region_code, $6) as region_code,
                  coalesce(r.name, '') as region_name, t.latitude, t.longitude
           from tickets t
           join ticket_categories c on c.code = t.category_code
           join units u on u.id = t.lead_unit_id
           left join regions r on r.code = left(t.region_code, $6)
           where ($1::text[] is null or t.number = any($1::text[]))
             and ($2::text[] is null or t.category_code = any($2::text[]))
             and ($3::text[] is null or t.status = any($3::text[]))
             and ($4::timestamptz is null or t.created_at >= $4)
             and ($5::timestamptz is null or t.created_at <= $5)
           order by t.id desc limit $7""",
        numbers,
        categories,
        statuses,
        since,
        until,
        region_digits,
        limit,
    )
