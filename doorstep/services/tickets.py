"""Tickets (诉求 / 工单): submit, dispatch, acknowledge, return and redispatch, extend, resolve,
follow up, rate, rectify.

Every use case runs in one transaction on the locked ticket row, appends ticket events and
queues notifications; nothing is half-written. The citizen's "solved" (in the app, by SMS
reply, by phone) goes through the one function `answer_follow_up`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from doorstep.domain.calendar import SHANGHAI, deadline_end, local_date
from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number, normalize_case_number
from doorstep.domain.dispatch import Basis, Facts, NoRoute
from doorstep.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.sms_reply import Question, QuestionKind, question_code
from doorstep.domain.tickets import (
    MAX_COMMENT_CHARS,
    MAX_DESCRIPTION_CHARS,
    MAX_EXTENSION_DAYS,
    MAX_EXTENSIONS,
    MAX_NOTE_CHARS,
    MAX_REASON_CHARS,
    MAX_RETURNS_BEFORE_FALLBACK,
    RECTIFICATION_DAYS,
    RECURRENCE_DAYS,
    Channel,
    DeadlineProfile,
    FilingCounts,
    FilingLimits,
    IllegalTicketTransition,
    Place,
    Rating,
    TicketAction,
    TicketKind,
    TicketStatus,
    Urgency,
    choose_profile,
    clean_text,
    deadlines,
    filing_wait,
    next_status,
    parse_follow_up_reply,
    remind_at,
    same_place,
    valid_coordinates,
)
from doorstep.services import citizen_sms, dispatch_rules, notifications
from doorstep.services.deps import Deps
from doorstep.services.tasks import visible_units
from doorstep.store import applications as app_store
from doorstep.store import tickets as store
from doorstep.store.db import Connection, transaction

_REGION = re.compile(r"[0-9]{6}([0-9]{3}){0,2}")
_CATEGORY = re.compile(r"[a-z][a-z0-9_-]{1,39}")
_STAFF_TEMPLATES_LANGUAGE = "zh_Hans"
RESOLVED_STATUSES = frozenset(
    {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CLOSED_UNCONFIRMED}
)


def now_utc() -> datetime:
    return datetime.now(UTC)


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

    @property
    def target(self) -> Target:
        units = {self.lead_unit.id: self.lead_unit.region_code}
        units.update({u.id: u.region_code for u in self.assisting_units})
        return Target(citizen_id=self.citizen_id, units=units)


@dataclass(frozen=True)
class AssignmentView:
    unit_code: str
    unit_name: str
    basis: str
    note: str | None
    assigned_at: datetime
    ack_due_at: datetime
    acknowledged_at: datetime | None
    returned_at: datetime | None
    return_reason: str | None


@dataclass(frozen=True)
class RectificationEntry:
    id: int
    ticket_number: str
    unit_code: str
    unit_name: str
    category_name: str
    rating: Rating
    comment: str | None
    status: str
    due_on: date
    note: str | None


def _view(row: asyncpg.Record, contact: Contact | None = None) -> TicketView:
    reason = row["dispatch_reason"] or {}
    rectification = None
    if row["rectification_id"] is not None:
        rectification = RectificationView(
            id=row["rectification_id"],
            status=row["rectification_status"],
            due_on=row["rectification_due_on"],
            note=row["rectification_note"],
            done_at=row["rectification_done_at"],
        )
    return TicketView(
        id=row["id"],
        number=row["number"],
        citizen_id=row["citizen_id"],
        channel=Channel(row["channel"]),
        kind=TicketKind(row["kind"]),
        category_code=row["category_code"],
        category_name=row["category_name"],
        description=row["description"],
        region_code=row["region_code"],
        region_name=row["region_name"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        urgency=Urgency(row["urgency"]),
        status=TicketStatus(row["status"]),
        lead_unit=UnitRef(
            row["lead_unit_id"],
            row["lead_unit_code"],
            row["lead_unit_name"],
            row["lead_unit_phone"],
            row["lead_unit_region_code"],
        ),
        assisting_units=tuple(
            UnitRef(a["id"], a["code"], a["name"], a["phone"], a["region_code"])
            for a in row["assisting"]
        ),
        needs_review=row["needs_review"],
        dispatch=DispatchInfo(
            basis=Basis(row["dispatch_basis"]),
            rule_set_id=row["rule_set_id"],
            rule_no=row["rule_no"],
            rule_version=row["rule_version"],
            reason_key=reason.get("key", "dispatch.reason.no_rule"),
            reason_params=reason.get("params", {}),
        ),
        deadline_profile=DeadlineProfile(row["deadline_profile"]),
        assigned_at=row["assigned_at"],
        ack_due_at=row["ack_due_at"],
        acknowledged_at=row["acknowledged_at"],
        handle_due_on=row["handle_due_on"],
        handle_due_at=row["handle_due_at"],
        extended_days=row["extended_days"],
        resolved_at=row["resolved_at"],
        resolution_note=row["resolution_note"],
        follow_up_asks=row["follow_up_asks"],
        solved=row["solved"],
        finished_at=row["finished_at"],
        returns_count=row["returns_count"],
        reopen_count=row["reopen_count"],
        previous_number=row["previous_number"],
        recurrence=row["recurrence_unit_id"] is not None,
        rating=Rating(row["rating"]) if row["rating"] is not None else None,
        rating_comment=row["rating_comment"],
        rated_at=row["rated_at"],
        rectification=rectification,
        submitted_by_staff=row["submitted_by_staff_id"] is not None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        contact=contact,
    )


async def _load(conn: Connection, ticket_id: int) -> TicketView:
    row = await store.by_id(conn, ticket_id)
    assert row is not None
    return _view(row)


def parse_number(raw: str) -> str:
    try:
        number = normalize_case_number(raw)
    except ValueError:
        raise InvalidInput("ticket.number_invalid") from None
    if not number.startswith(TICKET_PREFIX):
        raise InvalidInput("ticket.number_invalid")
    return number


def _required_text(text: str | None, limit: int, empty: str, too_long: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise InvalidInput(empty)
    if len(cleaned) > limit:
        raise InvalidInput(too_long, limit=limit)
    return cleaned


def _optional_text(text: str | None, limit: int, too_long: str) -> str | None:
    cleaned = clean_text(text)
    if len(cleaned) > limit:
        raise InvalidInput(too_long, limit=limit)
    return cleaned or None


def _move(row: asyncpg.Record, action: TicketAction) -> TicketStatus:
    current = TicketStatus(row["status"])
    try:
        return next_status(current, action)
    except IllegalTicketTransition:
        raise Conflict(
            "ticket.illegal_transition", status=current.value, action=action.value
        ) from None


async def _lock(conn: Connection, number: str) -> asyncpg.Record:
    row = await store.lock(conn, number)
    if row is None:
        raise NotFound("ticket.not_found")
    return row


def _unit_target(row: asyncpg.Record) -> Target:
    return Target.unit(row["lead_unit_id"], row["lead_unit_region_code"])


def _time_text(at: datetime) -> str:
    """An acknowledge deadline as staff read it: "11-24 14:30" (Asia/Shanghai)."""
    return at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


async def _tell_citizen(
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
    contact = await store.citizen_contact(conn, citizen_id)
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


async def _tell_unit(
    conn: Connection,
    unit_id: int,
    kind: str,
    template: str,
    params: dict[str, Any],
    urgent: bool = False,
) -> list[int]:
    return [
        await notifications.queue(
            conn,
            citizen_id=None,
            phone=phone,
            kind=kind,
            template=template,
            params=params,
            language=_STAFF_TEMPLATES_LANGUAGE,
            urgent=urgent,
        )
        for phone in await store.unit_staff_phones(conn, unit_id)
    ]


async def _tell_supervisors(
    conn: Connection,
    region_code: str,
    kind: str,
    template: str,
    params: dict[str, Any],
    urgent: bool = False,
) -> list[int]:
    return [
        await notifications.queue(
            conn,
            citizen_id=None,
            phone=phone,
            kind=kind,
            template=template,
            params=params,
            language=_STAFF_TEMPLATES_LANGUAGE,
            urgent=urgent,
        )
        for phone in await store.supervisor_phones(conn, region_code)
    ]


async def _event(
    conn: Connection,
    row: asyncpg.Record | TicketView,
    kind: str,
    actor: Actor,
    data: dict[str, Any],
) -> None:
    ticket_id = row.id if isinstance(row, TicketView) else row["id"]
    citizen_id = row.citizen_id if isinstance(row, TicketView) else row["citizen_id"]
    if actor.is_staff_side:
        actor_kind, actor_id = "staff", actor.staff_id
    elif actor.role is Role.AGENT:
        actor_kind, actor_id = "citizen", actor.agent_citizen_id
    elif actor.role is Role.CITIZEN:
        actor_kind, actor_id = "citizen", actor.citizen_id
    else:
        actor_kind, actor_id = "system", None
    await store.append_event(
        conn,
        ticket_id=ticket_id,
        citizen_id=citizen_id,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        data=data,
    )


# --- submit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketInput:
    kind: str
    category_code: str
    description: str
    region_code: str
    urgency: str = Urgency.NORMAL.value
    latitude: float | None = None
    longitude: float | None = None
    # a hotline clerk files it for this caller
    citizen_phone: str | None = None


@dataclass(frozen=True)
class _Checked:
    kind: TicketKind
    urgency: Urgency
    description: str
    category_code: str
    region_code: str
    latitude: float | None
    longitude: float | None


def _check(data: TicketInput) -> _Checked:
    try:
        kind = TicketKind(data.kind)
    except ValueError:
        raise InvalidInput("ticket.kind_unknown", kind=str(data.kind)[:20]) from None
    try:
        urgency = Urgency(data.urgency)
    except ValueError:
        raise InvalidInput("ticket.urgency_unknown", urgency=str(data.urgency)[:20]) from None
    description = _required_text(
        data.description,
        MAX_DESCRIPTION_CHARS,
        "ticket.description_empty",
        "ticket.description_too_long",
    )
    if not valid_coordinates(data.latitude, data.longitude):
        raise InvalidInput("ticket.coordinates_invalid")
    region = (data.region_code or "").strip()
    if not _REGION.fullmatch(region):
        raise InvalidInput("ticket.region_unknown", region=region[:20])
    category = (data.category_code or "").strip()
    if not _CATEGORY.fullmatch(category):
        raise InvalidInput("ticket.category_unknown", category=category[:40])
    return _Checked(kind, urgency, description, category, region, data.latitude, data.longitude)


async def _citizen_for(conn: Connection, actor: Actor, data: TicketInput) -> int:
    if data.citizen_phone is None:
        citizen_id = actor.subject_citizen_id
        assert citizen_id is not None
        return citizen_id
    try:
        phone = normalize_phone(data.citizen_phone)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    return await store.citizen_by_phone(conn, phone) or await store.create_citizen(conn, phone)


def _authorize_submit(actor: Actor, data: TicketInput) -> Channel | None:
    """The channel the actor files through (None: the caller's own channel)."""
    if data.citizen_phone is not None:
        authorize(actor, Operation.TICKET_SUBMIT_FOR_CITIZEN)
        return Channel.HOTLINE
    authorize(actor, Operation.TICKET_SUBMIT, Target(citizen_id=actor.subject_citizen_id))
    return None


def filing_limits(deps: Deps) -> FilingLimits:
    settings = deps.settings
    return FilingLimits(
        citizen_hour=settings.tickets_per_citizen_hour,
        citizen_day=settings.tickets_per_citizen_day,
        client_hour=settings.tickets_per_client_hour,
    )


async def _check_filing_limits(
    deps: Deps, conn: Connection, citizen_id: int, client_addr: str | None
) -> None:
    """Refuse a filing over the citizen's (or the address's) limit. Counted in PostgreSQL
    under a per-citizen lock, so every API process sees the same counts."""
    await store.lock_filer(conn, citizen_id, client_addr)
    row = await store.filing_counts(conn, citizen_id, client_addr)
    counts = FilingCounts(
        now=row["db_now"],
        citizen_hour=row["citizen_hour"],
        citizen_hour_first=row["citizen_hour_first"],
        citizen_day=row["citizen_day"],
        citizen_day_first=row["citizen_day_first"],
        client_hour=row["client_hour"] if client_addr else 0,
        client_hour_first=row["client_hour_first"] if client_addr else None,
    )
    wait = filing_wait(counts, filing_limits(deps))
    if wait is not None:
        raise RateLimited(
            "ticket.too_many", retry_after_seconds=wait, retry_after_minutes=math.ceil(wait / 60)
        )


async def submit_ticket(
    deps: Deps,
    actor: Actor,
    data: TicketInput,
    channel: Channel = Channel.APP,
    *,
    client_addr: str | None = None,
) -> TicketView:
    """File a ticket and dispatch it at once: by the first matching rule, or to the region's
    fallback unit for human review.

    Limited per citizen (a hotline clerk's filings count against the caller, not the clerk)
    and, for filings from the app or Open311, per client address."""
    channel = _authorize_submit(actor, data) or channel
    checked = _check(data)
    if channel is Channel.HOTLINE:
        client_addr = None  # a call centre is one address: its callers are limited by phone
    client_addr = (client_addr or "").strip()[:64] or None
    now = now_utc()
    async with transaction(deps.pool) as conn:
        category = await store.category(conn, checked.category_code)
        if category is None:
            raise InvalidInput("ticket.category_unknown", category=checked.category_code)
        if not category["active"]:
            raise InvalidInput("ticket.category_retired", category=category["name"])
        region = await store.region(conn, checked.region_code)
        if region is None:
            raise InvalidInput("ticket.region_unknown", region=checked.region_code)
        citizen_id = await _citizen_for(conn, actor, data)
        await _check_filing_limits(deps, conn, citizen_id, client_addr)
        set_id, engine = await dispatch_rules.current_engine(deps, conn)
        try:
            decision = engine.decide(
                Facts(
                    kind=checked.kind.value,
                    category=checked.category_code,
                    region_code=checked.region_code,
                    description=checked.description,
                    urgency=checked.urgency.value,
                )
            )
        except NoRoute:
            raise InvalidInput("ticket.region_unserved", region=checked.region_code) from None
        profile = choose_profile(decision.deadline_profile, checked.kind, checked.urgency)
        clock = deadlines(deps.calendar, now, checked.urgency, profile)
        previous = await _earlier_here(conn, checked, now)
        units = await store.units_by_id(
            conn, [u for u in (decision.lead_unit, decision.suggested_unit) if u]
        )
        lead = units[decision.lead_unit]
        params: dict[str, Any] = {
            "category": category["name"],
            "category_code": category["code"],
            "region": checked.region_code,
            "region_name": region["name"],
            "unit": lead["name"],
            "rule": decision.rule_no or "",
            "version": decision.rule_version or "",
            "rule_set": set_id or "",
            "keyword": decision.matched_keyword or "",
            "suggested": units[decision.suggested_unit]["name"] if decision.suggested_unit else "",
        }
        number = make_case_number(TICKET_PREFIX, await store.next_serial(conn))
        ticket_id = await store.insert_ticket(
            conn,
            number=number,
            citizen_id=citizen_id,
            submitted_by_staff_id=actor.staff_id if channel is Channel.HOTLINE else None,
            channel=channel.value,
            kind=checked.kind.value,
            category_code=checked.category_code,
            description=checked.description,
            region_code=checked.region_code,
            latitude=checked.latitude,
            longitude=checked.longitude,
            urgency=checked.urgency.value,
            status=TicketStatus.DISPATCHED.value,
            lead_unit_id=decision.lead_unit,
            assisting_unit_ids=list(decision.assisting_units),
            dispatch_basis=decision.basis.value,
            rule_set_id=set_id if decision.rule_no is not None else None,
            rule_no=decision.rule_no,
            rule_version=decision.rule_version,
            dispatch_reason={"key": decision.reason_key, "params": params},
            needs_review=decision.needs_review,
            deadline_profile=profile.value,
            assigned_at=now,
            ack_due_at=clock.ack_due_at,
            ack_remind_at=clock.ack_remind_at,
            handle_days=profile.working_days,
            handle_due_on=clock.handle_due_on,
            handle_due_at=clock.handle_due_at,
            handle_remind_at=clock.handle_remind_at,
            client_addr=client_addr,
            previous_ticket_id=previous["id"] if previous else None,
            recurrence_unit_id=(
                previous["lead_unit_id"]
                if previous and TicketStatus(previous["status"]) in RESOLVED_STATUSES
                else None
            ),
            created_at=now,
            updated_at=now,
        )
        await store.insert_assignment(
            conn,
            ticket_id=ticket_id,
            unit_id=decision.lead_unit,
            region_code=checked.region_code,
            basis=decision.basis.value,
            by_staff_id=None,
            note=None,
            ack_due_at=clock.ack_due_at,
        )
        view = await _load(conn, ticket_id)
        await _event(
            conn,
            view,
            "ticket.submitted",
            actor,
            {
                "number": number,
                "category": category["name"],
                "kind": checked.kind.value,
                "channel": channel.value,
            },
        )
        await _event(
            conn,
            view,
            "ticket.dispatched",
            actor,
            {
                "unit": lead["name"],
                "basis": decision.basis.value,
                "reason": {"key": decision.reason_key, "params": params},
            },
        )
        if previous is not None:
            await _event(
                conn,
                view,
                "ticket.linked",
                actor,
                {"previous": previous["number"], "recurrence": view.recurrence},
            )
        outbox_ids = await _tell_citizen(
            conn,
            citizen_id,
            "ticket.received",
            "sms.ticket_received",
            {"number": number, "unit": lead["name"]},
            lead["phone"] or deps.settings.support_phone,
        )
        outbox_ids += await _tell_unit(
            conn,
            decision.lead_unit,
            "ticket.dispatched",
            "sms.ticket_dispatched",
            {"number": number, "item": category["name"], "due": _time_text(clock.ack_due_at)},
            urgent=checked.urgency is Urgency.DANGER,
        )
    await deps.after_commit(outbox_ids)
    return view


async def _earlier_here(
    conn: Connection, checked: _Checked, now: datetime
) -> asyncpg.Record | None:
    """The latest ticket of the same category at the same place within 30 days."""
    here = Place(checked.region_code, checked.latitude, checked.longitude)
    for row in await store.same_place_candidates(
        conn, checked.category_code, checked.region_code, now - timedelta(days=RECURRENCE_DAYS)
    ):
        if same_place(here, Place(checked.region_code, row["latitude"], row["longitude"])):
            return row
    return None


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    description: str


async def categories(deps: Deps, actor: Actor) -> list[Category]:
    authorize(actor, Operation.CATALOG_READ)
    return [
        Category(r["code"], r["name"], r["description"]) for r in await store.categories(deps.pool)
    ]


async def get_ticket(deps: Deps, actor: Actor, raw_number: str) -> TicketView:
    number = parse_number(raw_number)
    async with deps.pool.acquire() as conn:
        row = await store.by_number(conn, number)
        if row is None:
            raise NotFound("ticket.not_found")
        view = _view(row)
        authorize(actor, Operation.TICKET_READ, view.target)
        if not actor.is_staff_side:
            return view
        contact = await store.citizen_contact(conn, view.citizen_id)
        assert contact is not None
        await app_store.record_personal_data_read(
            conn,
            citizen_id=view.citizen_id,
            reader_kind="staff",
            reader_id=actor.staff_id or 0,
            what="ticket",
            purpose="handle_ticket",
        )
    return _view(row, Contact(name=contact["name"], phone=contact["phone"]))


async def citizen_region(deps: Deps, citizen_id: int) -> str | None:
    """The region the citizen registered, for a ticket filed without a location (Open311)."""
    return await store.citizen_region(deps.pool, citizen_id)


async def my_tickets(
    deps: Deps, actor: Actor, *, limit: int = 20, before_id: int | None = None
) -> list[TicketView]:
    authorize(actor, Operation.OWN_TICKETS_LIST, Target(citizen_id=actor.subject_citizen_id))
    citizen_id = actor.subject_citizen_id
    assert citizen_id is not None
    rows = await store.of_citizen(deps.pool, citizen_id, max(1, min(limit, 100)), before_id)
    return [_view(r) for r in rows]


async def find_own(
    deps: Deps,
    actor: Actor,
    *,
    since: datetime | None = None,
    numbers: list[str] | None = None,
    categories: list[str] | None = None,
    limit: int = 200,
) -> list[TicketView]:
    """The caller's tickets filtered (Open311 GET requests)."""
    authorize(actor, Operation.OWN_TICKETS_LIST, Target(citizen_id=actor.subject_citizen_id))
    citizen_id = actor.subject_citizen_id
    assert citizen_id is not None
    rows = await store.of_citizen_since(
        deps.pool, citizen_id, since, numbers, categories, max(1, min(limit, 1000))
    )
    return [_view(r) for r in rows]


DEFAULT_QUEUE = [TicketStatus.DISPATCHED, TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED]


async def unit_queue(
    deps: Deps,
    actor: Actor,
    *,
    statuses: list[TicketStatus] | None = None,
    limit: int = 50,
    after_id: int | None = None,
) -> list[TicketView]:
    """The unit's tickets (a supervisor's: the region's), oldest first."""
    authorize(actor, Operation.TICKET_QUEUE_READ)
    units = await visible_units(deps, actor)
    wanted = [s.value for s in (statuses or DEFAULT_QUEUE)]
    rows = await store.unit_queue(deps.pool, units, wanted, max(1, min(limit, 200)), after_id)
    return [_view(r) for r in rows]


async def review_queue(deps: Deps, actor: Actor, limit: int = 50) -> list[TicketView]:
    """Returned tickets, and tickets no rule routed (or only a keyword guess), to redispatch."""
    authorize(actor, Operation.TICKET_REVIEW_QUEUE)
    units = await visible_units(deps, actor)
    rows = await store.review_queue(deps.pool, units, max(1, min(limit, 200)))
    return [_view(r) for r in rows]


async def assignments(deps: Deps, ticket_id: int) -> list[AssignmentView]:
    """A ticket's dispatches (callers have authorized the ticket)."""
    return [
        AssignmentView(
            unit_code=r["unit_code"],
            unit_name=r["unit_name"],
            basis=r["basis"],
            note=r["note"],
            assigned_at=r["created_at"],
            ack_due_at=r["ack_due_at"],
            acknowledged_at=r["acknowledged_at"],
            returned_at=r["returned_at"],
            return_reason=r["return_reason"],
        )
        for r in await store.assignments(deps.pool, ticket_id)
    ]


async def rectifications(
    deps: Deps, actor: Actor, *, open_only: bool = True, limit: int = 50
) -> list[RectificationEntry]:
    authorize(actor, Operation.TICKET_QUEUE_READ)
    units = await visible_units(deps, actor)
    statuses = ["open"] if open_only else ["open", "done"]
    rows = await store.rectifications(deps.pool, units, statuses, max(1, min(limit, 200)))
    return [
        RectificationEntry(
            id=r["id"],
            ticket_number=r["number"],
            unit_code=r["unit_code"],
            unit_name=r["unit_name"],
            category_name=r["category_name"],
            rating=Rating(r["rating"]),
            comment=r["comment"],
            status=r["status"],
            due_on=r["due_on"],
            note=r["note"],
        )
        for r in rows
    ]


# --- the unit's side: acknowledge, return, extend, resolve ---------------------------------------


async def acknowledge(deps: Deps, actor: Actor, raw_number: str) -> TicketView:
    """签收: the lead unit takes the ticket on (a fallback unit's doing so ends its review)."""
    number = parse_number(raw_number)
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_ACT, _unit_target(row))
        after = _move(row, TicketAction.ACKNOWLEDGE)
        now = now_utc()
        await store.update_ticket(
            conn, row["id"], status=after.value, acknowledged_at=now, needs_review=False
        )
        await store.acknowledge_assignment(conn, row["id"], actor.staff_id, now)
        await _event(
            conn,
            row,
            "ticket.acknowledged",
            actor,
            {"unit": row["lead_unit_name"], "in_time": now <= row["ack_due_at"]},
        )
        view = await _load(conn, row["id"])
    return view


