"""The tickets' row types: the catalog they refer to (categories, regions, units, service
areas), a ticket as it is locked and as its views show it, its assignments, rectifications,
events, and what the public may see of it.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from typing import TypedDict

from doorstep.store.rows import Json, Row

# a changed column of a category or a ticket and its new value, as the driver encodes it
ColumnValue = str | int | float | bool | date | datetime | list[int] | list[str] | Json


def _columns(table: type[Row], alias: str) -> str:
    """A table row type's columns, qualified: an explicit list instead of `alias.*`, so a column
    added later leaves every query's shape (and its row type) as it is."""
    return ", ".join(f"{alias}.{name}" for name in inspect.get_annotations(table))


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


UNIT_SELECT = "select id, code, name, region_code, phone from units"


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
