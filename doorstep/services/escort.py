"""陪同办 (accompanied handling): units publish slots; an elder or her agent books, changes and
cancels a place (app and SMS reply run these same functions); a reminder SMS the day before,
exactly once (the worker's cron); the worker records the outcome. Rules in domain/escort.py,
authorization in domain/policy.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from doorstep.domain.calendar import local_date, minute_text
from doorstep.domain.case_numbers import make_case_number, parse_case_number
from doorstep.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.domain.escort import (
    BOOKING_PREFIX,
    BookingStatus,
    Channel,
    SlotInput,
    SlotKind,
    check_changeable,
    check_open,
    clean_booking_text,
    clean_slot,
    may_book,
)
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize, require_signed_in
from doorstep.domain.priority import age_on
from doorstep.mirror import GIVEN, mirror
from doorstep.services import acting, citizen_sms, priority
from doorstep.services.deps import Deps
from doorstep.store import applications as app_store
from doorstep.store import escort as store
from doorstep.store import events
from doorstep.store import priority as priority_store
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction
from doorstep.store.escort import BookingRow, SlotRow

MAX_LIST = 100
STAFF_LOOKBACK = timedelta(days=2)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SlotView:
    id: int
    unit_code: str
    unit_name: str
    unit_phone: str | None
    kind: SlotKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    place: str
    note: str | None
    cancelled: bool

    @property
    def places_left(self) -> int:
        return 0 if self.cancelled else self.capacity - self.booked


@dataclass(frozen=True)
class BookingView:
    number: str
    status: BookingStatus
    slot: SlotView
    address: str | None
    need: str | None
    channel: str
    booked_by_agent: bool
    confirmed: bool
    reminded: bool
    outcome_note: str | None
    created_at: datetime


@dataclass(frozen=True)
class RosterEntry:
    booking: BookingView
    citizen_name: str | None
    citizen_phone: str


slot_view = mirror(SlotView, SlotRow, cancelled=lambda r: r.cancelled_at is not None)
_booking = mirror(
    BookingView,
    BookingRow,
    slot=GIVEN,
    booked_by_agent=lambda r: r.agent_id is not None,
    confirmed=lambda r: r.confirmed_at is not None,
    reminded=lambda r: r.reminded_at is not None,
)


def booking_view(row: BookingRow, slot: SlotRow) -> BookingView:
    return _booking(row, slot=slot_view(slot))


def unit_target(slot: SlotRow) -> Target:
    return Target.unit(slot.unit_id, slot.unit_region_code)


def parse_number(raw: str) -> str:
    return parse_case_number(raw, BOOKING_PREFIX, "escort.number_invalid")


# --- slots (the unit) --------------------------------------------------------------------------


async def publish_slot(
    deps: Deps, actor: Actor, data: SlotInput, unit_code: str | None = None
) -> SlotView:
    """A unit offers a slot: its own clerks (supervisors and admins name a unit)."""
    if not actor.is_staff_side:
        authorize(actor, Operation.ESCORT_SLOTS_MANAGE)  # refuses: no unit of their own
    clean = clean_slot(data, now_utc())
    async with transaction(deps.pool) as conn:
        unit = await _unit_for(conn, actor, unit_code)
        authorize(actor, Operation.ESCORT_SLOTS_MANAGE, Target.unit(unit[0], unit[1]))
        slot_id = await store.insert_slot(
            conn,
            unit_id=unit[0],
            kind=clean.kind.value,
            starts_at=clean.starts_at,
            ends_at=clean.ends_at,
            capacity=clean.capacity,
            place=clean.place,
            note=clean.note,
            staff_id=actor.staff_id,
        )
        row = await store.slot(conn, slot_id)
    assert row is not None
    return slot_view(row)


async def _unit_for(conn: Connection, actor: Actor, unit_code: str | None) -> tuple[int, str]:
    if unit_code:
        unit = await vault_store.unit_by_code(conn, unit_code.strip()[:40])
        if unit is None:
            raise NotFound("escort.unit_unknown")
        return unit.id, unit.region_code
    if actor.unit_id is None:
        raise InvalidInput("escort.unit_required")
    unit = await vault_store.unit_by_id(conn, actor.unit_id)
    assert unit is not None
    return unit.id, unit.region_code


async def cancel_slot(deps: Deps, actor: Actor, slot_id: int) -> SlotView:
    """The unit withdraws a slot: every place booked in it is cancelled and its citizen told."""
    outbox_ids: list[int] = []
    async with transaction(deps.pool) as conn:
        slot = await store.slot(conn, slot_id, lock=True)
        if slot is None:
            raise NotFound("escort.slot_not_found")
        authorize(actor, Operation.ESCORT_SLOTS_MANAGE, unit_target(slot))
        if slot.cancelled_at is not None:
            raise Conflict("escort.slot_cancelled")
        await conn.execute(
            "update escort_slots set cancelled_at = now(), booked = 0 where id = $1", slot_id
        )
        for entry in await store.roster(conn, slot_id):
            if entry.status != BookingStatus.BOOKED.value:
                continue
            await store.set_status(conn, entry.id, BookingStatus.CANCELLED.value)
            outbox_ids.append(
                await _sms(
                    conn,
                    deps,
                    entry.citizen_id,
                    "sms.escort_slot_cancelled",
                    {"number": entry.number, "due": minute_text(slot.starts_at)},
                    slot,
                )
            )
        row = await store.slot(conn, slot_id)
    await deps.after_commit(outbox_ids)
    assert row is not None
    return slot_view(row)


async def open_slots(
    deps: Deps, actor: Actor, *, unit_code: str | None = None, limit: int = 50
) -> list[SlotView]:
    """Slots to come: a citizen sees her district's (acting for someone: theirs); staff their
    unit's (supervisors their region's)."""
    require_signed_in(actor)
    subject = actor.subject_citizen_id
    authorize(actor, Operation.ESCORT_SLOTS_READ, Target(citizen_id=subject))
    limit = max(1, min(limit, MAX_LIST))
    async with deps.pool.acquire() as conn:
        unit_ids: list[int] | None = None
        region = ""
        if actor.is_staff_side:
            region = actor.region_code or "" if actor.role is not Role.STAFF else ""
            if actor.role is Role.STAFF:
                unit_ids = [actor.unit_id] if actor.unit_id is not None else []
        elif subject is not None:
            contact = await app_store.citizen_contact(conn, subject)
            region = ((contact.region_code if contact else None) or "")[:6]
            # her district chooses the slots: an agent learns it, so it is a read of hers
            await acting.record_read(
                deps, conn, actor, what="escort_slots", purpose="arrange_escort"
            )
        if unit_code:
            unit = await vault_store.unit_by_code(conn, unit_code.strip()[:40])
            unit_ids = [unit.id] if unit is not None else []
        # staff also see the last days' slots, to record how their visits went
        since = now_utc() - (STAFF_LOOKBACK if actor.is_staff_side else timedelta(0))
        rows = await store.open_slots(conn, region, unit_ids, since, limit)
    return [slot_view(r) for r in rows]


# --- bookings (the citizen or her agent) -------------------------------------------------------


async def _check_eligible(conn: Connection, citizen_id: int) -> None:
    today = local_date(now_utc())
    birth = await priority_store.proven_birth_date(conn, citizen_id)
    age = age_on(birth, today) if birth else None
    standing = await priority.standing_in(conn, citizen_id, today)
    if not may_book(age, standing.has_priority):
        raise Forbidden("escort.not_eligible")


async def book(
    deps: Deps,
    actor: Actor,
    slot_id: int,
    *,
    address: str | None = None,
    need: str | None = None,
    channel: Channel = Channel.APP,
) -> BookingView:
    """Take a place in a slot. Two people at once for the last place: one gets it, the other
    is refused with escort.slot_full (the place count moves by a conditional update)."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.ESCORT_BOOK, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        slot = await store.slot(conn, slot_id)
        if slot is None:
            raise NotFound("escort.slot_not_found")
        clean_address, clean_need = clean_booking_text(SlotKind(slot.kind), address, need)
        check_open(slot.starts_at, slot.cancelled_at is not None, now_utc())
        await _check_eligible(conn, citizen_id)
        if not await store.take_place(conn, slot_id):
            raise Conflict("escort.slot_full")
        number = make_case_number(BOOKING_PREFIX, await store.next_serial(conn))
        row = await store.insert_booking(
            conn,
            number=number,
            slot_id=slot_id,
            citizen_id=citizen_id,
            agent_id=actor.acting_agent_id,
            channel=channel.value,
            address=clean_address,
            need=clean_need,
        )
        if row is None:
            raise Conflict("escort.already_booked")
        slot = await store.slot(conn, slot_id)
        assert slot is not None
        outbox_ids = await _after(
            conn, deps, actor, row, slot, "escort.booked", "sms.escort_booked"
        )
    await deps.after_commit(outbox_ids)
    return booking_view(row, slot)


