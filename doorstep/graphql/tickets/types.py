"""What a ticket looks like in GraphQL: its enums, types and their presentation in the
reader's language (mirrors `services.tickets.views`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec

import strawberry
from strawberry.scalars import JSON

from doorstep.domain import tickets as domain
from doorstep.domain.policy import Actor
from doorstep.domain.priority import Reason as PriorityReason
from doorstep.graphql.context import Info
from doorstep.graphql.enums import Basis as DispatchBasis
from doorstep.graphql.enums import DeadlineProfile, Rating, TicketKind, TicketStatus, Urgency
from doorstep.graphql.ids import parse_id
from doorstep.graphql.priority import reason_label
from doorstep.graphql.vault import as_json
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services.deps import Deps
from doorstep.services.tickets import reading, views
from doorstep.services.timeline import EventRow, TicketEventRow


@strawberry.type(description="What a ticket can be about")
class TicketCategory:
    code: str
    name: str
    description: str


@strawberry.type(description="A region a ticket may name (GB/T 2260)")
class TicketPlace:
    code: str
    name: str
    parent_code: str | None


@strawberry.type
class TicketUnit:
    code: str
    name: str
    phone: str | None


@strawberry.type(description="Why the ticket went where it went")
class DispatchDecision:
    basis: DispatchBasis
    rule_set: int | None = strawberry.field(description="The published rule set version")
    rule_no: int | None
    rule_version: int | None
    explanation: str = strawberry.field(description="In words the citizen can read")


@strawberry.type(description="One dispatch of the ticket to a unit")
class TicketAssignment:
    unit_code: str
    unit_name: str
    basis: str
    note: str | None
    assigned_at: datetime
    acknowledge_by: datetime
    acknowledged_at: datetime | None
    returned_at: datetime | None
    return_reason: str | None


@strawberry.type(description="整改: what a unit must put right after a poor rating")
class Rectification:
    id: strawberry.ID
    status: str
    due_on: date
    note: str | None
    done_at: datetime | None


@strawberry.type(
    description="The caller, for the staff handling the ticket (each read is "
    "recorded and shown to the citizen)"
)
class TicketContact:
    name: str | None
    phone: str


@strawberry.type(description="One entry of a ticket's history")
class TicketEvent:
    seq: strawberry.ID
    kind: str
    title: str
    at: datetime
    data: JSON


@strawberry.type(description="A citizen's request, complaint or urgent need (诉求 / 工单)")
class Ticket:
    id: strawberry.Private[int]
    number: str = strawberry.field(description="Keypad-friendly number with a check digit")
    cursor: strawberry.ID = strawberry.field(
        description="Pass as `before` (myTickets) or `after` (ticketQueue) for the next page"
    )
    kind: TicketKind
    kind_label: str
    category_code: str
    category_name: str
    description: str
    region_code: str
    region_name: str
    latitude: float | None
    longitude: float | None
    urgency: Urgency
    urgency_label: str
    status: TicketStatus
    status_label: str
    priority: bool = strawberry.field(
        description="优先办: served first within its deadline day, with a shorter internal target"
    )
    priority_reason: PriorityReason | None
    priority_label: str | None
    target_on: date | None = strawberry.field(
        description="The unit's internal target: the deadline, earlier for priority work"
    )
    channel: str
    lead_unit: TicketUnit
    assisting_units: list[TicketUnit]
    needs_review: bool = strawberry.field(
        description="Routed by no rule or only a guess: a supervisor confirms or redispatches it"
    )
    dispatch: DispatchDecision
    deadline_profile: DeadlineProfile
    assigned_at: datetime
    acknowledge_by: datetime
    acknowledged_at: datetime | None
    due_on: date = strawberry.field(description="Last working day to handle it (Asia/Shanghai)")
    due_at: datetime
    extended_days: int
    resolved_at: datetime | None
    resolution_note: str | None
    follow_up_asks: int
    solved: bool | None = strawberry.field(description="The citizen's answer; null: none yet")
    finished_at: datetime | None
    returns_count: int
    reopen_count: int
    previous_number: str | None = strawberry.field(
        description="An earlier ticket of the same category at the same place (30 days)"
    )
    recurrence: bool
    rating: Rating | None
    rating_label: str | None
    rating_comment: str | None
    rated_at: datetime | None
    rectification: Rectification | None
    contact: TicketContact | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Every change, oldest first")
    async def timeline(self, info: Info) -> list[TicketEvent]:
        ctx = info.context
        rows = await ctx.loaders.ticket_timeline.load(self.id)
        return [_event(r, ctx.language, ctx.elder) for r in rows]

    @strawberry.field(description="Every dispatch to a unit, oldest first")
    async def assignments(self, info: Info) -> list[TicketAssignment]:
        found = await reading.assignments(info.context.deps, self.id)
        return [_assignment(a) for a in found]


P = ParamSpec("P")

_EVENT_PARAMS = (
    "number",
    "category",
    "unit",
    "from",
    "previous",
    "reason",
    "to",
    "note",
    "due",
    "rating",
    "days",
    "channel",
)


def _event(row: TicketEventRow | EventRow, language: str, elder: bool) -> TicketEvent:
    data: dict[str, Any] = row.data or {}
    params = {name: data.get(name, "") for name in _EVENT_PARAMS}
    params["from_unit"] = params.pop("from")
    if data.get("rating"):
        params["rating"] = translate(
            f"rating.{domain.Rating(int(data['rating'])).label}", language, elder=elder
        )
    for name in ("due", "to"):
        params[name] = str(params[name])[:10]
    return TicketEvent(
        seq=strawberry.ID(str(row.seq)),
        kind=row.kind,
        title=translate(f"event.{row.kind}", language, elder=elder, **params),
        at=row.created_at,
        data=as_json(row.data),
    )


def explanation(key: str, params: dict[str, Any], language: str, elder: bool) -> str:
    """The dispatch explanation in the reader's language (unit and category names as named)."""
    values = {
        name: params.get(name, "")
        for name in (
            "category",
            "region",
            "region_name",
            "unit",
            "rule",
            "version",
            "rule_set",
            "keyword",
            "suggested",
            "note",
            "returns",
        )
    }
    return translate(key, language, elder=elder, **values)


