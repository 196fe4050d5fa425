"""SQL for delegations (帮办代办), agents' actions and staff-assisted consents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from doorstep.domain.delegation import BundleFilter
from doorstep.store.applications import (
    _APPLICATION_COLUMNS,
    BRIEF_COLUMNS,
    ApplicationRow,
    CitizenBriefRow,
    citizen_page,
)
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Json, Row, fetch, fetchrow, fetchrow_by
from doorstep.store.typed import fetch_optional, gives_row


class DelegationRow(Row):
    """A delegation with both people's names and phones."""

    id: int
    agent_id: int
    principal_id: int
    themes: list[str]
    status: str
    requested_at: datetime
    valid_from: datetime
    valid_until: datetime
    consent_method: str | None
    consented_at: datetime | None
    consent_staff_id: int | None
    identity_checked: bool | None
    understanding_checked: bool | None
    ended_at: datetime | None
    ended_by: str | None
    expiry_warned_at: datetime | None
    read_notice_on: date | None
    agent_name: str | None
    agent_phone: str
    principal_name: str | None
    principal_phone: str


class PrincipalDelegationRow(Row):
    """A principal and the pair's delegation: the delegation's columns are all null when the
    pair has none (its id tells)."""

    principal_id: int
    id: int | None
    themes: list[str] | None
    status: str | None
    requested_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None


class DataReadRow(Row):
    """A read of a citizen's personal data with who read: staff (and their unit) or an agent."""

    id: int
    reader_kind: str
    reader_id: int
    what: str
    purpose: str
    created_at: datetime
    delegation_id: int | None
    reader_name: str | None
    reader_phone: str | None
    unit_name: str | None
    refused: bool


class NewCitizenRow(Row):
    id: int


class StaffUnitRow(Row):
    id: int
    name: str
    unit_id: int | None
    unit_phone: str | None


_COLUMNS = """d.id, d.agent_id, d.principal_id, d.themes, d.status, d.requested_at, d.valid_from,
    d.valid_until, d.consent_method, d.consented_at, d.consent_staff_id, d.identity_checked,
    d.understanding_checked, d.ended_at, d.ended_by, d.expiry_warned_at, d.read_notice_on,
    a.name as agent_name, a.phone as agent_phone, p.name as principal_name,
    p.phone as principal_phone"""
_FROM = """from delegations d
    join citizens a on a.id = d.agent_id
    join citizens p on p.id = d.principal_id"""


async def _delegations(db: Queryable, where: str, *args: object) -> list[DelegationRow]:
    """The delegations `where` (over `d`, with any order, limit and lock after it) keeps."""
    return await fetch(db, DelegationRow, f"select {_COLUMNS} {_FROM} where {where}", *args)


async def insert(
    conn: Connection,
    *,
    agent_id: int,
    principal_id: int,
    themes: list[str],
    valid_from: datetime,
    valid_until: datetime,
) -> int | None:
    """The new request's id, or None when the pair already has an open one."""
    return await fetch_optional(
        conn,
        int,
        """insert into delegations (agent_id, principal_id, themes, valid_from, valid_until)
           values ($1, $2, $3, $4, $5)
           on conflict (agent_id, principal_id) where status in ('requested', 'active')
           do nothing
           returning id""",
        agent_id,
        principal_id,
        themes,
        valid_from,
        valid_until,
    )


async def get(
    db: Queryable, delegation_id: int, *, lock: str | None = None
) -> DelegationRow | None:
    suffix = {"update": "for update of d", "share": "for share of d", None: ""}[lock]
    return await fetchrow(
        db, DelegationRow, f"select {_COLUMNS} {_FROM} where d.id = $1 {suffix}", delegation_id
    )


async def principal_and_delegation(
    db: Queryable, agent_id: int, *, principal_id: int | None, phone: str | None
) -> PrincipalDelegationRow | None:
    """For a request acting for someone: the principal (by id or phone) and the pair's open
    delegation if any, else their most recent one (its columns null when there is none).
    One round trip: it runs on every request that acts for someone."""
    return await fetchrow(
        db,
        PrincipalDelegationRow,
        """select c.id as principal_id, d.id, d.themes, d.status, d.requested_at,
                  d.valid_from, d.valid_until
           from citizens c
           left join lateral (
               select * from delegations x
               where x.agent_id = $1 and x.principal_id = c.id
               order by (x.status in ('requested', 'active')) desc, x.requested_at desc,
                        x.id desc
               limit 1) d on true
           where ($2::bigint is not null and c.id = $2) or ($3::text is not null and c.phone = $3)
           limit 1""",
        agent_id,
        principal_id,
        phone,
    )


