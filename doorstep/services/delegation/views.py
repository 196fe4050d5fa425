"""What a party sees of a delegation, and the small readings shared by its use cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from doorstep.domain.calendar import local_date
from doorstep.domain.delegation import ConsentMethod, DelegationStatus, Theme
from doorstep.domain.errors import InvalidInput
from doorstep.domain.identity import normalize_phone
from doorstep.domain.policy import Actor
from doorstep.i18n import translate
from doorstep.services.acting import Party, grant_of, party
from doorstep.store.delegation import DelegationRow


@dataclass(frozen=True)
class DelegationView:
    id: int
    agent: Party
    principal: Party
    themes: tuple[Theme, ...]
    status: DelegationStatus
    requested_at: datetime
    valid_from: datetime
    valid_until: datetime
    consent_method: ConsentMethod | None
    consented_at: datetime | None
    ended_at: datetime | None
    # how the viewer relates to it: "agent" or "principal" (staff: "staff")
    viewer_is: str


def utc_now() -> datetime:
    return datetime.now(UTC)


def view_of(row: DelegationRow, viewer_is: str) -> DelegationView:
    grant = grant_of(row)
    return DelegationView(
        id=row.id,
        agent=party(row.agent_id, row.agent_name, row.agent_phone),
        principal=party(row.principal_id, row.principal_name, row.principal_phone),
        themes=tuple(sorted(grant.themes)),
        status=grant.status,
        requested_at=row.requested_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        consent_method=ConsentMethod(row.consent_method) if row.consent_method else None,
        consented_at=row.consented_at,
        ended_at=row.ended_at,
        viewer_is=viewer_is,
    )


def viewer_of(actor: Actor, row: DelegationRow) -> str:
    if actor.citizen_id == row.principal_id:
        return "principal"
    if actor.citizen_id == row.agent_id:
        return "agent"
    return "staff"


def theme_labels(themes: Iterable[Theme | str], language: str) -> str:
    separator = ", " if language == "en" else "、"
    return separator.join(translate(f"theme.{Theme(t).value}", language) for t in sorted(themes))


def until_text(row: DelegationRow) -> str:
    return local_date(row.valid_until).isoformat()


def parse_phone(raw: str, code: str) -> str:
    try:
        return normalize_phone(raw)
    except ValueError:
        raise InvalidInput(code) from None