_unit = mirror(TicketUnit, views.UnitRef)
_dispatch = mirror(DispatchDecision, views.DispatchInfo, rule_set="rule_set_id", explanation=GIVEN)
_rectification = mirror(Rectification, views.RectificationView)
_contact = mirror(TicketContact, views.Contact)
_ticket = mirror(
    Ticket,
    views.TicketView,
    cursor=lambda v: strawberry.ID(str(v.id)),
    kind_label=GIVEN,
    urgency_label=GIVEN,
    status_label=GIVEN,
    priority=lambda v: v.priority_reason is not None,
    priority_label=GIVEN,
    lead_unit=_unit,
    assisting_units=_unit,
    dispatch=GIVEN,
    acknowledge_by="ack_due_at",
    due_on="handle_due_on",
    due_at="handle_due_at",
    rating_label=GIVEN,
    rectification=_rectification,
    contact=_contact,
)


def ticket_type(v: views.TicketView, language: str, elder: bool) -> Ticket:
    dispatch = v.dispatch
    reason = explanation(dispatch.reason_key, dispatch.reason_params, language, elder)
    return _ticket(
        v,
        kind_label=translate(f"ticket_kind.{v.kind.value}", language, elder=elder),
        urgency_label=translate(f"urgency.{v.urgency.value}", language, elder=elder),
        status_label=translate(f"ticket_status.{v.status.value}", language, elder=elder),
        priority_label=reason_label(v.priority_reason, language, elder),
        dispatch=_dispatch(dispatch, explanation=reason),
        rating_label=(
            translate(f"rating.{v.rating.label}", language, elder=elder)
            if v.rating is not None
            else None
        ),
    )


@strawberry.type(description="A rectification (整改) in a unit's queue")
class RectificationTask:
    id: strawberry.ID
    ticket_number: str
    unit_code: str
    unit_name: str
    category_name: str
    rating: Rating
    comment: str | None
    status: str
    due_on: date
    note: str | None


_assignment = mirror(
    TicketAssignment, reading.AssignmentRow, assigned_at="created_at", acknowledge_by="ack_due_at"
)
rectification_task = mirror(RectificationTask, reading.RectificationRow, ticket_number="number")


def int_id(raw: strawberry.ID | str) -> int:
    return parse_id(raw, "ticket.id_invalid")


# --- root fields ---------------------------------------------------------------------------------


def ticket_list(info: Info, views: list[views.TicketView]) -> list[Ticket]:
    ctx = info.context
    return [ticket_type(v, ctx.language, ctx.elder) for v in views]


async def ticket_after(
    info: Info,
    use_case: Callable[Concatenate[Deps, Actor, P], Awaitable[views.TicketView]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Ticket:
    """The ticket as a use case leaves it, run for the request's actor: what the resolvers that
    act on one ticket answer."""
    ctx = info.context
    view = await use_case(ctx.deps, ctx.actor, *args, **kwargs)
    return ticket_type(view, ctx.language, ctx.elder)


def ticket_event(row: TicketEventRow | EventRow, language: str, elder: bool) -> TicketEvent:
    """One of a ticket's events as its timeline shows it (also the live ticket queue's)."""
    return _event(row, language, elder)