async def _assign(
    deps: Deps,
    conn: Connection,
    row: asyncpg.Record,
    unit_id: int,
    basis: str,
    actor: Actor,
    note: str | None,
    now: datetime,
) -> datetime:
    """Give the ticket to a unit with a fresh clock (acknowledge and handle)."""
    profile = DeadlineProfile(row["deadline_profile"])
    clock = deadlines(deps.calendar, now, Urgency(row["urgency"]), profile)
    await store.insert_assignment(
        conn,
        ticket_id=row["id"],
        unit_id=unit_id,
        region_code=row["region_code"],
        basis=basis,
        by_staff_id=actor.staff_id,
        note=note,
        ack_due_at=clock.ack_due_at,
    )
    await store.update_ticket(
        conn,
        row["id"],
        status=TicketStatus.DISPATCHED.value,
        lead_unit_id=unit_id,
        assisting_unit_ids=[u for u in row["assisting_unit_ids"] if u != unit_id],
        needs_review=False,
        assigned_at=now,
        ack_due_at=clock.ack_due_at,
        ack_remind_at=clock.ack_remind_at,
        acknowledged_at=None,
        handle_days=profile.working_days,
        extended_days=0,
        extensions=0,
        handle_due_on=clock.handle_due_on,
        handle_due_at=clock.handle_due_at,
        handle_remind_at=clock.handle_remind_at,
    )
    return clock.ack_due_at


