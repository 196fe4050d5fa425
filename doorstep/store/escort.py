"""SQL for 陪同办: slots, bookings, the place count and the day-before reminders."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_by
from doorstep.store.typed import fetch_int, fetch_optional, gives_row, next_in_sequence


class SlotRow(Row):
    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    unit_phone: str | None
    unit_region_code: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    place: str
    note: str | None
    cancelled_at: datetime | None


class BookingRow(Row):
    id: int
    number: str
    slot_id: int
    citizen_id: int
    agent_id: int | None
    channel: str
    address: str | None
    need: str | None
    status: str
    confirmed_at: datetime | None
    reminded_at: datetime | None
    outcome_note: str | None
    outcome_at: datetime | None
    created_at: datetime


class RosterRow(BookingRow):
    """A booking as the unit's worker sees it: with whom to accompany."""

    citizen_name: str | None
    citizen_phone: str


class ReminderRow(Row):
    id: int
    number: str
    citizen_id: int
    starts_at: datetime
    kind: str
    place: str
    unit_phone: str | None


_SLOT = """select s.id, s.unit_id, u.code as unit_code, u.name as unit_name,
    u.phone as unit_phone, u.region_code as unit_region_code, s.kind, s.starts_at, s.ends_at,
    s.capacity, s.booked, s.place, s.note, s.cancelled_at
    from escort_slots s join units u on u.id = s.unit_id"""
_BOOKING_COLUMNS = """b.id, b.number, b.slot_id, b.citizen_id, b.agent_id, b.channel, b.address,
    b.need, b.status, b.confirmed_at, b.reminded_at, b.outcome_note, b.outcome_at, b.created_at"""
_BOOKINGS = f"select {_BOOKING_COLUMNS} from escort_bookings b"


async def insert_slot(
    conn: Connection,
    *,
    unit_id: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    place: str,
    note: str | None,
    staff_id: int | None,
) -> int:
    return await fetch_int(
        conn,
        """insert into escort_slots (unit_id, kind, starts_at, ends_at, capacity, place, note,
                                     created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id""",
        unit_id,
        kind,
        starts_at,
        ends_at,
        capacity,
        place,
        note,
        staff_id,
    )


async def slot(db: Queryable, slot_id: int, *, lock: bool = False) -> SlotRow | None:
    return await fetchrow_by(db, SlotRow, _SLOT, "s.id", slot_id, lock=lock, lock_of="s")


async def open_slots(
    db: Queryable, region_prefix: str, unit_ids: list[int] | None, after: datetime, limit: int
) -> list[SlotRow]:
    """Slots still to come, of units in a region (or the given units), soonest first."""
    return await fetch(
        db,
        SlotRow,
        f"""{_SLOT} where s.cancelled_at is null and s.starts_at > $2
              and u.region_code like $1 || '%'
              and ($3::bigint[] is null or s.unit_id = any($3::bigint[]))
            order by s.starts_at, s.id limit $4""",
        region_prefix,
        after,
        unit_ids,
        limit,
    )


async def take_place(conn: Connection, slot_id: int) -> bool:
    """One place more, if one is left: the row lock makes concurrent takers queue, and the
    condition is re-checked after the wait, so the last place goes to exactly one of them."""
    return await gives_row(
        conn,
        """update escort_slots set booked = booked + 1
           where id = $1 and booked < capacity and cancelled_at is null returning id""",
        slot_id,
    )


async def free_place(conn: Connection, slot_id: int) -> None:
    await conn.execute(
        "update escort_slots set booked = booked - 1 where id = $1 and booked > 0", slot_id
    )


async def next_free_slot(
    conn: Connection, unit_id: int, kind: str, after: datetime, citizen_id: int
) -> int | None:
    """The unit's next slot of that kind with a place left that the citizen has not booked."""
    return await fetch_optional(
        conn,
        int,
        """select s.id from escort_slots s
           where s.unit_id = $1 and s.kind = $2 and s.starts_at > $3 and s.cancelled_at is null
             and s.booked < s.capacity
             and not exists (select 1 from escort_bookings b where b.slot_id = s.id
                             and b.citizen_id = $4 and b.status = 'booked')
           order by s.starts_at, s.id limit 1""",
        unit_id,
        kind,
        after,
        citizen_id,
    )


async def next_serial(conn: Connection) -> int:
    return await next_in_sequence(conn, "escort_booking_serial")


async def insert_booking(
    conn: Connection,
    *,
    number: str,
    slot_id: int,
    citizen_id: int,
    agent_id: int | None,
    channel: str,
    address: str | None,
    need: str | None,
) -> BookingRow | None:
    """The booking, or None when the citizen already holds a place in that slot."""
    return await fetchrow(
        conn,
        BookingRow,
        f"""insert into escort_bookings as b (number, slot_id, citizen_id, agent_id, channel,
                                           address, need, status)
            values ($1, $2, $3, $4, $5, $6, $7, 'booked')
            on conflict (slot_id, citizen_id) where status = 'booked' do nothing
            returning {_BOOKING_COLUMNS}""",
        number,
        slot_id,
        citizen_id,
        agent_id,
        channel,
        address,
        need,
    )