async def open_between(conn: Connection, agent_id: int, principal_id: int) -> DelegationRow | None:
    return await fetchrow(
        conn,
        DelegationRow,
        f"""select {_COLUMNS} {_FROM}
            where d.agent_id = $1 and d.principal_id = $2
              and d.status in ('requested', 'active')
            for update of d""",
        agent_id,
        principal_id,
    )


async def of_citizen(db: Queryable, citizen_id: int, limit: int) -> list[DelegationRow]:
    """Delegations the citizen is a party to (as principal or agent), newest first."""
    return await _delegations(
        db,
        """d.principal_id = $1 or d.agent_id = $1
           order by d.requested_at desc, d.id desc limit $2""",
        citizen_id,
        limit,
    )


async def requested_for_principal(conn: Connection, principal_id: int) -> list[DelegationRow]:
    """Requests waiting for this principal's answer, newest first, locked."""
    return await _delegations(
        conn,
        """d.principal_id = $1 and d.status = 'requested'
           order by d.requested_at desc, d.id desc
           for update of d""",
        principal_id,
    )


async def open_for_principal(conn: Connection, principal_id: int) -> list[DelegationRow]:
    return await _delegations(
        conn,
        """d.principal_id = $1 and d.status in ('requested', 'active')
           order by d.id
           for update of d""",
        principal_id,
    )


async def activate(
    conn: Connection,
    delegation_id: int,
    *,
    method: str,
    staff_id: int | None = None,
    identity_checked: bool | None = None,
    understanding_checked: bool | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        """update delegations set status = 'active', consent_method = $2, consented_at = now(),
                  consent_staff_id = $3, identity_checked = $4, understanding_checked = $5,
                  consent_note = $6
           where id = $1""",
        delegation_id,
        method,
        staff_id,
        identity_checked,
        understanding_checked,
        note,
    )


async def end(conn: Connection, delegation_id: int, *, status: str, by: str) -> None:
    await conn.execute(
        "update delegations set status = $2, ended_at = now(), ended_by = $3 where id = $1",
        delegation_id,
        status,
        by,
    )


async def due_to_expire(
    conn: Connection, request_ttl_seconds: float, limit: int
) -> list[DelegationRow]:
    """Active delegations past their end, and requests unanswered too long; locked, skipping
    rows another sweep holds."""
    return await _delegations(
        conn,
        """(d.status = 'active' and d.valid_until <= now())
              or (d.status = 'requested'
                  and (d.requested_at <= now() - make_interval(secs => $1)
                       or d.valid_until <= now()))
           order by d.id limit $2
           for update of d skip locked""",
        request_ttl_seconds,
        limit,
    )


async def due_for_warning(conn: Connection, warn_seconds: float, limit: int) -> list[DelegationRow]:
    return await _delegations(
        conn,
        """d.status = 'active' and d.expiry_warned_at is null
             and d.valid_until > now()
             and d.valid_until <= now() + make_interval(secs => $1)
           order by d.id limit $2
           for update of d skip locked""",
        warn_seconds,
        limit,
    )


async def mark_warned(conn: Connection, delegation_id: int) -> None:
    await conn.execute(
        "update delegations set expiry_warned_at = now() where id = $1", delegation_id
    )


async def record_action(
    conn: Connection,
    *,
    delegation_id: int,
    agent_id: int,
    principal_id: int,
    operation: str,
    application_id: int | None,
    detail: dict[str, Json],
) -> None:
    await conn.execute(
        """insert into delegation_actions (delegation_id, agent_id, principal_id, operation,
                                           application_id, detail)
           values ($1, $2, $3, $4, $5, $6)""",
        delegation_id,
        agent_id,
        principal_id,
        operation,
        application_id,
        detail,
    )


_CITIZEN_BRIEF = f"select {BRIEF_COLUMNS} from citizens"


async def citizen_brief(db: Queryable, citizen_id: int) -> CitizenBriefRow | None:
    return await fetchrow_by(db, CitizenBriefRow, _CITIZEN_BRIEF, "id", citizen_id)


async def citizen_by_phone(db: Queryable, phone: str) -> CitizenBriefRow | None:
    return await fetchrow_by(db, CitizenBriefRow, _CITIZEN_BRIEF, "phone", phone)


async def insert_assisted_consent(
    conn: Connection,
    *,
    application_id: int,
    citizen_id: int,
    staff_id: int,
    unit_id: int | None,
    identity_document: str,
    note: str | None,
) -> None:
    await conn.execute(
        """insert into assisted_consents (application_id, citizen_id, staff_id, unit_id,
                                          identity_checked, consent_given, identity_document,
                                          note)
           values ($1, $2, $3, $4, true, true, $5, $6)""",
        application_id,
        citizen_id,
        staff_id,
        unit_id,
        identity_document,
        note,
    )