async def return_ticket(deps: Deps, actor: Actor, raw_number: str, reason: str) -> TicketView:
    """退单: the unit sends the ticket back with a reason. A supervisor redispatches it; after
    two returns it goes straight to the region's fallback unit."""
    number = parse_number(raw_number)
    text = _required_text(
        reason, MAX_REASON_CHARS, "ticket.reason_required", "ticket.reason_too_long"
    )
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_ACT, _unit_target(row))
        after = _move(row, TicketAction.RETURN)
        if row["returns_count"] >= MAX_RETURNS_BEFORE_FALLBACK:
            raise Conflict("ticket.return_limit", limit=MAX_RETURNS_BEFORE_FALLBACK)
        _set_id, engine = await dispatch_rules.current_engine(deps, conn)
        try:
            _region, fallback = engine.fallback_for(row["region_code"])
        except NoRoute:
            fallback = None
        now = now_utc()
        returns = row["returns_count"] + 1
        await store.return_assignment(conn, row["id"], actor.staff_id, text, now)
        await store.update_ticket(conn, row["id"], status=after.value, returns_count=returns)
        await _event(
            conn,
            row,
            "ticket.returned",
            actor,
            {"unit": row["lead_unit_name"], "reason": text, "returns": returns},
        )
        outbox_ids: list[int] = []
        if returns >= MAX_RETURNS_BEFORE_FALLBACK and fallback not in (None, row["lead_unit_id"]):
            assert fallback is not None
            ack_due = await _assign(deps, conn, row, fallback, "return_limit", actor, None, now)
            unit = (await store.units_by_id(conn, [fallback]))[fallback]
            await _event(
                conn,
                row,
                "ticket.dispatched",
                actor,
                {
                    "unit": unit["name"],
                    "basis": "return_limit",
                    "reason": {
                        "key": "dispatch.reason.return_limit",
                        "params": {"unit": unit["name"], "returns": returns},
                    },
                },
            )
            outbox_ids += await _tell_unit(
                conn,
                fallback,
                "ticket.dispatched",
                "sms.ticket_dispatched",
                {"number": number, "item": row["category_name"], "due": _time_text(ack_due)},
            )
        else:
            outbox_ids += await _tell_supervisors(
                conn,
                row["lead_unit_region_code"],
                "ticket.returned",
                "sms.ticket_return_review",
                {"number": number, "unit": row["lead_unit_name"], "reason": text},
            )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


