"""SQL for applications and their tasks."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, R, Row, fetch, fetchrow, fetchrow_by, fetchrow_one
from doorstep.store.typed import fetch_column, fetch_optional, next_in_sequence

# names as of the catalog versions the application was made under, kept on its rows (a renamed
# item keeps its old name on applications made before: migrations 0061, 0062)
_APPLICATION_COLUMNS = """a.id, a.number, a.citizen_id, a.bundle_id, a.status, a.form,
    a.tasks_total, a.tasks_final, a.created_at, a.updated_at, a.completed_at,
    a.submitted_by_staff_id, b.code as bundle_code,
    coalesce(a.bundle_name, b.name) as bundle_name"""

_TASK_COLUMNS = """t.id, t.application_id, t.item_id, t.unit_id, t.position, t.status,
    t.working_days, t.extended_days, t.due_on, t.paused_at, t.days_left_at_pause, t.reason,
    t.created_at, t.updated_at, t.priority_reason, t.target_on, i.code as item_code,
    coalesce(t.item_name, i.name) as item_name,
    u.name as unit_name, u.code as unit_code, u.phone as unit_phone,
    u.region_code as unit_region_code"""

# a task with the item and the unit its columns name (the `t`, `i` and `u` above)
_TASKS = """tasks t
    join service_items i on i.id = t.item_id
    join units u on u.id = t.unit_id"""


class ListedApplicationRow(Row):
    """An application as a citizen's list shows it."""

    id: int
    number: str
    citizen_id: int
    status: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    bundle_code: str
    bundle_name: str


class ApplicationRow(ListedApplicationRow):
    """An application with its form and counters."""

    bundle_id: int
    form: dict[str, Json]
    tasks_total: int
    tasks_final: int
    submitted_by_staff_id: int | None


class ListedTaskRow(Row):
    """A task as a list of applications shows it, with its item and unit."""

    id: int
    application_id: int
    unit_id: int
    status: str
    working_days: int
    due_on: date
    paused_at: datetime | None
    days_left_at_pause: int | None
    reason: str | None
    updated_at: datetime
    priority_reason: str | None
    target_on: date | None
    item_code: str
    item_name: str
    unit_name: str
    unit_code: str
    unit_phone: str | None
    unit_region_code: str


class TaskRow(ListedTaskRow):
    item_id: int
    position: int
    extended_days: int
    created_at: datetime


class QueueTaskRow(TaskRow):
    """A task in a unit's queue, with its application's number and citizen."""

    application_number: str
    citizen_id: int


class CitizenBriefRow(Row):
    """Whom a message reaches and how they are named in it (a delegation's two people)."""

    id: int
    phone: str
    name: str | None
    language: str
    elder_mode: bool
    channel_preference: str


class CitizenContactRow(CitizenBriefRow):
    """Whom an application's messages reach, and what its forms and views say of them."""

    resident_id_masked: str | None
    resident_id_index: bytes | None
    birth_date: date | None
    region_code: str | None


class SerialContactRow(CitizenContactRow):
    """The next application serial, with the contact and the birth date of the resident ID
    the account proved (None if not proved: `store.priority.proven_birth_date`)."""

    serial: int
    proven_birth_date: date | None
    # no document (revoked ones aside) and no fact in the vault: nothing to read for the form
    vault_empty: bool
    # the language is the citizen's own choice (not only the first request's)
    language_chosen: bool
    # the citizen's applications of the last hour and day, and the first of each, as of
    # `db_now` (the submission limits, `services.submission`)
    db_now: datetime
    applied_in_hour: int
    first_in_hour: datetime | None
    applied_in_day: int
    first_in_day: datetime | None


async def next_serial(conn: Connection) -> int:
    return await next_in_sequence(conn, "application_serial")


async def next_serial_with_contact(
    conn: Connection, citizen_id: int, counted: int
) -> SerialContactRow:
    """What a submission reads before it writes, in one round trip: the serial, the contact
    (as `citizen_contact` reads it), the proved birth date (优先办), whether the vault holds
    anything of theirs, and up to `counted` of their applications of the last day."""
    return await fetchrow_one(
        conn, SerialContactRow, f"{SERIAL_WITH_CONTACT} where id = $1", citizen_id, counted
    )


