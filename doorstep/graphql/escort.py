"""陪同办 in GraphQL: slots (units publish and withdraw them), bookings (a citizen or her agent
books, changes, cancels), the worker's roster and outcome. Thin: services/escort.py decides."""

from __future__ import annotations

from datetime import datetime

import strawberry

from doorstep.domain.escort import BookingStatus, SlotInput, SlotKind
from doorstep.graphql.context import Info
from doorstep.graphql.ids import parse_id
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import escort as service
from doorstep.services import escort_worker

strawberry.enum(SlotKind, name="EscortKind", description="Accompanied to the hall, or a home visit")
strawberry.enum(BookingStatus, name="EscortStatus", description="Where an accompanied visit stands")


@strawberry.type(description="A slot a unit offers: a worker accompanies people in it (陪同办)")
class EscortSlot:
    id: strawberry.ID
    unit_code: str
    unit_name: str
    unit_phone: str | None
    kind: SlotKind
    kind_label: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    places_left: int
    place: str = strawberry.field(description="Where to meet, or the hall")
    note: str | None
    cancelled: bool


@strawberry.type(description="A place booked in a slot")
class EscortBooking:
    number: str = strawberry.field(description="Keypad-friendly number with a check digit")
    status: BookingStatus
    status_label: str
    slot: EscortSlot
    address: str | None = strawberry.field(description="For a home visit")
    need: str | None = strawberry.field(description="What the citizen needs help with")
    channel: str
    booked_by_agent: bool
    confirmed: bool = strawberry.field(description="Confirmed by reply to the reminder SMS")
    reminded: bool = strawberry.field(description="The day-before SMS went out")
    outcome_note: str | None
    created_at: datetime


@strawberry.type(description="Whom a worker accompanies in a slot (the read is recorded)")
class EscortRosterEntry:
    booking: EscortBooking
    citizen_name: str | None
    citizen_phone: str


@strawberry.type
class EscortRoster:
    slot: EscortSlot
    entries: list[EscortRosterEntry]


@strawberry.input
class EscortSlotInput:
    kind: SlotKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str
    note: str | None = None
    unit_code: str | None = strawberry.field(
        default=None, description="Supervisors and admins: the unit (clerks: their own)"
    )


_slot = mirror(EscortSlot, service.SlotView, kind_label=GIVEN)
_booking = mirror(EscortBooking, service.BookingView, status_label=GIVEN, slot=GIVEN)
_slot_input = mirror(SlotInput, EscortSlotInput)


def slot_type(v: service.SlotView, info: Info) -> EscortSlot:
    ctx = info.context
    label = translate(f"escort_kind.{v.kind.value}", ctx.language, elder=ctx.elder)
    return _slot(v, kind_label=label)


def booking_type(v: service.BookingView, info: Info) -> EscortBooking:
    ctx = info.context
    label = translate(f"escort_status.{v.status.value}", ctx.language, elder=ctx.elder)
    return _booking(v, status_label=label, slot=slot_type(v.slot, info))


def _slot_id(raw: strawberry.ID) -> int:
    return parse_id(str(raw), "escort.slot_not_found")


@strawberry.type
class EscortQuery:
    @strawberry.field(
        description="陪同办 slots to come: a citizen's district (acting for someone: theirs); "
        "staff: their unit's (and the last two days', to record outcomes), supervisors their "
        "region's"
    )
    async def escort_slots(
        self, info: Info, unit_code: str | None = None, first: int = 50
    ) -> list[EscortSlot]:
        ctx = info.context
        views = await service.open_slots(ctx.deps, ctx.actor, unit_code=unit_code, limit=first)
        return [slot_type(v, info) for v in views]

    @strawberry.field(description="My accompanied visits (acting for someone: theirs)")
    async def my_escort_bookings(self, info: Info, first: int = 50) -> list[EscortBooking]:
        ctx = info.context
        return [
            booking_type(v, info) for v in await service.my_bookings(ctx.deps, ctx.actor, first)
        ]

    @strawberry.field(description="Staff of the slot's unit: whom to accompany")
    async def escort_roster(self, info: Info, slot_id: strawberry.ID) -> EscortRoster:
        ctx = info.context
        slot, entries = await escort_worker.roster(ctx.deps, ctx.actor, _slot_id(slot_id))
        return EscortRoster(
            slot=slot_type(slot, info),
            entries=[
                EscortRosterEntry(
                    booking=booking_type(e.booking, info),
                    citizen_name=e.citizen_name,
                    citizen_phone=e.citizen_phone,
                )
                for e in entries
            ],
        )


@strawberry.type
class EscortMutation:
    @strawberry.mutation(description="A unit offers a slot (its clerks; supervisors name a unit)")
    async def publish_escort_slot(self, info: Info, input: EscortSlotInput) -> EscortSlot:
        ctx = info.context
        view = await service.publish_slot(ctx.deps, ctx.actor, _slot_input(input), input.unit_code)
        return slot_type(view, info)

    @strawberry.mutation(description="The unit withdraws a slot; its bookings are cancelled by SMS")
    async def cancel_escort_slot(self, info: Info, slot_id: strawberry.ID) -> EscortSlot:
        ctx = info.context
        return slot_type(await service.cancel_slot(ctx.deps, ctx.actor, _slot_id(slot_id)), info)

    @strawberry.mutation(
        description="Book a place (an elder of 60 or more, or with priority; or her agent). "
        "A full slot is refused with escort.slot_full"
    )
    async def book_escort(
        self,
        info: Info,
        slot_id: strawberry.ID,
        address: str | None = None,
        need: str | None = None,
    ) -> EscortBooking:
        ctx = info.context
        view = await service.book(
            ctx.deps, ctx.actor, _slot_id(slot_id), address=address, need=need
        )
        return booking_type(view, info)

    @strawberry.mutation(
        description="Move a booking to another slot (none given: the next free one of the same "
        "unit and kind)"
    )
    async def change_escort_booking(
        self, info: Info, number: str, slot_id: strawberry.ID | None = None
    ) -> EscortBooking:
        ctx = info.context
        target = _slot_id(slot_id) if slot_id is not None else None
        return booking_type(await service.change(ctx.deps, ctx.actor, number, target), info)

    @strawberry.mutation(description="Cancel a booking (until two hours before it starts)")
    async def cancel_escort_booking(self, info: Info, number: str) -> EscortBooking:
        ctx = info.context
        return booking_type(await service.cancel(ctx.deps, ctx.actor, number), info)

    @strawberry.mutation(description="The worker records how the visit went: DONE or NO_SHOW")
    async def record_escort_outcome(
        self, info: Info, number: str, outcome: BookingStatus, note: str | None = None
    ) -> EscortBooking:
        ctx = info.context
        view = await escort_worker.record_outcome(ctx.deps, ctx.actor, number, outcome, note)
        return booking_type(view, info)
