"""陪同办 in the authorization matrix (test_authorization_matrix): slots of the staff session's
unit (cy-psb), a booking of the `citizen` session (张伟, too young to book one himself: his
booking is written straight into the database)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.case_numbers import make_case_number
from doorstep.domain.escort import BOOKING_PREFIX
from doorstep.store.db import Pool
from tests.integration.proactive_helpers import ZHANG_WEI

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
GONE = "escort.booking_not_found"
TOO_YOUNG = "escort.not_eligible"

# ROLES: anonymous, citizen, other_citizen, staff (cy-psb), other_staff (cy-civil-affairs),
# supervisor (region 110105), admin
ESCORT_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "escortSlots": (AUTH, OK, OK, OK, OK, OK, OK),
    "myEscortBookings": (AUTH, OK, OK, NO, NO, NO, NO),
    # booking passes the policy for citizens; the eligibility rule (60+ or priority) refuses
    "bookEscort": (AUTH, TOO_YOUNG, TOO_YOUNG, NO, NO, NO, NO),
    "changeEscortBooking": (AUTH, OK, GONE, NO, NO, NO, NO),
    "cancelEscortBooking": (AUTH, OK, GONE, NO, NO, NO, NO),
    "publishEscortSlot": (AUTH, NO, NO, OK, NO, OK, OK),
    "cancelEscortSlot": (AUTH, NO, NO, OK, NO, OK, OK),
    "escortRoster": (AUTH, NO, NO, OK, NO, OK, OK),
    "recordEscortOutcome": (AUTH, NO, NO, OK, NO, OK, OK),
    # 优先办's ticket figures: as the ticket rates (staff see their unit's)
    "priorityTicketCounts": (AUTH, NO, NO, OK, OK, OK, OK),
}
ESCORT_QUERIES = {
    "escortSlots": "{ escortSlots { id } }",
    "myEscortBookings": "{ myEscortBookings { number } }",
    "bookEscort": "mutation($es: ID!) { bookEscort(slotId: $es) { number } }",
    "changeEscortBooking": "mutation($en: String!, $et: ID!) { changeEscortBooking(number: $en, "
    "slotId: $et) { number } }",
    "cancelEscortBooking": "mutation($en: String!) { cancelEscortBooking(number: $en) { number } }",
    "publishEscortSlot": "mutation($ei: EscortSlotInput!) { publishEscortSlot(input: $ei) { id } }",
    "cancelEscortSlot": "mutation($es: ID!) { cancelEscortSlot(slotId: $es) { id } }",
    "escortRoster": "query($es: ID!) { escortRoster(slotId: $es) { slot { id } } }",
    "recordEscortOutcome": "mutation($en: String!) { recordEscortOutcome(number: $en, "
    "outcome: DONE) { status } }",
    "priorityTicketCounts": '{ priorityTicketCounts(since: "2026-01-01", until: "2026-12-31") '
    "{ unitCode } }",
}
_serial = itertools.count(1)


async def _slot(pool: Pool, starts_in_hours: int) -> int:
    slot_id: int = await pool.fetchval(
        """insert into escort_slots (unit_id, kind, starts_at, ends_at, capacity, place)
           select id, 'hall', now() + make_interval(hours => $1),
                  now() + make_interval(hours => $1 + 1), 20, '大厅'
           from units where code = 'cy-psb' returning id""",
        starts_in_hours,
    )
    return slot_id


async def prepare_escort(pool: Pool, operation: str) -> dict[str, Any]:
    if operation not in ESCORT_EXPECTED:
        return {}
    started = operation == "recordEscortOutcome"
    slot_id = await _slot(pool, -1 if started else 72)
    number = make_case_number(
        BOOKING_PREFIX, await pool.fetchval("select nextval('escort_booking_serial')")
    )
    await pool.execute(
        """insert into escort_bookings (number, slot_id, citizen_id, channel, status)
           select $1, $2, id, 'app', 'booked' from citizens where phone = $3""",
        number,
        slot_id,
        ZHANG_WEI,
    )
    await pool.execute("update escort_slots set booked = 1 where id = $1", slot_id)
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3, minutes=next(_serial))
    starts = starts_at.isoformat()
    return {
        "es": str(slot_id),
        "et": str(await _slot(pool, 96)),
        "en": number,
        "ei": {
            "kind": "HALL",
            "startsAt": starts,
            "endsAt": (starts_at + timedelta(hours=1)).isoformat(),
            "capacity": 2,
            "place": "大厅",
            "unitCode": "cy-psb",
        },
    }
