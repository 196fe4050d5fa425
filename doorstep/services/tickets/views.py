"""What a ticket looks like to its readers: the views the use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from doorstep.domain.delegation import TICKET_THEME
from doorstep.domain.dispatch import Basis
from doorstep.domain.policy import Target
from doorstep.domain.tickets import (
    Channel,
    DeadlineProfile,
    Rating,
    TicketKind,
    TicketStatus,
    Urgency,
)
from doorstep.mirror import GIVEN, mirror
from doorstep.store.db import Connection
from doorstep.store.tickets import reading as ticket_reading
from doorstep.store.tickets.rows import TicketRow

# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    phone: str | None
    region_code: str


@dataclass(frozen=True)
class DispatchInfo:
    basis: Basis
    rule_set_id: int | None
    rule_no: int | None
    rule_version: int | None
    # the citizen-readable explanation: an i18n key and its parameters
    reason_key: str
    reason_params: dict[str, Any]


@dataclass(frozen=True)
class RectificationView:
    id: int
    status: str
    due_on: date
    note: str | None
    done_at: datetime | None


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str


@dataclass(frozen=True)
class TicketView:
    id: int
    number: str
    citizen_id: int
    channel: Channel
    kind: TicketKind
    category_code: str
    category_name: str
    description: str
    region_code: str
    region_name: str
    latitude: float | None
    longitude: float | None
    urgency: Urgency
    status: TicketStatus
    lead_unit: UnitRef
    assisting_units: tuple[UnitRef, ...]
    needs_review: bool
    dispatch: DispatchInfo
    deadline_profile: DeadlineProfile
    assigned_at: datetime
    ack_due_at: datetime
    acknowledged_at: datetime | None
    handle_due_on: date
    handle_due_at: datetime
    extended_days: int
    resolved_at: datetime | None
    resolution_note: str | None
    follow_up_asks: int
    solved: bool | None
    finished_at: datetime | None
    returns_count: int
    reopen_count: int
    previous_number: str | None
    recurrence: bool
    rating: Rating | None
    rating_comment: str | None
    rated_at: datetime | None
    rectification: RectificationView | None
    submitted_by_staff: bool
    created_at: datetime
    updated_at: datetime
    # the caller's name and phone: only for staff, and each such read is recorded
    contact: Contact | None = None
    # 优先办: why it is served first (domain.priority.Reason), and the unit's internal target
    priority_reason: str | None = None
    target_on: date | None = None

    @property
    def target(self) -> Target:
        units = {self.lead_unit.id: self.lead_unit.region_code}
        units.update({u.id: u.region_code for u in self.assisting_units})
        return Target(citizen_id=self.citizen_id, units=units, theme=TICKET_THEME)


def _dispatch(row: TicketRow) -> DispatchInfo:
    reason = row.dispatch_reason or {}
    return DispatchInfo(
        basis=Basis(row.dispatch_basis),
        rule_set_id=row.rule_set_id,
        rule_no=row.rule_no,
        rule_version=row.rule_version,
        reason_key=reason.get("key", "dispatch.reason.no_rule"),
        reason_params=reason.get("params", {}),
    )


def _rectification(row: TicketRow) -> RectificationView | None:
    if row.rectification_id is None:
        return None
    # a rectification's status and due day are not null: the left join found it
    assert row.rectification_status is not None and row.rectification_due_on is not None
    return RectificationView(
        id=row.rectification_id,
        status=row.rectification_status,
        due_on=row.rectification_due_on,
        note=row.rectification_note,
        done_at=row.rectification_done_at,
    )


_ticket = mirror(
    TicketView,
    TicketRow,
    lead_unit=lambda r: UnitRef(
        r.lead_unit_id,
        r.lead_unit_code,
        r.lead_unit_name,
        r.lead_unit_phone,
        r.lead_unit_region_code,
    ),
    assisting_units=lambda r: tuple(
        UnitRef(a["id"], a["code"], a["name"], a["phone"], a["region_code"]) for a in r.assisting
    ),
    dispatch=_dispatch,
    recurrence=lambda r: r.recurrence_unit_id is not None,
    rectification=_rectification,
    submitted_by_staff=lambda r: r.submitted_by_staff_id is not None,
    contact=GIVEN,
    target_on=lambda r: r.target_on or r.handle_due_on,
)


def view_of(row: TicketRow, contact: Contact | None = None) -> TicketView:
    return _ticket(row, contact=contact)


async def load(conn: Connection, ticket_id: int) -> TicketView:
    row = await ticket_reading.by_id(conn, ticket_id)
    assert row is not None
    return view_of(row)
