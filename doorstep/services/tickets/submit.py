"""Filing a ticket (app, Open311, hotline): checks, the filing limits, routing by the dispatch
rules, recurrence at the same place, and the notices of a new ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.calendar import local_date, minute_text
from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number
from doorstep.domain.dispatch import Facts, NoRoute
from doorstep.domain.errors import Forbidden, InvalidInput
from doorstep.domain.identity import may_receive_login_code, normalize_phone
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.priority import internal_target
from doorstep.domain.tickets import (
    MAX_DESCRIPTION_CHARS,
    RECURRENCE_DAYS,
    Channel,
    FilingLimits,
    Place,
    TicketKind,
    TicketStatus,
    Urgency,
    choose_profile,
    deadlines,
    filing_windows,
    same_place,
    valid_coordinates,
)
from doorstep.services import dispatch_rules, priority, rate_limits
from doorstep.services.api_keys import WRITE_SCOPE, ApiApp
from doorstep.services.deps import Deps
from doorstep.services.rate_limits import Limit
from doorstep.services.ticket_catalog.common import CATEGORY_CODE, REGION_CODE
from doorstep.services.tickets.common import (
    RESOLVED_STATUSES,
    now_utc,
    record_event,
    required_text,
    tell_citizen,
    tell_unit,
)
from doorstep.services.tickets.views import TicketView, load
from doorstep.store.db import Connection, transaction
from doorstep.store.rate_limits import Counted
from doorstep.store.tickets import assignments as ticket_assignments
from doorstep.store.tickets import catalog as ticket_catalog
from doorstep.store.tickets import people as ticket_people
from doorstep.store.tickets import reading as ticket_reading
from doorstep.store.tickets import writing as ticket_writing
from doorstep.store.tickets.rows import SamePlaceRow

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
    # the category was guessed from words (an SMS) and the guess is weak: a person checks it
    needs_review: bool = False


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
    description = required_text(
        data.description,
        MAX_DESCRIPTION_CHARS,
        "ticket.description_empty",
        "ticket.description_too_long",
    )
    if not valid_coordinates(data.latitude, data.longitude):
        raise InvalidInput("ticket.coordinates_invalid")
    region = (data.region_code or "").strip()
    if not REGION_CODE.fullmatch(region):
        raise InvalidInput("ticket.region_unknown", region=region[:20])
    category = (data.category_code or "").strip()
    if not CATEGORY_CODE.fullmatch(category):
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
    return await ticket_people.citizen_by_phone(conn, phone) or await ticket_people.create_citizen(
        conn, phone
    )


def _authorize_submit(actor: Actor, data: TicketInput, app: ApiApp | None = None) -> Channel | None:
    """The channel the actor files through (None: the caller's own channel)."""
    if app is not None:
        # an Open311 app files for the reporter it names by phone (GeoReport's `phone`), on
        # the strength of its own key: the reporter is told by SMS and counted against
        # their own filing limit
        if WRITE_SCOPE not in app.scopes:
            raise Forbidden("api_key.scope_missing", scope=WRITE_SCOPE)
        if not (data.citizen_phone or "").strip():
            raise InvalidInput("open311.phone_required")
        return Channel.OPEN311
    if data.citizen_phone is not None:
        authorize(actor, Operation.TICKET_SUBMIT_FOR_CITIZEN)
        return Channel.HOTLINE
    authorize(actor, Operation.TICKET_SUBMIT, Target(citizen_id=actor.subject_citizen_id))
    return None


def _check_reporter_phone(deps: Deps, raw: str) -> None:
    """A reporter an app names is told by SMS: only a mobile number of the regions log-in codes
    go to (an app cannot make us text landlines, premium or far-away numbers)."""
    try:
        phone = normalize_phone(raw)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    if not may_receive_login_code(phone, deps.settings.login_code_regions):
        raise InvalidInput("open311.phone_not_allowed")


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
    per_citizen, per_client = filing_windows(filing_limits(deps))
    await rate_limits.enforce(
        conn,
        "ticket.too_many",
        [
            (Limit(Counted.TICKETS_OF_CITIZEN, per_citizen), citizen_id),
            (Limit(Counted.TICKETS_OF_CLIENT, per_client), client_addr),
        ],
    )


async def submit_ticket(
    deps: Deps,
    actor: Actor,
    data: TicketInput,
    channel: Channel = Channel.APP,
    *,
    client_addr: str | None = None,
    app: ApiApp | None = None,
) -> TicketView:
    """File a ticket and dispatch it at once: by the first matching rule, or to the region's
    fallback unit for human review.

    Limited per citizen (a hotline clerk's filings count against the caller, not the clerk)
    and, for filings from the app or Open311, per client address. `app`: an Open311 app
    filing without a session, for the reporter in `data.citizen_phone`."""
    channel = _authorize_submit(actor, data, app) or channel
    checked = _check(data)
    if app is not None:
        _check_reporter_phone(deps, data.citizen_phone or "")
    if channel is Channel.HOTLINE:
        client_addr = None  # a call centre is one address: its callers are limited by phone
    client_addr = (client_addr or "").strip()[:64] or None
    now = now_utc()
    async with transaction(deps.pool) as conn:
        category = await ticket_catalog.category(conn, checked.category_code)
        if category is None:
            raise InvalidInput("ticket.category_unknown", category=checked.category_code)
        if not category.active:
            raise InvalidInput("ticket.category_retired", category=category.name)
        region = await ticket_catalog.region(conn, checked.region_code)
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
        units = await ticket_catalog.units_by_id(
            conn, [u for u in (decision.lead_unit, decision.suggested_unit) if u]
        )
        lead = units[decision.lead_unit]
        params: dict[str, Any] = {
            "category": category.name,
            "category_code": category.code,
            "region": checked.region_code,
            "region_name": region.name,
            "unit": lead.name,
            "rule": decision.rule_no or "",
            "version": decision.rule_version or "",
            "rule_set": set_id or "",
            "keyword": decision.matched_keyword or "",
            "suggested": units[decision.suggested_unit].name if decision.suggested_unit else "",
        }
        # 优先办: decided now from proven data, kept on the ticket with a shorter target
        reason = (await priority.standing_in(conn, citizen_id, local_date(now))).reason
        number = make_case_number(TICKET_PREFIX, await ticket_writing.next_serial(conn))
        ticket_id = await ticket_writing.insert_ticket(
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
            needs_review=decision.needs_review or data.needs_review,
            deadline_profile=profile.value,
            assigned_at=now,
            ack_due_at=clock.ack_due_at,
            ack_remind_at=clock.ack_remind_at,
            handle_days=profile.working_days,
            handle_due_on=clock.handle_due_on,
            handle_due_at=clock.handle_due_at,
            handle_remind_at=clock.handle_remind_at,
            priority_reason=reason,
            target_on=internal_target(
                deps.calendar,
                local_date(now),
                clock.handle_due_on,
                profile.working_days,
                reason is not None,
            ),
            client_addr=client_addr,
            previous_ticket_id=previous.id if previous else None,
            recurrence_unit_id=(
                previous.lead_unit_id
                if previous and TicketStatus(previous.status) in RESOLVED_STATUSES
                else None
            ),
            created_at=now,
            updated_at=now,
        )
        await ticket_assignments.insert_assignment(
            conn,
            ticket_id=ticket_id,
            unit_id=decision.lead_unit,
            region_code=checked.region_code,
            basis=decision.basis.value,
            by_staff_id=None,
            note=None,
            ack_due_at=clock.ack_due_at,
        )
        view = await load(conn, ticket_id)
        await record_event(
            conn,
            view,
            "ticket.submitted",
            actor,
            {
                "number": number,
                "category": category.name,
                "kind": checked.kind.value,
                "channel": channel.value,
                **({"app": app.name} if app is not None else {}),
            },
        )
        await record_event(
            conn,
            view,
            "ticket.dispatched",
            actor,
            {
                "unit": lead.name,
                "basis": decision.basis.value,
                "reason": {"key": decision.reason_key, "params": params},
            },
        )
        if previous is not None:
            await record_event(
                conn,
                view,
                "ticket.linked",
                actor,
                {"previous": previous.number, "recurrence": view.recurrence},
            )
        outbox_ids = await tell_citizen(
            conn,
            citizen_id,
            "ticket.received",
            "sms.ticket_received",
            {"number": number, "unit": lead.name},
            lead.phone or deps.settings.support_phone,
        )
        outbox_ids += await tell_unit(
            conn,
            decision.lead_unit,
            "ticket.dispatched",
            "sms.ticket_dispatched",
            {"number": number, "item": category.name, "due": minute_text(clock.ack_due_at)},
            urgent=checked.urgency is Urgency.DANGER,
        )
    await deps.after_commit(outbox_ids)
    return view


async def _earlier_here(conn: Connection, checked: _Checked, now: datetime) -> SamePlaceRow | None:
    """The latest ticket of the same category at the same place within 30 days."""
    here = Place(checked.region_code, checked.latitude, checked.longitude)
    for row in await ticket_reading.same_place_candidates(
        conn, checked.category_code, checked.region_code, now - timedelta(days=RECURRENCE_DAYS)
    ):
        if same_place(here, Place(checked.region_code, row.latitude, row.longitude)):
            return row
    return None
