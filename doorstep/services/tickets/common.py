"""What the ticket use cases share: number and text checks, the locked row and its next
status, the event log and the notices to citizen and unit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from doorstep.domain.case_numbers import TICKET_PREFIX, parse_case_number
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target
from doorstep.domain.tickets import (
    IllegalTicketTransition,
    TicketAction,
    TicketStatus,
    clean_text,
    next_status,
)
from doorstep.services import citizen_sms, notifications
from doorstep.services.oversight import AtUnit, require_open, unit_alone
from doorstep.store import staff_phones
from doorstep.store.db import Connection
from doorstep.store.tickets import events as ticket_events
from doorstep.store.tickets import people as ticket_people
from doorstep.store.tickets import writing as ticket_writing
from doorstep.store.tickets.rows import LockedTicketRow

RESOLVED_STATUSES = frozenset(
    {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CLOSED_UNCONFIRMED}
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_number(raw: str) -> str:
    return parse_case_number(raw, TICKET_PREFIX, "ticket.number_invalid")


def required_text(text: str | None, limit: int, empty: str, too_long: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise InvalidInput(empty)
    if len(cleaned) > limit:
        raise InvalidInput(too_long, limit=limit)
    return cleaned


def optional_text(text: str | None, limit: int, too_long: str) -> str | None:
    cleaned = clean_text(text)
    if len(cleaned) > limit:
        raise InvalidInput(too_long, limit=limit)
    return cleaned or None


Locked = TypeVar("Locked", bound=AtUnit)  # a rectification, a ticket's or a task's


def open_rectification(actor: Actor, found: Locked | None) -> Locked:
    """The locked rectification if the actor's unit may finish it and it is still open."""
    return require_open(
        actor,
        Operation.RECTIFICATION_ACT,
        found,
        unit_alone,
        open_status="open",
        not_found="rectification.not_found",
        closed="rectification.already_done",
    )


def move(row: LockedTicketRow, action: TicketAction) -> TicketStatus:
    current = TicketStatus(row.status)
    try:
        return next_status(current, action)
    except IllegalTicketTransition:
        raise Conflict(
            "ticket.illegal_transition", status=current.value, action=action.value
        ) from None


async def lock(conn: Connection, number: str) -> LockedTicketRow:
    row = await ticket_writing.lock(conn, number)
    if row is None:
        raise NotFound("ticket.not_found")
    return row


def unit_target(row: LockedTicketRow) -> Target:
    return Target.unit(row.lead_unit_id, row.lead_unit_region_code)


async def tell_citizen(
    conn: Connection,
    citizen_id: int,
    kind: str,
    template: str,
    params: dict[str, Any],
    call_phone: str,
    extend_code: str | None = None,
) -> list[int]:
    """An SMS to the ticket's citizen; elders and SMS-only citizens get the plain variant with
    a number to call (the unit's, or the hotline)."""
    contact = await ticket_people.citizen_contact(conn, citizen_id)
    assert contact is not None
    return [
        await citizen_sms.queue(
            conn,
            contact,
            kind=kind,
            template=template,
            params=params,
            call_phone=call_phone,
            extend_code=extend_code,
        )
    ]


async def tell_unit(
    conn: Connection,
    unit_id: int,
    kind: str,
    template: str,
    params: dict[str, Any],
    urgent: bool = False,
) -> list[int]:
    phones = await staff_phones.unit_staff_phones(conn, unit_id)
    return await notifications.queue_for_staff(
        conn, phones, kind=kind, template=template, params=params, urgent=urgent
    )


class TicketRef(Protocol):
    """What an event or a question to the citizen needs of a ticket row or view."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def citizen_id(self) -> int: ...


async def record_event(
    conn: Connection,
    row: TicketRef,
    kind: str,
    actor: Actor | None,
    data: dict[str, Any],
) -> None:
    """An event in the ticket's log, by whom (None: the ticket clock, no one acted)."""
    if actor is None:
        actor_kind, actor_id = "system", None
    elif actor.is_staff_side:
        actor_kind, actor_id = "staff", actor.staff_id
    elif actor.role is Role.AGENT:
        actor_kind, actor_id = "citizen", actor.agent_citizen_id
    elif actor.role is Role.CITIZEN:
        actor_kind, actor_id = "citizen", actor.citizen_id
    else:
        actor_kind, actor_id = "system", None
    await ticket_events.append_event(
        conn,
        ticket_id=row.id,
        citizen_id=row.citizen_id,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        data=data,
    )