async def _application_where(db: Queryable, where: str, key: object) -> ApplicationRow | None:
    """The application `where` (over `a`, with any lock after it) finds."""
    return await fetchrow(
        db,
        ApplicationRow,
        f"""select {_APPLICATION_COLUMNS} from applications a
            join bundles b on b.id = a.bundle_id where {where}""",
        key,
    )


async def by_number(db: Queryable, number: str) -> ApplicationRow | None:
    return await _application_where(db, "a.number = $1", number)


async def by_ids(db: Queryable, application_ids: list[int]) -> list[ApplicationRow]:
    return await fetch(
        db,
        ApplicationRow,
        f"""select {_APPLICATION_COLUMNS} from applications a
            join bundles b on b.id = a.bundle_id where a.id = any($1::bigint[])""",
        application_ids,
    )


# A citizen's list: only what the views show (no form, whose jsonb is decoded into Python
# for every row, no counters): decoding the rows was the largest part of reading the list.
# Every column `services.applications._task_view` / `_application_view` reads must be here.
_LIST_APPLICATION_COLUMNS = """a.id, a.number, a.citizen_id, a.status, a.created_at,
    a.updated_at, a.completed_at, b.code as bundle_code, b.name as bundle_name"""
_LIST_TASK_COLUMNS = """t.id, t.application_id, t.unit_id, t.status, t.working_days, t.due_on,
    t.paused_at, t.days_left_at_pause, t.reason, t.updated_at, t.priority_reason, t.target_on,
    i.code as item_code,
    i.name as item_name, u.name as unit_name, u.code as unit_code, u.phone as unit_phone,
    u.region_code as unit_region_code"""


def citizen_page(columns: str, condition: str = "true") -> str:
    """A page of a citizen's applications, newest first: $1 the citizen, $2 the page's size,
    $3 the id to page before (or null); `condition` narrows it further (the bundle is `b`)."""
    return f"""select {columns} from applications a
        join bundles b on b.id = a.bundle_id
        where a.citizen_id = $1 and ($3::bigint is null or a.id < $3) and ({condition})
        order by a.id desc limit $2"""


async def of_citizen(
    db: Queryable, citizen_id: int, limit: int, before_id: int | None
) -> list[ListedApplicationRow]:
    """A page of the citizen's applications, newest first, with the columns of the views."""
    return await fetch(
        db,
        ListedApplicationRow,
        citizen_page(_LIST_APPLICATION_COLUMNS),
        citizen_id,
        limit,
        before_id,
    )


async def listed_tasks_of(db: Queryable, application_ids: list[int]) -> list[ListedTaskRow]:
    """The tasks of a page of applications, with the columns of the views."""
    return await _tasks_of(db, ListedTaskRow, _LIST_TASK_COLUMNS, application_ids)


async def tasks_of(db: Queryable, application_ids: list[int]) -> list[TaskRow]:
    return await _tasks_of(db, TaskRow, _TASK_COLUMNS, application_ids)


async def _tasks_of(
    db: Queryable, cls: type[R], columns: str, application_ids: list[int]
) -> list[R]:
    """The applications' tasks with their items and units, by application and position."""
    return await fetch(
        db,
        cls,
        f"""select {columns} from {_TASKS}
            where t.application_id = any($1::bigint[])
            order by t.application_id, t.position""",
        application_ids,
    )


async def lock_application_of_task(conn: Connection, task_id: int) -> ApplicationRow | None:
    """Lock the application first, then its task: every writer takes them in this order."""
    return await _application_where(
        conn, "a.id = (select application_id from tasks where id = $1) for update of a", task_id
    )


async def lock_application(conn: Connection, number: str) -> ApplicationRow | None:
    return await _application_where(conn, "a.number = $1 for update of a", number)


async def task_for_update(conn: Connection, task_id: int) -> TaskRow | None:
    select = f"select {_TASK_COLUMNS} from {_TASKS}"
    return await fetchrow_by(conn, TaskRow, select, "t.id", task_id, lock=True, lock_of="t")


