"""Tickets (诉求 / 工单): the hotline-style loop, as pure rules.

A ticket is dispatched at once to a lead unit, which acknowledges it (签收) within hours and
handles it within working days; it may return it (退单) for a supervisor to redispatch; it
resolves it with a note for the citizen, who is then asked whether it is solved (回访). Only the
citizen's "solved" counts as solved: "not solved" reopens it to the same unit with its clock
still running, and silence after two asks closes it as unconfirmed, never as solved.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum

from doorstep.domain.calendar import SHANGHAI, WorkingCalendar, deadline_end, local_date
from doorstep.domain.clock import reminder_date
from doorstep.domain.rate_limits import DAY_SECONDS, HOUR_SECONDS, Seen, Window, wait_seconds
from doorstep.domain.transitions import IllegalStep, allowed, step


class TicketKind(StrEnum):
    ENQUIRY = "enquiry"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    # life or property at risk: acknowledged within 2 hours, handled the same day
    DANGER = "danger"


class TicketStatus(StrEnum):
    DISPATCHED = "dispatched"  # 已派单: waiting for the unit to acknowledge
    ACKNOWLEDGED = "acknowledged"  # 已签收: being handled
    RETURNED = "returned"  # 已退单: waiting for a supervisor to redispatch
    RESOLVED = "resolved"  # 已办结: waiting for the citizen's answer
    REOPENED = "reopened"  # 重办: the citizen said "not solved"; same unit, same clock
    CLOSED = "closed"  # the citizen confirmed it solved
    CLOSED_UNCONFIRMED = "closed_unconfirmed"  # no answer after two asks; never "solved"


class TicketAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RETURN = "return"
    REDISPATCH = "redispatch"
    RESOLVE = "resolve"
    CONFIRM_SOLVED = "confirm_solved"
    REPORT_UNSOLVED = "report_unsolved"
    CLOSE_UNCONFIRMED = "close_unconfirmed"


class Channel(StrEnum):
    APP = "app"
    HOTLINE = "hotline"  # a clerk typed it in on the citizen's behalf
    SMS = "sms"
    OPEN311 = "open311"


class Rating(IntEnum):
    """好差评: five levels, stored as 1..5."""

    # best first, as the levels are always listed (and the API shows them)
    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意

    @property
    def label(self) -> str:
        """very_satisfied ... very_dissatisfied: the catalogs' `rating.<label>`."""
        return self.name.lower()

    @property
    def label_key(self) -> str:
        return f"rating.{self.label}"

    @property
    def opens_rectification(self) -> bool:
        """不满意 or worse: the unit must put it right (整改)."""
        return self <= Rating.DISSATISFIED

    @property
    def counts_as_satisfied(self) -> bool:
        return self >= Rating.BASICALLY_SATISFIED


RATING_LABELS = tuple(r.label for r in Rating)

FINAL_STATUSES = frozenset({TicketStatus.CLOSED, TicketStatus.CLOSED_UNCONFIRMED})
# the unit holds the ticket and its clock runs
WORKING_STATUSES = frozenset(
    {TicketStatus.DISPATCHED, TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED}
)
OPEN_STATUSES = frozenset(TicketStatus) - FINAL_STATUSES

_S = TicketStatus
_A = TicketAction
TRANSITIONS: dict[tuple[TicketStatus, TicketAction], TicketStatus] = {
    (_S.DISPATCHED, _A.ACKNOWLEDGE): _S.ACKNOWLEDGED,
    (_S.DISPATCHED, _A.RETURN): _S.RETURNED,
    (_S.ACKNOWLEDGED, _A.RETURN): _S.RETURNED,
    (_S.RETURNED, _A.REDISPATCH): _S.DISPATCHED,
    # a supervisor may move work that sits with the wrong unit (the review queue)
    (_S.DISPATCHED, _A.REDISPATCH): _S.DISPATCHED,
    (_S.ACKNOWLEDGED, _A.REDISPATCH): _S.DISPATCHED,
    (_S.ACKNOWLEDGED, _A.RESOLVE): _S.RESOLVED,
    (_S.REOPENED, _A.RESOLVE): _S.RESOLVED,
    (_S.RESOLVED, _A.CONFIRM_SOLVED): _S.CLOSED,
    (_S.RESOLVED, _A.REPORT_UNSOLVED): _S.REOPENED,
    (_S.RESOLVED, _A.CLOSE_UNCONFIRMED): _S.CLOSED_UNCONFIRMED,
}