async def _after(
    conn: Connection,
    deps: Deps,
    actor: Actor,
    row: BookingRow,
    slot: SlotRow,
    kind: str,
    template: str,
) -> list[int]:
    """The event, and the SMS: to the citizen, or (an agent's act) the principal's notice."""
    await events.append(
        conn,
        kind=kind,
        actor_kind="staff" if actor.is_staff_side else "citizen",
        actor_id=actor.staff_id or actor.signed_in_citizen_id,
        citizen_id=row.citizen_id,
        data={"number": row.number, "slot": slot.id, "unit": slot.unit_code},
    )
    if actor.role is Role.AGENT:
        return await acting.record_action(
            conn,
            deps,
            actor,
            Operation.ESCORT_BOOK,
            application_id=None,
            number=row.number,
            notice="sms.agent_escort",
            detail={"what": kind},
        )
    params = {"number": row.number, "due": minute_text(slot.starts_at), "unit": slot.place}
    return [await _sms(conn, deps, row.citizen_id, template, params, slot)]


async def _sms(
    conn: Connection,
    deps: Deps,
    citizen_id: int,
    template: str,
    params: dict[str, str],
    slot: SlotRow | None,
    *,
    extend_code: str | None = None,
) -> int:
    contact = await app_store.citizen_contact(conn, citizen_id)
    assert contact is not None
    return await citizen_sms.queue(
        conn,
        contact,
        kind=template.removeprefix("sms."),
        template=template,
        params=params,
        call_phone=(slot.unit_phone if slot else None) or deps.settings.support_phone,
        extend_code=extend_code,
    )


