"""The statutory public holidays (全国年节及纪念日放假办法, as amended in 2024) of any year.

They are the floor of every year's calendar: the State Council's yearly notice adds bridge days
and the adjusted working weekends (调休) around them, which cannot be known in advance, but the
statutory days themselves follow from the rules, and so does 补假: a statutory day that falls on
a Saturday or Sunday is made up on a working day (article 6). A year whose notice is not out yet
falls back to these days (and Monday to Friday otherwise) rather than to Monday to Friday alone.

Lunar dates (除夕, 端午 5/5, 中秋 8/15) and 清明 (a solar term) come from `lunar-python`: pure
Python with no data files, maintained, and it computes both the lunar calendar and the solar
terms astronomically (寿星天文历), so one library covers all four without a hand-kept table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lunar_python import Lunar

# the amended rules (国务院令第793号) apply from 2025 on: the calendar falls back to them from
# then; the dates themselves compute for any year the library handles well
AMENDED_FROM = 2025
FIRST_YEAR = 1901
LAST_YEAR = 2200


class Festival(StrEnum):
    NEW_YEAR = "new_year"  # 元旦
    SPRING_FESTIVAL = "spring_festival"  # 春节
    TOMB_SWEEPING = "tomb_sweeping"  # 清明节
    LABOUR_DAY = "labour_day"  # 劳动节
    DRAGON_BOAT = "dragon_boat"  # 端午节
    MID_AUTUMN = "mid_autumn"  # 中秋节
    NATIONAL_DAY = "national_day"  # 国庆节


@dataclass(frozen=True)
class StatutoryDay:
    day: date
    festival: Festival
    # a weekday given in place of a statutory day that fell on a weekend (补假)
    in_lieu: bool = False


def _solar(lunar: Lunar) -> date:
    s = lunar.getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def statutory_days(year: int) -> tuple[StatutoryDay, ...]:
    """The statutory rest days of `year` in date order: 13, or 12 when 中秋 falls on 1–3 October
    (the State Council then sets the bridge days, as it did in 2020)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"statutory holidays are computed for {FIRST_YEAR} to {LAST_YEAR}")
    new_year = Lunar.fromYmd(year, 1, 1)
    # 除夕 is the last day of the twelfth lunar month (29th or 30th): the day before 初一
    eve = _solar(new_year) - timedelta(days=1)
    qingming = new_year.getJieQiTable()["清明"]
    days = {
        StatutoryDay(date(year, 1, 1), Festival.NEW_YEAR),
        *(StatutoryDay(eve + timedelta(days=i), Festival.SPRING_FESTIVAL) for i in range(4)),
        StatutoryDay(
            date(qingming.getYear(), qingming.getMonth(), qingming.getDay()),
            Festival.TOMB_SWEEPING,
        ),
        StatutoryDay(date(year, 5, 1), Festival.LABOUR_DAY),
        StatutoryDay(date(year, 5, 2), Festival.LABOUR_DAY),
        StatutoryDay(_solar(Lunar.fromYmd(year, 5, 5)), Festival.DRAGON_BOAT),
        StatutoryDay(_solar(Lunar.fromYmd(year, 8, 15)), Festival.MID_AUTUMN),
        *(StatutoryDay(date(year, 10, 1 + i), Festival.NATIONAL_DAY) for i in range(3)),
    }
    # a day named twice (中秋 on a National Day date) counts once, as National Day
    by_day = {d.day: d for d in sorted(days, key=lambda d: d.festival == Festival.NATIONAL_DAY)}
    return tuple(sorted(by_day.values(), key=lambda d: d.day))


def rest_days(year: int) -> tuple[StatutoryDay, ...]:
    """The statutory days of `year` plus their 补假: each festival's days that fall on a weekend
    are made up on the next weekdays after it that are not already rest days. The notice may
    place them elsewhere (and adds 调休, which no rule predicts); this is the closest the law
    itself allows."""
    days = list(statutory_days(year))
    taken = {d.day for d in days}
    for festival in Festival:
        own = [d.day for d in days if d.festival == festival and not d.in_lieu]
        if not own:  # 中秋 on a National Day date
            continue
        owed = sum(1 for d in own if d.weekday() >= 5)
        cursor = max(own)
        while owed:
            cursor += timedelta(days=1)
            if cursor.weekday() < 5 and cursor not in taken:
                days.append(StatutoryDay(cursor, festival, in_lieu=True))
                taken.add(cursor)
                owed -= 1
    return tuple(sorted(days, key=lambda d: d.day))


def statutory_holidays(year: int) -> frozenset[date]:
    """The dates `year` rests on by law: statutory days and their 补假 (初一 is 21 January at
    the earliest and the last 补假 is in October, so all fall within `year`)."""
    return frozenset(d.day for d in rest_days(year))