async def booking(db: Queryable, number: str, *, lock: bool = False) -> BookingRow | None:
    return await fetchrow_by(db, BookingRow, _BOOKINGS, "b.number", number, lock=lock)


async def booking_by_id(db: Queryable, booking_id: int) -> BookingRow | None:
    return await fetchrow_by(db, BookingRow, _BOOKINGS, "b.id", booking_id)


async def bookings_of(db: Queryable, citizen_id: int, limit: int) -> list[BookingRow]:
    return await fetch(
        db,
        BookingRow,
        f"{_BOOKINGS} where b.citizen_id = $1 order by b.id desc limit $2",
        citizen_id,
        limit,
    )


async def roster(db: Queryable, slot_id: int) -> list[RosterRow]:
    return await fetch(
        db,
        RosterRow,
        f"""select {_BOOKING_COLUMNS}, c.name as citizen_name, c.phone as citizen_phone
            from escort_bookings b join citizens c on c.id = b.citizen_id
            where b.slot_id = $1 order by b.status = 'cancelled', b.id""",
        slot_id,
    )


async def move_booking(conn: Connection, booking_id: int, slot_id: int) -> None:
    # a moved booking is reminded again for its new day
    await conn.execute(
        """update escort_bookings set slot_id = $2, reminded_at = null, confirmed_at = null,
                  updated_at = now() where id = $1""",
        booking_id,
        slot_id,
    )


async def set_status(
    conn: Connection,
    booking_id: int,
    status: str,
    *,
    note: str | None = None,
    staff_id: int | None = None,
) -> None:
    await conn.execute(
        """update escort_bookings set status = $2, updated_at = now(),
                  cancelled_at = case when $2 = 'cancelled' then now() else cancelled_at end,
                  outcome_note = case when $2 in ('done', 'no_show') then $3 else outcome_note end,
                  outcome_by = case when $2 in ('done', 'no_show') then $4 else outcome_by end,
                  outcome_at = case when $2 in ('done', 'no_show') then now() else outcome_at end
           where id = $1""",
        booking_id,
        status,
        note,
        staff_id,
    )


async def confirm(conn: Connection, booking_id: int) -> None:
    await conn.execute(
        """update escort_bookings set confirmed_at = coalesce(confirmed_at, now()),
                  updated_at = now() where id = $1""",
        booking_id,
    )


async def claim_reminders(
    conn: Connection, start: datetime, end: datetime, limit: int
) -> list[ReminderRow]:
    """Bookings of slots starting in [start, end) not yet reminded: marked reminded in the
    caller's transaction (with their outbox rows), so each is reminded exactly once; rows
    another sweeper holds are skipped, not waited for."""
    return await fetch(
        conn,
        ReminderRow,
        """with due as (
               select b.id from escort_bookings b join escort_slots s on s.id = b.slot_id
               where b.status = 'booked' and b.reminded_at is null and s.cancelled_at is null
                 and s.starts_at >= $1 and s.starts_at < $2
               order by b.id limit $3 for update of b skip locked)
           update escort_bookings b set reminded_at = now() from due, escort_slots s, units u
           where b.id = due.id and s.id = b.slot_id and u.id = s.unit_id
           returning b.id, b.number, b.citizen_id, s.starts_at, s.kind, s.place,
                     u.phone as unit_phone""",
        start,
        end,
        limit,
    )


async def asked_by_sms(db: Queryable, citizen_id: int, since: datetime) -> list[BookingRow]:
    """Active bookings whose reminder (the SMS question) went out since `since`, newest first."""
    return await fetch(
        db,
        BookingRow,
        f"""{_BOOKINGS}
            where b.citizen_id = $1 and b.status = 'booked' and b.reminded_at >= $2
            order by b.reminded_at desc, b.id desc""",
        citizen_id,
        since,
    )


class SmsOfferRow(Row):
    id: int
    slot_id: int
    asked_at: datetime


async def insert_sms_offer(conn: Connection, citizen_id: int, slot_id: int) -> int:
    return await fetch_int(
        conn,
        "insert into escort_sms_offers (citizen_id, slot_id) values ($1, $2) returning id",
        citizen_id,
        slot_id,
    )


async def sms_offers(db: Queryable, citizen_id: int, since: datetime) -> list[SmsOfferRow]:
    """Unanswered SMS offers of a slot since `since`, newest first."""
    return await fetch(
        db,
        SmsOfferRow,
        """select id, slot_id, asked_at from escort_sms_offers
           where citizen_id = $1 and answered_at is null and asked_at >= $2
           order by asked_at desc, id desc""",
        citizen_id,
        since,
    )


async def answer_sms_offer(conn: Connection, offer_id: int) -> bool:
    """Mark the offer answered; False if it already was (a repeated reply books once)."""
    return await gives_row(
        conn,
        """update escort_sms_offers set answered_at = now()
           where id = $1 and answered_at is null returning id""",
        offer_id,
    )