async def request_extension(
    deps: Deps, actor: Actor, raw_number: str, days: int, reason: str
) -> TicketView:
    """The unit asks for more working days, with a reason, before the deadline; the citizen is
    told."""
    number = parse_number(raw_number)
    text = _required_text(
        reason, MAX_REASON_CHARS, "ticket.reason_required", "ticket.reason_too_long"
    )
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput("ticket.extension_days", limit=MAX_EXTENSION_DAYS)
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_EXTEND, _unit_target(row))
        if TicketStatus(row["status"]) not in (TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED):
            raise Conflict("ticket.extension_not_running")
        now = now_utc()
        if now > row["handle_due_at"]:
            raise Conflict("ticket.extension_too_late")
        if row["extensions"] >= MAX_EXTENSIONS:
            raise Conflict("ticket.extension_limit", limit=MAX_EXTENSIONS)
        due_after = deps.calendar.add_working_days(row["handle_due_on"], days)
        total = row["handle_days"] + row["extended_days"] + days
        await store.update_ticket(
            conn,
            row["id"],
            extended_days=row["extended_days"] + days,
            extensions=row["extensions"] + 1,
            handle_due_on=due_after,
            handle_due_at=deadline_end(due_after),
            handle_remind_at=remind_at(deps.calendar, now, due_after, total),
        )
        await store.insert_extension(
            conn,
            ticket_id=row["id"],
            unit_id=row["lead_unit_id"],
            staff_id=actor.staff_id,
            days=days,
            reason=text,
            due_before=row["handle_due_on"],
            due_after=due_after,
        )
        await _event(
            conn,
            row,
            "ticket.deadline_extended",
            actor,
            {
                "from": row["handle_due_on"].isoformat(),
                "to": due_after.isoformat(),
                "days": days,
                "reason": text,
            },
        )
        outbox_ids = await _tell_citizen(
            conn,
            row["citizen_id"],
            "ticket.deadline_extended",
            "sms.ticket_extended",
            {"number": number, "due": due_after.strftime("%m-%d"), "reason": text},
            row["lead_unit_phone"] or deps.settings.support_phone,
        )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