class IllegalTicketTransition(IllegalStep[TicketStatus, TicketAction]):
    code = "ticket.illegal_transition"
    noun = "ticket"


def next_status(current: TicketStatus, action: TicketAction) -> TicketStatus:
    return step(TRANSITIONS, current, action, IllegalTicketTransition)


def allowed_actions(current: TicketStatus) -> frozenset[TicketAction]:
    return allowed(TRANSITIONS, current)


# --- deadlines ---------------------------------------------------------------------------------

ACK_HOURS_DANGER = 2
ACK_HOURS_NORMAL = 24
# after this many returns a ticket goes straight to the region's fallback unit, unreviewed
MAX_RETURNS_BEFORE_FALLBACK = 2
MAX_EXTENSION_DAYS = 15
MAX_EXTENSIONS = 2
RECTIFICATION_DAYS = 5
RECURRENCE_DAYS = 30
# "the same place": both located and within this distance, or the same region code otherwise
RECURRENCE_METRES = 300.0


class DeadlineProfile(StrEnum):
    """How many working days a unit has to handle a ticket, after the start day."""

    URGENT = "urgent"  # the same (working) day
    ENQUIRY = "enquiry"
    HELP = "help"
    COMPLAINT = "complaint"

    @property
    def working_days(self) -> int:
        return _PROFILE_DAYS[self]


_PROFILE_DAYS = {
    DeadlineProfile.URGENT: 0,
    DeadlineProfile.ENQUIRY: 1,
    DeadlineProfile.HELP: 3,
    DeadlineProfile.COMPLAINT: 13,
}

_PROFILE_BY_KIND = {
    TicketKind.ENQUIRY: DeadlineProfile.ENQUIRY,
    TicketKind.HELP: DeadlineProfile.HELP,
    TicketKind.COMPLAINT: DeadlineProfile.COMPLAINT,
    TicketKind.REPORT: DeadlineProfile.COMPLAINT,
    TicketKind.SUGGESTION: DeadlineProfile.COMPLAINT,
}


def default_profile(kind: TicketKind, urgency: Urgency) -> DeadlineProfile:
    """Urgent and dangerous tickets are handled the same day; the rest by their kind."""
    if urgency in (Urgency.URGENT, Urgency.DANGER):
        return DeadlineProfile.URGENT
    return _PROFILE_BY_KIND[kind]


def choose_profile(rule_profile: str | None, kind: TicketKind, urgency: Urgency) -> DeadlineProfile:
    """A rule's profile, but never slower than what the urgency demands."""
    fallback = default_profile(kind, urgency)
    if rule_profile is None:
        return fallback
    chosen = DeadlineProfile(rule_profile)
    return fallback if fallback.working_days < chosen.working_days else chosen


def ack_hours(urgency: Urgency) -> int:
    return ACK_HOURS_DANGER if urgency is Urgency.DANGER else ACK_HOURS_NORMAL


@dataclass(frozen=True)
class Deadlines:
    ack_due_at: datetime
    ack_remind_at: datetime
    handle_due_on: date
    handle_due_at: datetime
    handle_remind_at: datetime


