"""Demo slots for 陪同办 (accompanied handling): the 永安里 community accompanies elders to the
government service hall in the mornings and visits them at home in the afternoons, on each of
the coming working days, so `doorstep dev` has something to book.

Keyed by unit, start and place: loading again adds only the days not yet there (a later day's
load adds the new coming days) and never touches slots already booked or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import asyncpg

from doorstep.domain.calendar import DEFAULT_CALENDAR, SHANGHAI

# how many working days ahead, from the next one
WORKING_DAYS = 3


@dataclass(frozen=True, slots=True)
class DemoSlot:
    unit_code: str
    kind: str  # hall or home
    start: time  # Asia/Shanghai
    minutes: int
    capacity: int
    place: str
    note: str | None = None


SLOTS: tuple[DemoSlot, ...] = (
    DemoSlot(
        "cy-jianwai-yonganli",
        "hall",
        time(9, 30),
        120,
        3,
        "永安里社区居委会门口集合，同去朝阳区政务服务中心",
        "请带好身份证和要办事项的材料",
    ),
    DemoSlot("cy-jianwai-yonganli", "home", time(14, 30), 90, 2, "永安里社区内上门"),
)

_INSERT_SLOT = """
insert into escort_slots (unit_id, kind, starts_at, ends_at, capacity, place, note)
select u.id, $2, $3, $4, $5, $6, $7 from units u
where u.code = $1 and not exists (
    select 1 from escort_slots s where s.unit_id = u.id and s.starts_at = $3 and s.place = $6)
"""


def coming_working_days(today: date, count: int = WORKING_DAYS) -> list[date]:
    """The `count` working days after `today` (holidays and 调休 as the calendar knows them)."""
    days: list[date] = []
    day = today
    while len(days) < count:
        day += timedelta(days=1)
        if DEFAULT_CALENDAR.is_working_day(day):
            days.append(day)
    return days


async def load_demo_escort(conn: asyncpg.Connection[asyncpg.Record], today: date) -> None:
    """The demo slots of the coming working days that are not there yet."""
    for day in coming_working_days(today):
        for slot in SLOTS:
            starts_at = datetime.combine(day, slot.start, SHANGHAI)
            await conn.execute(
                _INSERT_SLOT,
                slot.unit_code,
                slot.kind,
                starts_at,
                starts_at + timedelta(minutes=slot.minutes),
                slot.capacity,
                slot.place,
                slot.note,
            )
