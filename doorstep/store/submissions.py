"""SQL of a submission's write: the application, its tasks, the vault's uses and (for a
citizen's own) its event and SMS, in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

# the columns and row type a task is read with
from doorstep.store.applications import (
    _TASK_COLUMNS,
    SERIAL_WITH_CONTACT,
    SerialContactRow,
    TaskRow,
)
from doorstep.store.auth import SESSION_UNENDED
from doorstep.store.db import Connection
from doorstep.store.events import NewEvent
from doorstep.store.outbox.delivery import NewMessage
from doorstep.store.rows import fetch, fetchrow


class SubmitterRow(SerialContactRow):
    """A citizen's live session, found by its token, with what their submission reads before
    it writes (`next_serial_with_contact`): both in the submission's first statement."""

    session_id: int


# a live session as `store.auth` finds one (a citizen's: no staff member to check), the serial
# drawn only when it is found
_SUBMITTER_BY_TOKEN_HASH = f"""select s.id as session_id, p.*
    from sessions s
    cross join lateral ({SERIAL_WITH_CONTACT} where c.id = s.citizen_id) p
    where s.token_hash = $1 and s.role = 'citizen' and {SESSION_UNENDED}"""


async def submitter_by_token_hash(
    conn: Connection, token_hash: bytes, counted: int
) -> SubmitterRow | None:
    """The citizen session of `token_hash` with the serial, the contact, the proved birth date
    and whether the vault is empty; None for any other (staff, unknown, ended): the usual
    look-up answers those (`store.auth.session_by_token_hash`)."""
    return await fetchrow(conn, SubmitterRow, _SUBMITTER_BY_TOKEN_HASH, token_hash, counted)


class SubmittedTaskRow(TaskRow):
    """A new application's task (as `tasks_of` reads it) with its application's columns (as
    `by_number` reads them, `application_` before their names) and its SMS's outbox id. An
    application of no tasks is one row whose task columns are null (`id` among them)."""

    application_number: str
    application_citizen_id: int
    application_status: str
    application_created_at: datetime
    application_updated_at: datetime
    application_completed_at: datetime | None
    bundle_code: str
    bundle_name: str
    outbox_id: int | None


@dataclass(frozen=True)
class NewApplication:
    """What `insert_submission` writes: the application, one task per item (item_id, unit_id,
    position, status, working_days, due_on, remind_on, target_on), and the vault's uses by
    unit (`unit_id` and `items` each)."""

    number: str
    citizen_id: int
    bundle_id: int
    status: str
    form: Mapping[str, object]
    staff_id: int | None
    priority_reason: str | None
    tasks: Sequence[tuple[int, int, int, str, int, date, date, date]]
    vault_uses: Sequence[Mapping[str, object]]

    def arguments(self) -> tuple[object, ...]:
        """$1 to $17 of `_INSERT_SUBMISSION`."""
        columns = [[task[i] for task in self.tasks] for i in range(8)]
        return (
            self.number,
            self.citizen_id,
            self.bundle_id,
            self.status,
            self.form,
            len(self.tasks),
            self.staff_id,
            self.priority_reason,
            *columns,
            self.vault_uses,
        )


# The application, its tasks and the vault's uses in one statement; the rows come back as reads
# find them (names as the catalog triggers of migrations 0061/0062 set them)
_INSERT_SUBMISSION = """with a as (
        insert into applications (number, citizen_id, bundle_id, status, form, tasks_total,
                                  submitted_by_staff_id, priority_reason)
        values ($1, $2, $3, $4, $5, $6, $7, $8) returning *),
    t as (
        insert into tasks (application_id, item_id, unit_id, position, status, working_days,
                           due_on, remind_on, target_on, priority_reason)
        select a.id, x.*, $8 from a, unnest($9::bigint[], $10::bigint[], $11::int[],
                                            $12::text[], $13::int[], $14::date[], $15::date[],
                                            $16::date[]) x
        returning *),
    used as (
        insert into vault_uses (citizen_id, unit_id, purpose, items, application_id)
        select $2, (u->>'unit_id')::bigint, 'application', u->'items', a.id
        from a, jsonb_array_elements($17::jsonb) u)
    {after}
    select {task_columns}, a.number as application_number,
           a.citizen_id as application_citizen_id, a.status as application_status,
           a.created_at as application_created_at, a.updated_at as application_updated_at,
           a.completed_at as application_completed_at, b.code as bundle_code,
           coalesce(a.bundle_name, b.name) as bundle_name, {outbox_id} as outbox_id
    from a join bundles b on b.id = a.bundle_id {outbox}
    left join (t join service_items i on i.id = t.item_id join units u on u.id = t.unit_id)
      on true
    order by t.position"""

# ... then the event (append_event: $18 to $23, the application's id from `a`) and the SMS
# (outbox columns: $24 to $31), as `store.outbox.delivery.insert_after_event` writes them
_AND_EVENT_WITH_SMS = """, e as (select append_event(a.id, $18, $19, $20, $21, $22, $23) as seq
              from a),
    o as (insert into outbox (citizen_id, phone, kind, template, params, language, urgent,
                              extend_code)
          select $24, $25, $26, $27, $28, $29, $30, $31 from e returning id)"""


def _insert_submission_sql(*, with_event: bool) -> str:
    return _INSERT_SUBMISSION.format(
        # the application's id from `a`: an application of no tasks has a null `t`
        task_columns=_TASK_COLUMNS.replace("t.application_id", "a.id as application_id"),
        after=_AND_EVENT_WITH_SMS if with_event else "",
        outbox_id="o.id" if with_event else "null::bigint",
        outbox="cross join o" if with_event else "",
    )


_INSERT_ONLY = _insert_submission_sql(with_event=False)
_INSERT_WITH_EVENT = _insert_submission_sql(with_event=True)


async def insert_submission(
    conn: Connection, new: NewApplication, then: tuple[NewEvent, NewMessage] | None = None
) -> list[SubmittedTaskRow]:
    """A new application with its tasks and vault uses, in one round trip; `then` its event
    (whose application is this one) and its SMS too, so a plain submission is this statement
    alone."""
    if then is None:
        return await fetch(conn, SubmittedTaskRow, _INSERT_ONLY, *new.arguments())
    event, message = then
    return await fetch(
        conn,
        SubmittedTaskRow,
        _INSERT_WITH_EVENT,
        *new.arguments(),
        *event.arguments()[1:],  # all but the application id
        *message.arguments(),
    )
