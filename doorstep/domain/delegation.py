"""Delegation (帮办代办): a relative (the agent) acting for a citizen (the principal).

Pure rules: themes and what they cover, the life cycle of a delegation, validity periods, what
an SMS reply means, and which actions move money (those need the principal's own act).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Theme(StrEnum):
    """What an agent may act on. A bundle belongs to exactly one theme; ALL covers every one."""

    APPLICATIONS = "applications"  # general applications (一件事) not in a theme below
    SOCIAL_SECURITY = "social_security"
    MEDICAL_INSURANCE = "medical_insurance"
    ELDERLY_SUBSIDY = "elderly_subsidy"
    ALL = "all"


class DelegationStatus(StrEnum):
    REQUESTED = "requested"  # the agent asked; nothing is allowed until the principal consents
    ACTIVE = "active"
    REVOKED = "revoked"  # by the principal (app, SMS "0", counter) or withdrawn by the agent
    EXPIRED = "expired"  # its period ended, or the request was never answered in time
    REFUSED = "refused"  # the principal said no


class ConsentMethod(StrEnum):
    APP = "app"
    SMS = "sms"
    IN_PERSON = "in_person"  # at a service counter; the staff member records their checks


OPEN_STATUSES = frozenset({DelegationStatus.REQUESTED, DelegationStatus.ACTIVE})

# bundle code -> theme; every other bundle is a general application
BUNDLE_THEMES: dict[str, Theme] = {
    "social-card": Theme.SOCIAL_SECURITY,
    "retirement": Theme.SOCIAL_SECURITY,
    "remote-medical-filing": Theme.MEDICAL_INSURANCE,
    "elderly-subsidy": Theme.ELDERLY_SUBSIDY,
}

# bundles whose items pay out or move money or property to an account (pension claim, housing
# fund withdrawal and inheritance): an agent cannot submit them alone; what the agent fills in
# waits for the principal's own confirmation (see ConfirmationStatus)
MONEY_BUNDLES = frozenset({"retirement", "after-death"})

# how long a request waits for the principal's answer
REQUEST_TTL = timedelta(days=7)
# the principal (and the agent) are told this long before a delegation ends
EXPIRY_WARNING = timedelta(days=7)
MIN_DAYS = 1


# tickets (诉求: requests, complaints) are general matters: the theme of general applications
TICKET_THEME = Theme.APPLICATIONS


def theme_of_bundle(bundle_code: str) -> Theme:
    return BUNDLE_THEMES.get(bundle_code, Theme.APPLICATIONS)


def moves_money(bundle_code: str) -> bool:
    return bundle_code in MONEY_BUNDLES


def covers(themes: Iterable[Theme], theme: Theme) -> bool:
    chosen = set(themes)
    return Theme.ALL in chosen or theme in chosen


@dataclass(frozen=True)
class BundleFilter:
    """Which bundles' applications a set of themes reaches, for a query: every bundle, or
    those listed, plus (when general applications are covered) every bundle of no theme."""

    everything: bool
    included: tuple[str, ...]
    general: bool
    themed: tuple[str, ...]

    def allows(self, bundle_code: str) -> bool:
        return (
            self.everything
            or bundle_code in self.included
            or (self.general and bundle_code not in self.themed)
        )


def bundle_filter(themes: Iterable[Theme]) -> BundleFilter:
    chosen = set(themes)
    return BundleFilter(
        everything=Theme.ALL in chosen,
        included=tuple(sorted(code for code, theme in BUNDLE_THEMES.items() if theme in chosen)),
        general=Theme.APPLICATIONS in chosen,
        themed=tuple(sorted(BUNDLE_THEMES)),
    )


def parse_themes(raw: Iterable[str]) -> frozenset[Theme]:
    """The themes asked for; ValueError("delegation.themes_invalid") for none or unknown ones.

    "all" with others is just "all".
    """
    try:
        themes = frozenset(Theme(value.strip().lower()) for value in raw)
    except ValueError:
        raise ValueError("delegation.themes_invalid") from None
    if not themes:
        raise ValueError("delegation.themes_invalid")
    return frozenset({Theme.ALL}) if Theme.ALL in themes else themes


def validity(days: int, max_days: int, now: datetime) -> tuple[datetime, datetime]:
    """(valid_from, valid_until) for a period of `days` from now; ValueError when outside
    1..max_days. The period is counted from the request, so waiting for consent uses it up."""
    if not MIN_DAYS <= days <= max_days:
        raise ValueError("delegation.days_invalid")
    return now, now + timedelta(days=days)


@dataclass(frozen=True)
class Grant:
    """What a delegation allows, as the policy sees it."""

    delegation_id: int
    themes: frozenset[Theme]
    status: DelegationStatus
    valid_from: datetime
    valid_until: datetime

    def is_active(self, now: datetime) -> bool:
        return self.status is DelegationStatus.ACTIVE and self.valid_from <= now < self.valid_until


def effective_status(
    status: DelegationStatus, requested_at: datetime, valid_until: datetime, now: datetime
) -> DelegationStatus:
    """The status as of `now`: an active delegation past its end, or a request left unanswered
    too long (or past the end it asked for), is expired even before the sweep records it."""
    if status is DelegationStatus.ACTIVE and now >= valid_until:
        return DelegationStatus.EXPIRED
    if status is DelegationStatus.REQUESTED and (
        now >= requested_at + REQUEST_TTL or now >= valid_until
    ):
        return DelegationStatus.EXPIRED
    return status


class ConfirmationStatus(StrEnum):
    """An agent's action that moves money or property, waiting for the principal's own act."""

    PENDING = "pending"  # the principal was asked (SMS and app); nothing is applied for yet
    CONFIRMED = "confirmed"  # the principal said yes: the application exists
    REFUSED = "refused"  # the principal said no
    EXPIRED = "expired"  # not answered in time
    CANCELLED = "cancelled"  # the delegation was revoked or ended before an answer


def confirmation_status(
    status: ConfirmationStatus, expires_at: datetime, delegation_active: bool, now: datetime
) -> ConfirmationStatus:
    """The status as of `now`: a pending confirmation whose delegation no longer holds is
    cancelled, one past its time expired, even before the sweep records it."""
    if status is ConfirmationStatus.PENDING:
        if not delegation_active:
            return ConfirmationStatus.CANCELLED
        if now >= expires_at:
            return ConfirmationStatus.EXPIRED
    return status


class Reply(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"


_FULLWIDTH = str.maketrans("０１２３４５６７８９ＹＮｙｎ", "0123456789YNyn")
_REPLIES = {
    "y": Reply.YES,
    "yes": Reply.YES,
    "是": Reply.YES,
    "同意": Reply.YES,
    "好": Reply.YES,
    "n": Reply.NO,
    "no": Reply.NO,
    "否": Reply.NO,
    "不同意": Reply.NO,
    "不": Reply.NO,
    "0": Reply.STOP,
    "停": Reply.STOP,
    "停止": Reply.STOP,
    "stop": Reply.STOP,
}


def parse_reply(text: str) -> Reply | None:
    """What an SMS reply means for delegations: Y (consent), N (refuse), 0 (stop), or nothing.

    Keypad phones and Chinese IMEs send full-width characters and trailing punctuation.
    """
    cleaned = text.translate(_FULLWIDTH).strip().strip("。.!！ ").lower()
    return _REPLIES.get(cleaned)