# the one statement that records a read of a citizen's personal data (a staff member's list of
# several citizens aside: store.proactive.reads)
_INSERT_READ = """insert into personal_data_reads (citizen_id, reader_kind, reader_id, what,
                                                   purpose, delegation_id, refused, subjects)
    values ($1, $2, $3, $4, $5, $6, $7, $8)"""


async def record_read(
    conn: Queryable,
    *,
    citizen_id: int,
    reader_kind: str,
    reader_id: int,
    what: str,
    purpose: str,
    delegation_id: int | None = None,
    refused: bool = False,
    subjects: Sequence[str] | None = None,
) -> None:
    """A read of a citizen's personal data by staff (or by an agent: `record_agent_read`),
    for the citizen to see."""
    await conn.execute(
        _INSERT_READ,
        citizen_id,
        reader_kind,
        reader_id,
        what,
        purpose,
        delegation_id,
        refused,
        None if subjects is None else list(subjects),
    )


async def record_agent_read(
    conn: Connection,
    *,
    citizen_id: int,
    agent_id: int,
    what: str,
    purpose: str,
    delegation_id: int,
    today: date,
) -> bool:
    """Record an agent's read; True when the principal has not been told yet today."""
    not_told = await fetch_optional(
        conn,
        bool,
        f"""with read as ({_INSERT_READ})
            select read_notice_on is distinct from $9 from delegations where id = $6""",
        citizen_id,
        "agent",
        agent_id,
        what,
        purpose,
        delegation_id,
        False,
        None,
        today,
    )
    return not_told is True


async def claim_read_notice(conn: Connection, delegation_id: int, today: date) -> bool:
    """True once per delegation and day, whoever asks: the day's notice is this caller's."""
    return await gives_row(
        conn,
        """update delegations set read_notice_on = $2
           where id = $1 and read_notice_on is distinct from $2 returning id""",
        delegation_id,
        today,
    )


async def data_reads(
    db: Queryable, citizen_id: int, limit: int, before_id: int | None
) -> list[DataReadRow]:
    """Reads of a citizen's personal data, newest first, with who read (staff and their unit,
    or the agent)."""
    return await fetch(
        db,
        DataReadRow,
        """select r.id, r.reader_kind, r.reader_id, r.what, r.purpose, r.created_at,
                  r.delegation_id, r.refused,
                  case when r.reader_kind = 'staff' then s.name else c.name end as reader_name,
                  case when r.reader_kind = 'agent' then c.phone end as reader_phone,
                  u.name as unit_name
           from personal_data_reads r
           left join staff_members s on r.reader_kind = 'staff' and s.id = r.reader_id
           left join units u on u.id = s.unit_id
           left join citizens c on r.reader_kind = 'agent' and c.id = r.reader_id
           where r.citizen_id = $1 and ($3::bigint is null or r.id < $3)
           order by r.id desc limit $2""",
        citizen_id,
        limit,
        before_id,
    )


async def applications_in_scope(
    db: Queryable, citizen_id: int, scope: BundleFilter, limit: int, before_id: int | None
) -> list[ApplicationRow]:
    """A principal's applications an agent may see: those of the delegation's themes."""
    return await fetch(
        db,
        ApplicationRow,
        citizen_page(
            _APPLICATION_COLUMNS,
            "$4 or b.code = any($5::text[]) or ($6 and not (b.code = any($7::text[])))",
        ),
        citizen_id,
        limit,
        before_id,
        scope.everything,
        list(scope.included),
        scope.general,
        list(scope.themed),
    )


async def bundle_code_of(db: Queryable, application_id: int) -> str | None:
    return await fetch_optional(
        db,
        str,
        """select b.code from applications a join bundles b on b.id = a.bundle_id
           where a.id = $1""",
        application_id,
    )


async def create_walk_in_citizen(
    conn: Connection, phone: str, language: str
) -> NewCitizenRow | None:
    """A citizen registered at the counter: reached by SMS. None when the phone is taken."""
    return await fetchrow(
        conn,
        NewCitizenRow,
        """insert into citizens (phone, language, language_chosen, channel_preference)
           values ($1, $2, true, 'sms')
           on conflict (phone) do nothing
           returning id""",
        phone,
        language,
    )


async def staff_unit(db: Queryable, staff_id: int) -> StaffUnitRow | None:
    return await fetchrow(
        db,
        StaffUnitRow,
        """select s.id, s.name, s.unit_id, u.phone as unit_phone from staff_members s
           left join units u on u.id = s.unit_id where s.id = $1""",
        staff_id,
    )