def day_start(d: date) -> datetime:
    """00:00 Asia/Shanghai of `d`, as an aware UTC datetime."""
    return datetime.combine(d, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def remind_at(
    calendar: WorkingCalendar, start: datetime, due_on: date, total_days: int
) -> datetime:
    """When 75% of the time to `due_on` is used.

    Counted in working days like the SLA clocks (the start of the working day from which only
    the last quarter is left); a deadline on the start day itself counts hours instead, so a
    same-day ticket is not reminded the moment it arrives.
    """
    due_at = deadline_end(due_on)
    if due_on <= local_date(start):
        return start + (due_at - start) * 0.75
    return max(start, day_start(reminder_date(calendar, due_on, max(total_days, 1))))


def deadlines(
    calendar: WorkingCalendar,
    start: datetime,
    urgency: Urgency,
    profile: DeadlineProfile,
    extra_days: int = 0,
) -> Deadlines:
    hours = ack_hours(urgency)
    ack_due = start + timedelta(hours=hours)
    total = profile.working_days + extra_days
    due_on = calendar.add_working_days(local_date(start), total)
    return Deadlines(
        ack_due_at=ack_due,
        ack_remind_at=start + timedelta(hours=hours * 0.75),
        handle_due_on=due_on,
        handle_due_at=deadline_end(due_on),
        handle_remind_at=remind_at(calendar, start, due_on, total),
    )


# --- follow-up (回访) --------------------------------------------------------------------------

FOLLOW_UP_ASKS = 2
# how long the citizen has to answer each ask before asking again, then closing unconfirmed
FOLLOW_UP_WAIT = timedelta(hours=24)

_SOLVED_REPLIES = frozenset({"1", "是", "已解决", "解决", "解決", "已解決", "yes", "y", "solved"})
_UNSOLVED_REPLIES = frozenset(
    {"2", "否", "未解决", "没解决", "沒解決", "未解決", "no", "n", "not solved", "unsolved"}
)


def parse_follow_up_reply(text: str) -> bool | None:
    """An SMS reply to "reply 1 solved, 2 not solved": True, False, or None if unclear.

    Full-width digits and surrounding punctuation are tolerated ("１", "1。", " 2 ").
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().strip("。.!！,，").strip().casefold()
    if cleaned in _SOLVED_REPLIES:
        return True
    if cleaned in _UNSOLVED_REPLIES:
        return False
    return None


# --- input checks ------------------------------------------------------------------------------

# GeoReport v2 allows 4,000 characters; the app takes the same
MAX_DESCRIPTION_CHARS = 4000
MAX_NOTE_CHARS = 1000
MAX_REASON_CHARS = 500
MAX_COMMENT_CHARS = 500


def clean_text(text: str | None) -> str:
    """NFC, trimmed, with control characters other than newlines and tabs removed."""
    if text is None:
        return ""
    normal = unicodedata.normalize("NFC", text)
    return "".join(
        ch for ch in normal if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    ).strip()


def valid_coordinates(latitude: float | None, longitude: float | None) -> bool:
    """Both or neither; finite; within -90..90 and -180..180."""
    if latitude is None and longitude is None:
        return True
    if latitude is None or longitude is None:
        return False
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    radius = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    region_code: str
    latitude: float | None = None
    longitude: float | None = None


def same_place(a: Place, b: Place) -> bool:
    """Same region code; and when both are located, within RECURRENCE_METRES of each other."""
    if a.region_code != b.region_code:
        return False
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return True
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    return distance_metres(a.latitude, a.longitude, b.latitude, b.longitude) <= RECURRENCE_METRES


def region_ancestors(code: str) -> list[str]:
    """The code and its parents, finest first: 110105001001 -> [..001001, 110105001, 110105]."""
    found = [code]
    while len(code) > 6:
        code = code[:-3]
        found.append(code)
    return found


# --- filing limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingLimits:
    """Tickets allowed per citizen per hour and per day, and per client address per hour; 0
    turns that limit off."""

    citizen_hour: int
    citizen_day: int
    client_hour: int


@dataclass(frozen=True)
class FilingCounts:
    """Recent tickets, each count with the time of its oldest ticket in the window."""

    now: datetime
    citizen_hour: int = 0
    citizen_hour_first: datetime | None = None
    citizen_day: int = 0
    citizen_day_first: datetime | None = None
    client_hour: int = 0
    client_hour_first: datetime | None = None


def filing_windows(limits: FilingLimits) -> tuple[tuple[Window, ...], tuple[Window, ...]]:
    """The windows counted per citizen and per client address."""
    return (
        (Window(limits.citizen_hour, HOUR_SECONDS), Window(limits.citizen_day, DAY_SECONDS)),
        (Window(limits.client_hour, HOUR_SECONDS),),
    )


def filing_wait(counts: FilingCounts, limits: FilingLimits) -> int | None:
    """None when one more ticket is allowed; otherwise the seconds until it is (at least 1):
    when the oldest ticket of the fullest window leaves it."""
    (hour, day), (client,) = filing_windows(limits)
    return wait_seconds(
        counts.now,
        [
            (hour, Seen(counts.citizen_hour, counts.citizen_hour_first)),
            (day, Seen(counts.citizen_day, counts.citizen_day_first)),
            (client, Seen(counts.client_hour, counts.client_hour_first)),
        ],
    )


# --- the public view (Open311 GET without a key) -----------------------------------------------

# a street or township (9 digits): a community or village code comes too near a home
PUBLIC_REGION_DIGITS = 9
# two decimals: about 1.1 km north-south and 0.85 km east-west at Beijing's latitude
PUBLIC_COORDINATE_DECIMALS = 2


def public_region(code: str) -> str:
    return code[:PUBLIC_REGION_DIGITS]


def public_coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_COORDINATE_DECIMALS)