async def update_task(
    conn: Connection,
    task_id: int,
    *,
    status: str,
    due_on: date,
    remind_on: date,
    paused: bool,
    days_left_at_pause: int | None,
    reason: str | None,
    final: bool,
) -> None:
    await conn.execute(
        # the internal target moves with the deadline (migration 0095)
        """update tasks set status = $2, due_on = $3, remind_on = $4,
                  target_on = least($3, target_on + ($3 - due_on)),
                  paused_at = case when $5 then coalesce(paused_at, now()) else null end,
                  days_left_at_pause = $6, reason = $7, updated_at = now(),
                  finished_at = case when $8 then now() else null end
           where id = $1""",
        task_id,
        status,
        due_on,
        remind_on,
        paused,
        days_left_at_pause,
        reason,
        final,
    )


async def task_statuses(conn: Connection, application_id: int) -> list[str]:
    return await fetch_column(
        conn,
        str,
        "select status from tasks where application_id = $1 order by position",
        application_id,
    )


async def update_application_status(
    conn: Connection, application_id: int, status: str, tasks_final: int, final: bool
) -> None:
    await conn.execute(
        """update applications set status = $2, tasks_final = $3, updated_at = now(),
                  completed_at = case when $4 then now() else null end
           where id = $1""",
        application_id,
        status,
        tasks_final,
        final,
    )


async def unit_queue(
    db: Queryable, unit_ids: list[int], statuses: list[str], limit: int, after_id: int | None
) -> list[QueueTaskRow]:
    return await fetch(
        db,
        QueueTaskRow,
        f"""select {_TASK_COLUMNS}, a.number as application_number, a.citizen_id
            from {_TASKS}
            join applications a on a.id = t.application_id
            where t.unit_id = any($1::bigint[]) and t.status = any($2::text[])
              -- a page goes on after the cursor task in the queue's own order
              and ($4::bigint is null or (t.due_on, t.priority_reason is null, t.id) >
                  (select c.due_on, c.priority_reason is null, c.id from tasks c where c.id = $4))
            -- the deadline band, then priority work (domain.priority.queue_key)
            order by t.due_on, t.priority_reason is null, t.id limit $3""",
        unit_ids,
        statuses,
        limit,
        after_id,
    )


async def units_in_region(db: Queryable, region_prefix: str) -> list[int]:
    return await fetch_column(
        db, int, "select id from units where region_code like $1 || '%'", region_prefix
    )


BRIEF_COLUMNS = "id, phone, name, language, elder_mode, channel_preference"
_CONTACT_COLUMNS = f"""{BRIEF_COLUMNS},
    resident_id_masked, resident_id_index, birth_date, region_code"""

# a `SerialContactRow` of the citizen `c` its where names (the serial drawn per row found); `$2`
# is how many of their applications of the day to count, so a query using it passes that second
SERIAL_WITH_CONTACT = f"""select nextval('application_serial') as serial, {_CONTACT_COLUMNS},
           case when identity_verified_at is not null then birth_date end as proven_birth_date,
           not exists (select from vault_documents d
                       where d.citizen_id = c.id and d.revoked_at is null)
           and not exists (select from vault_facts f where f.citizen_id = c.id) as vault_empty,
           language_chosen, now() as db_now, r.*
    from citizens c
    cross join lateral (
        select count(*) filter (where a.created_at > now() - interval '1 hour') as applied_in_hour,
               min(a.created_at) filter (where a.created_at > now() - interval '1 hour')
                 as first_in_hour,
               count(*) as applied_in_day, min(a.created_at) as first_in_day
        -- the newest $2 of the day at most: a count past the limit changes nothing, and a
        -- citizen's reads stay as short as the limit (0 when no limit is on: nothing read)
        from (select a.created_at from applications a
              where a.citizen_id = c.id and a.created_at > now() - interval '1 day'
              order by a.created_at desc limit $2) a) r"""


async def citizen_contact(db: Queryable, citizen_id: int) -> CitizenContactRow | None:
    return await fetchrow_by(
        db, CitizenContactRow, f"select {_CONTACT_COLUMNS} from citizens", "id", citizen_id
    )


async def set_citizen_name(conn: Connection, citizen_id: int, name: str) -> None:
    """The name a form gives, kept if the account has none yet."""
    await conn.execute(
        "update citizens set name = coalesce(name, $2), updated_at = now() where id = $1",
        citizen_id,
        name,
    )


async def citizen_by_index(conn: Connection, index: bytes) -> int | None:
    return await fetch_optional(
        conn, int, "select id from citizens where resident_id_index = $1", index
    )