async def resolve(deps: Deps, actor: Actor, raw_number: str, note: str) -> TicketView:
    """办结 with a note for the citizen, who is asked at once whether it is solved."""
    number = parse_number(raw_number)
    text = _required_text(note, MAX_NOTE_CHARS, "ticket.note_required", "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_ACT, _unit_target(row))
        after = _move(row, TicketAction.RESOLVE)
        now = now_utc()
        await store.update_ticket(
            conn,
            row["id"],
            status=after.value,
            resolved_at=now,
            resolution_note=text,
            follow_up_asks=1,
            follow_up_asked_at=now,
            solved=None,
        )
        await store.insert_follow_up(conn, row["id"], row["reopen_count"], 1, now)
        await _event(
            conn,
            row,
            "ticket.resolved",
            actor,
            {"unit": row["lead_unit_name"], "note": text, "on_time": now <= row["handle_due_at"]},
        )
        outbox_ids = await _tell_citizen(
            conn,
            row["citizen_id"],
            "ticket.follow_up",
            "sms.ticket_follow_up",
            {"number": number, "reason": text},
            deps.settings.support_phone,
            extend_code=question_code(QuestionKind.TICKET_FOLLOW_UP, row["id"]),
        )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


# --- supervisors: review and redispatch ----------------------------------------------------------


async def redispatch(
    deps: Deps, actor: Actor, raw_number: str, unit_code: str, note: str | None = None
) -> TicketView:
    """A supervisor sends a ticket to a unit (a returned one, or one that awaits review).

    Naming the unit that holds it confirms its routing (a return is refused and the unit gets
    it back with a fresh clock; the return still counts against it).
    """
    number = parse_number(raw_number)
    text = _optional_text(note, MAX_REASON_CHARS, "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_REDISPATCH, _unit_target(row))
        unit = await store.unit_by_code(conn, (unit_code or "").strip()[:64])
        if unit is None:
            raise InvalidInput("ticket.unit_unknown", unit=(unit_code or "")[:40])
        authorize(actor, Operation.TICKET_REDISPATCH, Target.unit(unit["id"], unit["region_code"]))
        _move(row, TicketAction.REDISPATCH)
        now = now_utc()
        outbox_ids: list[int] = []
        if unit["id"] == row["lead_unit_id"] and row["status"] != TicketStatus.RETURNED:
            await store.update_ticket(conn, row["id"], needs_review=False)
            await _event(
                conn,
                row,
                "ticket.routing_confirmed",
                actor,
                {"unit": unit["name"], "note": text or ""},
            )
        else:
            ack_due = await _assign(deps, conn, row, unit["id"], "supervisor", actor, text, now)
            await _event(
                conn,
                row,
                "ticket.redispatched",
                actor,
                {
                    "from": row["lead_unit_name"],
                    "unit": unit["name"],
                    "note": text or "",
                    "reason": {
                        "key": "dispatch.reason.supervisor",
                        "params": {"unit": unit["name"], "note": text or ""},
                    },
                },
            )
            outbox_ids += await _tell_unit(
                conn,
                unit["id"],
                "ticket.dispatched",
                "sms.ticket_dispatched",
                {"number": number, "item": row["category_name"], "due": _time_text(ack_due)},
            )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


# --- the citizen's side: follow-up and rating ----------------------------------------------------


async def answer_follow_up(
    deps: Deps, actor: Actor, raw_number: str, solved: bool, channel: Channel = Channel.APP
) -> TicketView:
    """The citizen's answer to "solved?": solved closes it (the only way a ticket counts as
    solved); not solved reopens it to the same unit with its clock still running.

    The one entry point for the app, an SMS reply ("1" / "2", see `answer_follow_up_reply`)
    and a hotline call.
    """
    number = parse_number(raw_number)
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_FOLLOW_UP, Target(citizen_id=row["citizen_id"]))
        if TicketStatus(row["status"]) is not TicketStatus.RESOLVED:
            raise Conflict("ticket.not_awaiting_answer")
        now = now_utc()
        await store.answer_follow_up(
            conn, row["id"], row["reopen_count"], solved, channel.value, now
        )
        outbox_ids: list[int] = []
        if solved:
            after = _move(row, TicketAction.CONFIRM_SOLVED)
            await store.update_ticket(
                conn, row["id"], status=after.value, solved=True, finished_at=now
            )
            await _event(conn, row, "ticket.confirmed_solved", actor, {"channel": channel.value})
        else:
            after = _move(row, TicketAction.REPORT_UNSOLVED)
            await store.update_ticket(
                conn,
                row["id"],
                status=after.value,
                reopen_count=row["reopen_count"] + 1,
                follow_up_asks=0,
                follow_up_asked_at=None,
                resolved_at=None,
            )
            await _event(
                conn,
                row,
                "ticket.reopened",
                actor,
                {
                    "channel": channel.value,
                    "unit": row["lead_unit_name"],
                    "due": row["handle_due_on"].isoformat(),
                },
            )
            outbox_ids += await _tell_unit(
                conn,
                row["lead_unit_id"],
                "ticket.reopened",
                "sms.ticket_reopened",
                {"number": number, "due": row["handle_due_on"].strftime("%m-%d")},
            )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


async def awaiting_answer(
    deps: Deps, citizen_id: int, question: Question | None = None
) -> str | None:
    """The number of the citizen's ticket an SMS reply would answer: the one the reply names
    (by the extend code of the follow-up SMS), else the one asked last."""
    rows = await store.awaiting_answer(deps.pool, citizen_id)
    named = [
        r
        for r in rows
        if question is not None and question.asks_about(QuestionKind.TICKET_FOLLOW_UP, r["id"])
    ]
    chosen = (named or rows)[:1]
    return chosen[0]["number"] if chosen else None


async def answer_follow_up_reply(
    deps: Deps,
    citizen_id: int,
    text: str,
    channel: Channel = Channel.SMS,
    question: Question | None = None,
) -> TicketView | None:
    """For the inbound-SMS handler: "1" / "2" (and their variants) from a citizen's phone.

    Returns None when the text is not such an answer or nothing awaits one; the handler then
    treats the message as something else.
    """
    solved = parse_follow_up_reply(text)
    if solved is None:
        return None
    number = await awaiting_answer(deps, citizen_id, question)
    if number is None:
        return None
    actor = Actor(role=Role.CITIZEN, citizen_id=citizen_id)
    return await answer_follow_up(deps, actor, number, solved, channel)


async def rate(
    deps: Deps, actor: Actor, raw_number: str, rating: Rating, comment: str | None = None
) -> TicketView:
    """好差评, once per ticket once it is resolved; 不满意 or worse opens a rectification (整改)
    for the unit with its own deadline."""
    number = parse_number(raw_number)
    text = _optional_text(comment, MAX_COMMENT_CHARS, "ticket.comment_too_long")
    async with transaction(deps.pool) as conn:
        row = await _lock(conn, number)
        authorize(actor, Operation.TICKET_RATE, Target(citizen_id=row["citizen_id"]))
        if TicketStatus(row["status"]) not in RESOLVED_STATUSES:
            raise Conflict("ticket.not_rateable")
        if row["rating"] is not None:
            raise Conflict("ticket.already_rated")
        now = now_utc()
        await store.update_ticket(
            conn, row["id"], rating=int(rating), rating_comment=text, rated_at=now
        )
        await _event(conn, row, "ticket.rated", actor, {"rating": int(rating)})
        outbox_ids: list[int] = []
        if rating.opens_rectification:
            today = local_date(now)
            due_on = deps.calendar.add_working_days(today, RECTIFICATION_DAYS)
            await store.insert_rectification(
                conn,
                ticket_id=row["id"],
                unit_id=row["lead_unit_id"],
                rating=int(rating),
                comment=text,
                due_on=due_on,
                due_at=deadline_end(due_on),
                remind_at=remind_at(deps.calendar, now, due_on, RECTIFICATION_DAYS),
            )
            await _event(
                conn,
                row,
                "ticket.rectification_opened",
                actor,
                {"unit": row["lead_unit_name"], "due": due_on.isoformat()},
            )
            outbox_ids += await _tell_unit(
                conn,
                row["lead_unit_id"],
                "ticket.rectification",
                "sms.rectification_opened",
                {"number": number, "due": due_on.strftime("%m-%d")},
            )
        view = await _load(conn, row["id"])
    await deps.after_commit(outbox_ids)
    return view


async def complete_rectification(
    deps: Deps, actor: Actor, rectification_id: int, note: str
) -> TicketView:
    text = _required_text(note, MAX_NOTE_CHARS, "ticket.note_required", "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        rect = await store.lock_rectification(conn, rectification_id)
        if rect is None:
            raise NotFound("rectification.not_found")
        authorize(
            actor,
            Operation.RECTIFICATION_ACT,
            Target.unit(rect["unit_id"], rect["unit_region_code"]),
        )
        if rect["status"] != "open":
            raise Conflict("rectification.already_done")
        await store.finish_rectification(conn, rectification_id, text, actor.staff_id)
        await store.append_event(
            conn,
            ticket_id=rect["ticket_id"],
            citizen_id=rect["citizen_id"],
            kind="ticket.rectification_done",
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"note": text},
        )
        view = await _load(conn, rect["ticket_id"])
    return view