async def _own_booking(conn: Connection, actor: Actor, raw_number: str) -> BookingRow:
    """The citizen's (or her principal's) booking, locked; others' read as unknown."""
    number = parse_number(raw_number)
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.ESCORT_BOOK, Target(citizen_id=citizen_id))
    row = await store.booking(conn, number, lock=True)
    if row is None or row.citizen_id != citizen_id:
        raise NotFound("escort.booking_not_found")
    return row


async def cancel(deps: Deps, actor: Actor, raw_number: str) -> BookingView:
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        row = await _own_booking(conn, actor, raw_number)
        slot = await store.slot(conn, row.slot_id, lock=True)
        assert slot is not None
        check_changeable(BookingStatus(row.status), slot.starts_at, now_utc())
        await store.set_status(conn, row.id, BookingStatus.CANCELLED.value)
        await store.free_place(conn, slot.id)
        row = await reread(conn, row.id)
        slot = await reread_slot(conn, slot.id)
        outbox_ids = await _after(
            conn, deps, actor, row, slot, "escort.cancelled", "sms.escort_cancelled"
        )
    await deps.after_commit(outbox_ids)
    return booking_view(row, slot)


async def change(deps: Deps, actor: Actor, raw_number: str, slot_id: int | None) -> BookingView:
    """Move a booking to another slot (None: the same unit's next free slot of that kind).
    The new place is taken before the old one is freed: if it is gone, nothing changes."""
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        row = await _own_booking(conn, actor, raw_number)
        old = await store.slot(conn, row.slot_id)
        assert old is not None
        now = now_utc()
        check_changeable(BookingStatus(row.status), old.starts_at, now)
        if slot_id is None:
            slot_id = await store.next_free_slot(conn, old.unit_id, old.kind, now, row.citizen_id)
            if slot_id is None:
                raise Conflict("escort.no_free_slot")
        if slot_id == old.id:
            raise InvalidInput("escort.same_slot")
        new = await store.slot(conn, slot_id)
        if new is None:
            raise NotFound("escort.slot_not_found")
        check_open(new.starts_at, new.cancelled_at is not None, now)
        if SlotKind(new.kind) is SlotKind.HOME and not row.address:
            raise InvalidInput("escort.address_invalid", limit=200)
        if not await store.take_place(conn, new.id):
            raise Conflict("escort.slot_full")
        await store.free_place(conn, old.id)
        try:
            await store.move_booking(conn, row.id, new.id)
        except Exception as exc:  # the citizen already holds a place there
            if getattr(exc, "sqlstate", None) == "23505":
                raise Conflict("escort.already_booked") from None
            raise
        row = await reread(conn, row.id)
        new = await reread_slot(conn, new.id)
        outbox_ids = await _after(conn, deps, actor, row, new, "escort.moved", "sms.escort_moved")
    await deps.after_commit(outbox_ids)
    return booking_view(row, new)


async def reread(conn: Connection, booking_id: int) -> BookingRow:
    row = await store.booking_by_id(conn, booking_id)
    assert row is not None
    return row


async def reread_slot(conn: Connection, slot_id: int) -> SlotRow:
    row = await store.slot(conn, slot_id)
    assert row is not None
    return row


async def my_bookings(deps: Deps, actor: Actor, limit: int = 50) -> list[BookingView]:
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.ESCORT_BOOK, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    async with deps.pool.acquire() as conn:
        rows = await store.bookings_of(conn, citizen_id, max(1, min(limit, MAX_LIST)))
        slots = {r.slot_id: await reread_slot(conn, r.slot_id) for r in rows}
        await acting.record_read(
            deps, conn, actor, what="escort_bookings", purpose="arrange_escort"
        )
    return [booking_view(r, slots[r.slot_id]) for r in rows]
