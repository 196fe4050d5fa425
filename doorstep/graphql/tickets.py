"""Tickets (诉求 / 工单): citizens file and follow them; units acknowledge, return, extend and
resolve; supervisors review, redispatch and manage the dispatch rules; everyone on the staff
side sees the figures for their unit or region. Thin resolvers over `services.tickets`,
`services.dispatch_rules` and `services.ticket_rates`."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from doorstep.domain import tickets as domain
from doorstep.domain.errors import InvalidInput
from doorstep.graphql.context import Info
from doorstep.i18n import translate
from doorstep.services import dispatch_rules as rules_service
from doorstep.services import ticket_catalog as catalog
from doorstep.services import ticket_rates
from doorstep.services import tickets as service


@strawberry.enum(description="What the citizen wants: 咨询, 求助, 投诉, 举报, 建议")
class TicketKind(Enum):
    ENQUIRY = "enquiry"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"


@strawberry.enum(description="DANGER: life or property at risk (acknowledged within 2 hours)")
class Urgency(Enum):
    NORMAL = "normal"
    URGENT = "urgent"
    DANGER = "danger"


@strawberry.enum(description="Where a ticket stands")
class TicketStatus(Enum):
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    RETURNED = "returned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    CLOSED_UNCONFIRMED = "closed_unconfirmed"


@strawberry.enum(description="好差评: the five levels")
class Rating(Enum):
    VERY_SATISFIED = 5
    SATISFIED = 4
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1


@strawberry.enum(description="How a ticket was routed")
class DispatchBasis(Enum):
    RULE = "rule"
    KEYWORD_GUESS = "keyword_guess"
    NO_RULE = "no_rule"


@strawberry.enum(
    description="How many working days a unit has: urgent 0 (same day), "
    "enquiry 1, help 3, complaint 13"
)
class DeadlineProfile(Enum):
    URGENT = "urgent"
    ENQUIRY = "enquiry"
    HELP = "help"
    COMPLAINT = "complaint"


@strawberry.enum
class RatesGroupBy(Enum):
    UNIT = "unit"
    REGION = "region"


@strawberry.type(description="What a ticket can be about")
class TicketCategory:
    code: str
    name: str
    description: str


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
        found = await service.assignments(info.context.deps, self.id)
        return [
            TicketAssignment(
                unit_code=a.unit_code,
                unit_name=a.unit_name,
                basis=a.basis,
                note=a.note,
                assigned_at=a.assigned_at,
                acknowledge_by=a.ack_due_at,
                acknowledged_at=a.acknowledged_at,
                returned_at=a.returned_at,
                return_reason=a.return_reason,
            )
            for a in found
        ]


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


def _event(row: Any, language: str, elder: bool) -> TicketEvent:
    data: dict[str, Any] = row["data"] or {}
    params = {name: data.get(name, "") for name in _EVENT_PARAMS}
    params["from_unit"] = params.pop("from")
    if data.get("rating"):
        params["rating"] = translate(
            f"rating.{domain.Rating(int(data['rating'])).label}", language, elder=elder
        )
    for name in ("due", "to"):
        params[name] = str(params[name])[:10]
    return TicketEvent(
        seq=strawberry.ID(str(row["seq"])),
        kind=row["kind"],
        title=translate(f"event.{row['kind']}", language, elder=elder, **params),
        at=row["created_at"],
        data=row["data"],
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


def _unit(u: service.UnitRef) -> TicketUnit:
    return TicketUnit(code=u.code, name=u.name, phone=u.phone)


def ticket_type(v: service.TicketView, language: str, elder: bool) -> Ticket:
    rect = v.rectification
    return Ticket(
        id=v.id,
        number=v.number,
        cursor=strawberry.ID(str(v.id)),
        kind=TicketKind(v.kind.value),
        kind_label=translate(f"ticket_kind.{v.kind.value}", language, elder=elder),
        category_code=v.category_code,
        category_name=v.category_name,
        description=v.description,
        region_code=v.region_code,
        region_name=v.region_name,
        latitude=v.latitude,
        longitude=v.longitude,
        urgency=Urgency(v.urgency.value),
        urgency_label=translate(f"urgency.{v.urgency.value}", language, elder=elder),
        status=TicketStatus(v.status.value),
        status_label=translate(f"ticket_status.{v.status.value}", language, elder=elder),
        channel=v.channel.value,
        lead_unit=_unit(v.lead_unit),
        assisting_units=[_unit(u) for u in v.assisting_units],
        needs_review=v.needs_review,
        dispatch=DispatchDecision(
            basis=DispatchBasis(v.dispatch.basis.value),
            rule_set=v.dispatch.rule_set_id,
            rule_no=v.dispatch.rule_no,
            rule_version=v.dispatch.rule_version,
            explanation=explanation(
                v.dispatch.reason_key, v.dispatch.reason_params, language, elder
            ),
        ),
        deadline_profile=DeadlineProfile(v.deadline_profile.value),
        assigned_at=v.assigned_at,
        acknowledge_by=v.ack_due_at,
        acknowledged_at=v.acknowledged_at,
        due_on=v.handle_due_on,
        due_at=v.handle_due_at,
        extended_days=v.extended_days,
        resolved_at=v.resolved_at,
        resolution_note=v.resolution_note,
        follow_up_asks=v.follow_up_asks,
        solved=v.solved,
        finished_at=v.finished_at,
        returns_count=v.returns_count,
        reopen_count=v.reopen_count,
        previous_number=v.previous_number,
        recurrence=v.recurrence,
        rating=Rating(int(v.rating)) if v.rating is not None else None,
        rating_label=(
            translate(f"rating.{v.rating.label}", language, elder=elder)
            if v.rating is not None
            else None
        ),
        rating_comment=v.rating_comment,
        rated_at=v.rated_at,
        rectification=Rectification(
            id=strawberry.ID(str(rect.id)),
            status=rect.status,
            due_on=rect.due_on,
            note=rect.note,
            done_at=rect.done_at,
        )
        if rect
        else None,
        contact=TicketContact(name=v.contact.name, phone=v.contact.phone) if v.contact else None,
        created_at=v.created_at,
        updated_at=v.updated_at,
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


@strawberry.input(description="A ticket. A hotline clerk gives the caller's phone number")
class SubmitTicketInput:
    kind: TicketKind
    category_code: str
    description: str
    region_code: str = strawberry.field(description="GB/T 2260 code, 6, 9 or 12 digits")
    urgency: Urgency = Urgency.NORMAL
    latitude: float | None = None
    longitude: float | None = None
    citizen_phone: str | None = strawberry.field(
        default=None, description="Staff only: the caller the ticket is filed for"
    )


def _int_id(raw: strawberry.ID | str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput("ticket.id_invalid") from None
    if not 0 < value < 2**63:
        raise InvalidInput("ticket.id_invalid")
    return value


# --- dispatch rules ------------------------------------------------------------------------------


@strawberry.type(description="A dispatch rule: conditions (empty = any) and where it sends")
class DispatchRule:
    rule_no: int
    version: int
    priority: int = strawberry.field(description="Rules are tried from priority 1 upwards")
    kinds: list[str]
    categories: list[str]
    region_prefixes: list[str]
    keywords: list[str]
    urgencies: list[str]
    lead_unit_code: str
    lead_unit_name: str
    assisting_unit_codes: list[str]
    deadline_profile: DeadlineProfile | None
    note: str
    is_guess: bool = strawberry.field(
        description="Keywords without a category: its tickets go to review with a suggestion"
    )


@strawberry.type(description="Why a rule set cannot be published, or what to look at again")
class RuleProblem:
    rule_no: int | None
    code: str
    message: str


@strawberry.type(description="A version of the dispatch rules")
class DispatchRuleSet:
    id: int
    status: str
    base_id: int | None
    note: str
    published_at: datetime | None
    rules: list[DispatchRule]
    warnings: list[RuleProblem]
    stale: bool = strawberry.field(description="A draft copied from a set no longer published")
    current_warnings: list[RuleProblem] = strawberry.field(
        description="The warnings as the catalog stands now (for a published set: units that "
        "stopped serving what a rule sends them, retired categories)"
    )


@strawberry.type(description="A recent ticket the draft would route differently")
class RoutingChange:
    number: str
    category_code: str
    region_code: str
    before_unit: str
    after_unit: str
    before_basis: DispatchBasis
    after_basis: DispatchBasis
    before_rule: int | None
    after_rule: int | None


@strawberry.type
class DryRunResult:
    since: datetime
    tickets_in_period: int
    examined: int
    changed: int
    to_review_before: int
    to_review_after: int
    changes: list[RoutingChange]
    errors: list[RuleProblem]
    warnings: list[RuleProblem]


@strawberry.type
class PublishRulesResult:
    rule_set: DispatchRuleSet
    warnings: list[RuleProblem]
    changed_rules: list[int]


@strawberry.input(description="A rule for the draft; with ruleNo it changes that rule")
class DispatchRuleInput:
    priority: int
    lead_unit_code: str
    rule_no: int | None = None
    kinds: list[TicketKind] = strawberry.field(default_factory=list)
    categories: list[str] = strawberry.field(default_factory=list)
    region_prefixes: list[str] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(default_factory=list)
    urgencies: list[Urgency] = strawberry.field(default_factory=list)
    assisting_unit_codes: list[str] = strawberry.field(default_factory=list)
    deadline_profile: DeadlineProfile | None = None
    note: str = ""


def _problem(
    p: rules_service.ProblemView, language: str, elder: bool, *, error: bool
) -> RuleProblem:
    params = {k: str(v) for k, v in p.params.items()}
    params["rule"] = str(p.rule_no or "")
    key = f"error.dispatch_rule.{p.code}" if error else f"dispatch_warning.{p.code}"
    return RuleProblem(
        rule_no=p.rule_no, code=p.code, message=translate(key, language, elder=elder, **params)
    )


def _rule(r: rules_service.RuleView) -> DispatchRule:
    return DispatchRule(
        rule_no=r.rule_no,
        version=r.version,
        priority=r.priority,
        kinds=list(r.kinds),
        categories=list(r.categories),
        region_prefixes=list(r.region_prefixes),
        keywords=list(r.keywords),
        urgencies=list(r.urgencies),
        lead_unit_code=r.lead_unit_code,
        lead_unit_name=r.lead_unit_name,
        assisting_unit_codes=list(r.assisting_unit_codes),
        deadline_profile=DeadlineProfile(r.deadline_profile) if r.deadline_profile else None,
        note=r.note,
        is_guess=r.is_guess,
    )


def _rule_set(s: rules_service.RuleSetView, language: str, elder: bool) -> DispatchRuleSet:
    return DispatchRuleSet(
        id=s.id,
        status=s.status,
        base_id=s.base_id,
        note=s.note,
        published_at=s.published_at,
        rules=[_rule(r) for r in s.rules],
        warnings=[_problem(w, language, elder, error=False) for w in s.warnings],
        stale=s.stale,
        current_warnings=[_problem(w, language, elder, error=False) for w in s.current_warnings],
    )


# --- figures -------------------------------------------------------------------------------------


@strawberry.type(
    description="One unit's or region's figures for a period; rates are 0..1, "
    "null when there is nothing to divide by"
)
class TicketRates:
    code: str
    name: str
    assigned: int
    responded_in_time: int
    response_rate: float | None
    finished: int
    solved: int = strawberry.field(description="Confirmed solved by the citizen")
    resolution_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    on_time: int
    on_time_rate: float | None
    returns: int
    reopened: int
    reopen_rate: float | None
    recurrences: int
    recurrence_rate: float | None
    open_overdue: int


def _rates(r: ticket_rates.Rates) -> TicketRates:
    return TicketRates(
        code=r.code,
        name=r.name,
        assigned=r.assigned,
        responded_in_time=r.responded_in_time,
        response_rate=r.response_rate,
        finished=r.finished,
        solved=r.solved,
        resolution_rate=r.resolution_rate,
        rated=r.rated,
        satisfied=r.satisfied,
        satisfaction_rate=r.satisfaction_rate,
        on_time=r.on_time,
        on_time_rate=r.on_time_rate,
        returns=r.returns,
        reopened=r.reopened,
        reopen_rate=r.reopen_rate,
        recurrences=r.recurrences,
        recurrence_rate=r.recurrence_rate,
        open_overdue=r.open_overdue,
    )


@strawberry.type(description="A unit slipping this week, with what gives it away")
class SlippingUnit:
    this_week: TicketRates
    last_week: TicketRates | None
    signals: list[str]


# --- the ticket catalog --------------------------------------------------------------------------


@strawberry.type(description="A category as supervisors and the admin see it")
class ManagedTicketCategory:
    code: str
    name: str
    description: str
    position: int
    active: bool = strawberry.field(description="False once retired: no new tickets")
    retired_at: datetime | None
    tickets: int = strawberry.field(description="Tickets that name it")
    open_tickets: int


@strawberry.type
class TicketCategoryChange:
    category: ManagedTicketCategory
    warnings: list[RuleProblem] = strawberry.field(
        description="Published rules this change concerns, e.g. ones that can no longer match"
    )


@strawberry.type(description="One category a unit serves in the regions under a code")
class ServiceArea:
    category_code: str
    category_name: str
    category_active: bool
    region_code: str
    region_name: str | None


@strawberry.type(description="What a unit serves")
class UnitServiceAreas:
    unit: TicketUnit
    region_code: str
    areas: list[ServiceArea]
    warnings: list[RuleProblem] = strawberry.field(
        description="Published rules that send this unit work it does not serve"
    )


@strawberry.input(
    description="A category the unit serves in a region (6, 9 or 12 digits) and "
    "every region under it"
)
class ServiceAreaInput:
    category_code: str
    region_code: str


@strawberry.input
class TicketCategoryInput:
    code: str = strawberry.field(description="Lower-case letters, digits, _ or -; 2 to 40")
    name: str
    description: str = ""
    position: int | None = strawberry.field(
        default=None, description="Place in the list (default: last)"
    )


@strawberry.type(description="A region (GB/T 2260) and the unit its unrouted tickets go to")
class TicketRegion:
    code: str
    name: str
    parent_code: str | None
    fallback_unit: TicketUnit | None = strawberry.field(
        description="Its own; null: the region above decides"
    )
    effective_fallback_unit: TicketUnit | None


def _managed(c: catalog.CategoryView) -> ManagedTicketCategory:
    return ManagedTicketCategory(
        code=c.code,
        name=c.name,
        description=c.description,
        position=c.position,
        active=c.active,
        retired_at=c.retired_at,
        tickets=c.tickets,
        open_tickets=c.open_tickets,
    )


def _catalog_unit(u: catalog.UnitInfo | None) -> TicketUnit | None:
    return TicketUnit(code=u.code, name=u.name, phone=u.phone) if u is not None else None


def _problems(found: tuple[rules_service.ProblemView, ...], info: Info) -> list[RuleProblem]:
    return [_problem(p, info.context.language, info.context.elder, error=False) for p in found]


def _unit_areas(v: catalog.UnitAreasView, info: Info) -> UnitServiceAreas:
    return UnitServiceAreas(
        unit=TicketUnit(code=v.unit.code, name=v.unit.name, phone=v.unit.phone),
        region_code=v.unit.region_code,
        areas=[
            ServiceArea(
                category_code=a.category_code,
                category_name=a.category_name,
                category_active=a.category_active,
                region_code=a.region_code,
                region_name=a.region_name,
            )
            for a in v.areas
        ],
        warnings=_problems(v.warnings, info),
    )


def _region(r: catalog.RegionView) -> TicketRegion:
    return TicketRegion(
        code=r.code,
        name=r.name,
        parent_code=r.parent_code,
        fallback_unit=_catalog_unit(r.fallback_unit),
        effective_fallback_unit=_catalog_unit(r.effective_fallback),
    )


# --- root fields ---------------------------------------------------------------------------------


def _tickets(info: Info, views: list[service.TicketView]) -> list[Ticket]:
    ctx = info.context
    return [ticket_type(v, ctx.language, ctx.elder) for v in views]


def _one(info: Info, view: service.TicketView) -> Ticket:
    return ticket_type(view, info.context.language, info.context.elder)


@strawberry.type
class TicketsQuery:
    @strawberry.field(description="What tickets can be about")
    async def ticket_categories(self, info: Info) -> list[TicketCategory]:
        ctx = info.context
        return [
            TicketCategory(code=c.code, name=c.name, description=c.description)
            for c in await service.categories(ctx.deps, ctx.actor)
        ]

    @strawberry.field(description="The signed-in citizen's tickets, newest first")
    async def my_tickets(
        self, info: Info, first: int = 20, before: strawberry.ID | None = None
    ) -> list[Ticket]:
        ctx = info.context
        views = await service.my_tickets(
            ctx.deps, ctx.actor, limit=first, before_id=_int_id(before) if before else None
        )
        return _tickets(info, views)

    @strawberry.field(description="One ticket by its number")
    async def ticket(self, info: Info, number: str) -> Ticket:
        ctx = info.context
        return _one(info, await service.get_ticket(ctx.deps, ctx.actor, number))

    @strawberry.field(description="Staff: their unit's tickets (supervisors: the region's)")
    async def ticket_queue(
        self,
        info: Info,
        statuses: list[TicketStatus] | None = None,
        first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[Ticket]:
        ctx = info.context
        wanted = [domain.TicketStatus(s.value) for s in statuses] if statuses else None
        views = await service.unit_queue(
            ctx.deps,
            ctx.actor,
            statuses=wanted,
            limit=first,
            after_id=_int_id(after) if after else None,
        )
        return _tickets(info, views)

    @strawberry.field(description="Supervisors: returned tickets and tickets no rule routed")
    async def ticket_review_queue(self, info: Info, first: int = 50) -> list[Ticket]:
        ctx = info.context
        return _tickets(info, await service.review_queue(ctx.deps, ctx.actor, first))

    @strawberry.field(description="Staff: rectifications (整改) their unit owes")
    async def rectification_tasks(
        self, info: Info, open_only: bool = True, first: int = 50
    ) -> list[RectificationTask]:
        ctx = info.context
        found = await service.rectifications(ctx.deps, ctx.actor, open_only=open_only, limit=first)
        return [
            RectificationTask(
                id=strawberry.ID(str(r.id)),
                ticket_number=r.ticket_number,
                unit_code=r.unit_code,
                unit_name=r.unit_name,
                category_name=r.category_name,
                rating=Rating(int(r.rating)),
                comment=r.comment,
                status=r.status,
                due_on=r.due_on,
                note=r.note,
            )
            for r in found
        ]

    @strawberry.field(description="Supervisors: a published rule set (default: the current)")
    async def dispatch_rule_set(self, info: Info, id: int | None = None) -> DispatchRuleSet | None:
        ctx = info.context
        found = await rules_service.rule_set(ctx.deps, ctx.actor, id)
        return _rule_set(found, ctx.language, ctx.elder) if found else None

    @strawberry.field(description="Supervisors: my draft of the rules, with its warnings")
    async def dispatch_rule_draft(self, info: Info) -> DispatchRuleSet | None:
        ctx = info.context
        found = await rules_service.my_draft(ctx.deps, ctx.actor)
        return _rule_set(found, ctx.language, ctx.elder) if found else None

    @strawberry.field(
        description="Supervisors: what my draft would route differently over the "
        "last days' tickets of my region"
    )
    async def dry_run_dispatch_rules(self, info: Info, days: int = 30) -> DryRunResult:
        ctx = info.context
        run = await rules_service.dry_run(ctx.deps, ctx.actor, days)
        return DryRunResult(
            since=run.since,
            tickets_in_period=run.tickets_in_period,
            examined=run.examined,
            changed=run.changed,
            to_review_before=run.to_review_before,
            to_review_after=run.to_review_after,
            changes=[
                RoutingChange(
                    number=c.number,
                    category_code=c.category_code,
                    region_code=c.region_code,
                    before_unit=c.before_unit,
                    after_unit=c.after_unit,
                    before_basis=DispatchBasis(c.before_basis.value),
                    after_basis=DispatchBasis(c.after_basis.value),
                    before_rule=c.before_rule,
                    after_rule=c.after_rule,
                )
                for c in run.changes
            ],
            errors=[_problem(p, ctx.language, ctx.elder, error=True) for p in run.errors],
            warnings=[_problem(p, ctx.language, ctx.elder, error=False) for p in run.warnings],
        )

    @strawberry.field(
        description="Supervisors and the admin: every category, retired ones "
        "too, with how many tickets name it"
    )
    async def ticket_catalog_categories(
        self, info: Info, include_retired: bool = True
    ) -> list[ManagedTicketCategory]:
        ctx = info.context
        return [
            _managed(c)
            for c in await catalog.list_categories(
                ctx.deps, ctx.actor, include_retired=include_retired
            )
        ]

    @strawberry.field(
        description="Supervisors (units of their region) and the admin: what a unit serves"
    )
    async def unit_service_areas(self, info: Info, unit_code: str) -> UnitServiceAreas:
        ctx = info.context
        return _unit_areas(await catalog.unit_service_areas(ctx.deps, ctx.actor, unit_code), info)

    @strawberry.field(
        description="Supervisors (their region) and the admin: regions and their fallback units"
    )
    async def ticket_regions(self, info: Info, under: str | None = None) -> list[TicketRegion]:
        ctx = info.context
        return [_region(r) for r in await catalog.regions(ctx.deps, ctx.actor, under)]

    @strawberry.field(
        description="Response, resolution, satisfaction and on-time rates, "
        "returns, reopens and recurrences for the days since..until"
    )
    async def ticket_rates(
        self,
        info: Info,
        since: date,
        until: date,
        group_by: RatesGroupBy = RatesGroupBy.UNIT,
        region_level: int = 6,
    ) -> list[TicketRates]:
        ctx = info.context
        found = await ticket_rates.rates(
            ctx.deps, ctx.actor, since, until, group_by.value, region_level
        )
        return [_rates(r) for r in found]

    @strawberry.field(
        description="Units slipping this week: rates down on last week or under "
        "90%, returns, or overdue tickets now"
    )
    async def slipping_units(self, info: Info) -> list[SlippingUnit]:
        ctx = info.context
        return [
            SlippingUnit(
                this_week=_rates(s.this_week),
                last_week=_rates(s.last_week) if s.last_week else None,
                signals=list(s.signals),
            )
            for s in await ticket_rates.slipping_units(ctx.deps, ctx.actor)
        ]


@strawberry.type
class TicketsMutation:
    @strawberry.mutation(description="File a ticket; it is dispatched at once")
    async def submit_ticket(self, info: Info, input: SubmitTicketInput) -> Ticket:
        ctx = info.context
        data = service.TicketInput(
            kind=input.kind.value,
            category_code=input.category_code,
            description=input.description,
            region_code=input.region_code,
            urgency=input.urgency.value,
            latitude=input.latitude,
            longitude=input.longitude,
            citizen_phone=input.citizen_phone,
        )
        return _one(
            info,
            await service.submit_ticket(ctx.deps, ctx.actor, data, client_addr=ctx.client_addr),
        )

    @strawberry.mutation(description="The lead unit acknowledges (签收) the ticket")
    async def acknowledge_ticket(self, info: Info, number: str) -> Ticket:
        ctx = info.context
        return _one(info, await service.acknowledge(ctx.deps, ctx.actor, number))

    @strawberry.mutation(description="The lead unit returns (退单) the ticket, with a reason")
    async def return_ticket(self, info: Info, number: str, reason: str) -> Ticket:
        ctx = info.context
        return _one(info, await service.return_ticket(ctx.deps, ctx.actor, number, reason))

    @strawberry.mutation(
        description="Supervisors: send the ticket to a unit (naming the unit "
        "that holds it confirms its routing)"
    )
    async def redispatch_ticket(
        self, info: Info, number: str, unit_code: str, note: str | None = None
    ) -> Ticket:
        ctx = info.context
        return _one(info, await service.redispatch(ctx.deps, ctx.actor, number, unit_code, note))

    @strawberry.mutation(
        description="The lead unit asks for more working days before the "
        "deadline; the citizen is told"
    )
    async def extend_ticket(self, info: Info, number: str, days: int, reason: str) -> Ticket:
        ctx = info.context
        return _one(
            info, await service.request_extension(ctx.deps, ctx.actor, number, days, reason)
        )

    @strawberry.mutation(
        description="The lead unit resolves (办结) it with a note for the "
        "citizen, who is asked whether it is solved"
    )
    async def resolve_ticket(self, info: Info, number: str, note: str) -> Ticket:
        ctx = info.context
        return _one(info, await service.resolve(ctx.deps, ctx.actor, number, note))

    @strawberry.mutation(description="The citizen: solved, or not (it reopens)")
    async def answer_follow_up(self, info: Info, number: str, solved: bool) -> Ticket:
        ctx = info.context
        return _one(info, await service.answer_follow_up(ctx.deps, ctx.actor, number, solved))

    @strawberry.mutation(
        description="The citizen rates it (好差评); 不满意 or worse opens a "
        "rectification for the unit"
    )
    async def rate_ticket(
        self, info: Info, number: str, rating: Rating, comment: str | None = None
    ) -> Ticket:
        ctx = info.context
        return _one(
            info,
            await service.rate(ctx.deps, ctx.actor, number, domain.Rating(rating.value), comment),
        )

    @strawberry.mutation(description="Staff: the rectification is done, with a note")
    async def complete_rectification(self, info: Info, id: strawberry.ID, note: str) -> Ticket:
        ctx = info.context
        return _one(
            info, await service.complete_rectification(ctx.deps, ctx.actor, _int_id(id), note)
        )

    @strawberry.mutation(description="Supervisors: add a rule to my draft, or change one")
    async def save_dispatch_rule(self, info: Info, input: DispatchRuleInput) -> DispatchRuleSet:
        ctx = info.context
        data = rules_service.RuleInput(
            priority=input.priority,
            lead_unit_code=input.lead_unit_code,
            rule_no=input.rule_no,
            kinds=tuple(k.value for k in input.kinds),
            categories=tuple(input.categories),
            region_prefixes=tuple(input.region_prefixes),
            keywords=tuple(input.keywords),
            urgencies=tuple(u.value for u in input.urgencies),
            assisting_unit_codes=tuple(input.assisting_unit_codes),
            deadline_profile=input.deadline_profile.value if input.deadline_profile else None,
            note=input.note,
        )
        found = await rules_service.save_rule(ctx.deps, ctx.actor, data)
        return _rule_set(found, ctx.language, ctx.elder)

    @strawberry.mutation(description="Supervisors: drop a rule from my draft")
    async def remove_dispatch_rule(self, info: Info, rule_no: int) -> DispatchRuleSet:
        ctx = info.context
        found = await rules_service.remove_rule(ctx.deps, ctx.actor, rule_no)
        return _rule_set(found, ctx.language, ctx.elder)

    @strawberry.mutation(description="Supervisors: throw my draft away")
    async def discard_dispatch_rule_draft(self, info: Info) -> bool:
        ctx = info.context
        return await rules_service.discard_draft(ctx.deps, ctx.actor)

    @strawberry.mutation(
        description="Supervisors: publish my draft as the new rule set; "
        "refused if invalid or stale, published with warnings"
    )
    async def publish_dispatch_rules(self, info: Info, note: str = "") -> PublishRulesResult:
        ctx = info.context
        result = await rules_service.publish(ctx.deps, ctx.actor, note)
        return PublishRulesResult(
            rule_set=_rule_set(result.rule_set, ctx.language, ctx.elder),
            warnings=[_problem(w, ctx.language, ctx.elder, error=False) for w in result.warnings],
            changed_rules=list(result.changed_rules),
        )

    @strawberry.mutation(description="Admin: a new ticket category, offered to citizens at once")
    async def create_ticket_category(
        self, info: Info, input: TicketCategoryInput
    ) -> ManagedTicketCategory:
        ctx = info.context
        return _managed(
            await catalog.create_category(
                ctx.deps, ctx.actor, input.code, input.name, input.description, input.position
            )
        )

    @strawberry.mutation(
        description="Admin: rename a category (or change its description or "
        "place); tickets show the new name"
    )
    async def update_ticket_category(
        self,
        info: Info,
        code: str,
        name: str | None = None,
        description: str | None = None,
        position: int | None = None,
    ) -> ManagedTicketCategory:
        ctx = info.context
        return _managed(
            await catalog.update_category(
                ctx.deps, ctx.actor, code, name=name, description=description, position=position
            )
        )

    @strawberry.mutation(
        description="Admin: retire a category: no new tickets; the tickets that name it keep it"
    )
    async def retire_ticket_category(self, info: Info, code: str) -> TicketCategoryChange:
        ctx = info.context
        change = await catalog.set_category_active(ctx.deps, ctx.actor, code, False)
        return TicketCategoryChange(
            category=_managed(change.category), warnings=_problems(change.warnings, info)
        )

    @strawberry.mutation(description="Admin: offer a retired category again")
    async def reinstate_ticket_category(self, info: Info, code: str) -> TicketCategoryChange:
        ctx = info.context
        change = await catalog.set_category_active(ctx.deps, ctx.actor, code, True)
        return TicketCategoryChange(
            category=_managed(change.category), warnings=_problems(change.warnings, info)
        )

    @strawberry.mutation(
        description="Supervisors (units of their region) and the admin: the "
        "unit serves exactly these within the caller's region"
    )
    async def set_unit_service_areas(
        self, info: Info, unit_code: str, areas: list[ServiceAreaInput]
    ) -> UnitServiceAreas:
        ctx = info.context
        found = await catalog.set_unit_service_areas(
            ctx.deps, ctx.actor, unit_code, [(a.category_code, a.region_code) for a in areas]
        )
        return _unit_areas(found, info)

    @strawberry.mutation(
        description="Supervisors (their region) and the admin: the unit that "
        "takes a region's unrouted tickets (null: the region above "
        "decides)"
    )
    async def set_region_fallback_unit(
        self, info: Info, region_code: str, unit_code: str | None = None
    ) -> TicketRegion:
        ctx = info.context
        return _region(
            await catalog.set_region_fallback(ctx.deps, ctx.actor, region_code, unit_code)
        )
