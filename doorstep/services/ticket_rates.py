"""The performance figures (三率 and more) per unit or region for any period.

- response rate: dispatches answered (acknowledged, or returned) by the acknowledge deadline,
  of the dispatches made in the period;
- resolution rate: tickets the citizen confirmed solved, of those finished in the period
  (closed, or closed unconfirmed: silence never counts as solved);
- satisfaction rate: ratings of 基本满意 or better, of the tickets rated among those finished;
- on-time rate: finished tickets whose last resolution came by the handling deadline;
- returns (退单) made in the period, counted against the unit that returned;
- reopen rate: finished tickets the citizen sent back at least once;
- recurrence rate: new tickets in the period that recurred a ticket the unit had resolved
  (same category, same place, within 30 days), of the unit's finished tickets.
Staff see their unit, supervisors their region, admins everything.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, Role, authorize
from doorstep.mirror import GIVEN, mirror
from doorstep.services.deps import Deps
from doorstep.services.tasks import visible_units
from doorstep.services.tickets.common import now_utc
from doorstep.store.tickets import rates as store

GroupBy = Literal["unit", "region"]
MAX_PERIOD_DAYS = 366
REGION_LEVELS = (6, 9, 12)


@dataclass(frozen=True)
class Rates:
    key: str
    code: str
    name: str
    assigned: int
    responded_in_time: int
    finished: int
    solved: int
    rated: int
    satisfied: int
    on_time: int
    returns: int
    reopened: int
    recurrences: int
    open_overdue: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded_in_time, self.assigned)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.solved, self.finished)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.finished)

    @property
    def reopen_rate(self) -> float | None:
        return self._rate(self.reopened, self.finished)

    @property
    def recurrence_rate(self) -> float | None:
        return self._rate(self.recurrences, self.finished)


# the code and name are read apart: units by id, regions by code
_rates = mirror(Rates, store.RatesRow, code=GIVEN, name=GIVEN)


def check_period(since: date, until: date) -> None:
    if until < since or (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidInput("ticket_rates.period_invalid", limit=MAX_PERIOD_DAYS)


async def rates(
    deps: Deps,
    actor: Actor,
    since: date,
    until: date,
    group_by: GroupBy = "unit",
    region_level: int = 6,
) -> list[Rates]:
    """Figures for the Asia/Shanghai days since..until (inclusive)."""
    authorize(actor, Operation.TICKET_RATES_READ)
    if region_level not in REGION_LEVELS:
        raise InvalidInput("ticket_rates.level_invalid")
    check_period(since, until)
    # an admin sees every unit: no scope to test row by row
    units = None if actor.role is Role.ADMIN else await visible_units(deps, actor)
    rows = await store.rates(deps.pool, units, since, until, now_utc(), group_by, region_level)
    names = await store.names(deps.pool, group_by, [r.key for r in rows])
    return [
        _rates(r, code=names.get(r.key, (r.key, ""))[0], name=names.get(r.key, ("", r.key))[1])
        for r in rows
    ]


@dataclass(frozen=True)
class Slipping:
    this_week: Rates
    last_week: Rates | None
    # which figures are worse than last week, or below the floor, or overdue now
    signals: tuple[str, ...]


FLOOR = 0.9
_COMPARED = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")


async def slipping_units(deps: Deps, actor: Actor, today: date | None = None) -> list[Slipping]:
    """Units whose figures this week (Monday to today) fell below last week's or below 90%,
    or that have overdue tickets now; the worst first."""
    day = today or now_utc().astimezone(SHANGHAI).date()
    monday = day - timedelta(days=day.weekday())
    this_week = await rates(deps, actor, monday, day)
    last_week = {
        r.key: r
        for r in await rates(deps, actor, monday - timedelta(days=7), monday - timedelta(days=1))
    }
    found: list[Slipping] = []
    for now_rates in this_week:
        before = last_week.get(now_rates.key)
        signals: list[str] = []
        for name in _COMPARED:
            value = getattr(now_rates, name)
            if value is None:
                continue
            previous = getattr(before, name) if before else None
            if value < FLOOR or (previous is not None and value < previous):
                signals.append(name)
        if now_rates.open_overdue:
            signals.append("open_overdue")
        if now_rates.returns:
            signals.append("returns")
        if signals:
            found.append(Slipping(now_rates, before, tuple(signals)))
    found.sort(key=lambda s: (-len(s.signals), -s.this_week.open_overdue, s.this_week.code))
    return found


CSV_COLUMNS = (
    "code",
    "name",
    "assigned",
    "responded_in_time",
    "response_rate",
    "finished",
    "solved",
    "resolution_rate",
    "rated",
    "satisfied",
    "satisfaction_rate",
    "on_time",
    "on_time_rate",
    "returns",
    "reopened",
    "reopen_rate",
    "recurrences",
    "recurrence_rate",
    "open_overdue",
)


def to_csv(rows: list[Rates]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        values = []
        for column in CSV_COLUMNS:
            value = getattr(r, column)
            values.append("" if value is None else value)
        writer.writerow(values)
    return out.getvalue()
