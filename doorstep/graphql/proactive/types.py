"""An offer in GraphQL: its enums and type, explained in the reader's language (mirrors
`services.proactive.views`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from doorstep.graphql.enums import Category as OfferCategory
from doorstep.graphql.enums import RuleKind as OfferKind
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services.proactive import views


@strawberry.enum(description="Where an offer stands")
class OfferStatus(Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"
    EXPIRED = "expired"
    RESOLVED = "resolved"


@strawberry.enum
class AppealStatus(Enum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


@strawberry.enum
class WelfareOutcome(Enum):
    SAFE = "safe"
    NEEDS_HELP = "needs_help"
    NOT_REACHED = "not_reached"


@strawberry.enum
class WelfareCheckStatus(Enum):
    OPEN = "open"
    DONE = "done"


@strawberry.type(description="One value that produced an offer, and where it came from")
class OfferEvidence:
    field: str
    label: str
    value: str
    raw_value: JSON
    source_unit: str | None
    as_of: datetime | None


_evidence = mirror(
    OfferEvidence,
    views.Evidence,
    label=GIVEN,
    value=GIVEN,
    raw_value=lambda e: e.value,
    source_unit="unit_name",
)


def evidence_of(items: list[views.Evidence], language: str) -> list[OfferEvidence]:
    return [
        _evidence(
            e,
            label=translate(f"fact.{e.field}", language),
            value=views.show_value(e.field, e.value, language),
        )
        for e in items
    ]


@strawberry.type(description="A service found for the citizen, with why")
class Offer:
    id: strawberry.ID
    rule_code: str
    rule_version: int = strawberry.field(description="The rule version that found it")
    kind: OfferKind
    kind_label: str
    category: OfferCategory
    category_label: str
    title: str
    reason: str = strawberry.field(description="In plain words, from the values below")
    evidence: list[OfferEvidence]
    owner_unit: str
    status: OfferStatus
    status_label: str
    bundle_code: str | None = strawberry.field(description="Accepting applies for this")
    created_at: datetime
    expires_at: datetime
    application_number: str | None
    appeal_status: AppealStatus | None
    appeal_reason: str | None
    appeal_note: str | None = strawberry.field(description="The reviewer's answer")


_offer = mirror(
    Offer,
    views.OfferView,
    kind_label=GIVEN,
    category_label=GIVEN,
    title=GIVEN,
    reason=GIVEN,
    evidence=GIVEN,
    owner_unit="owner_unit_name",
    status_label=GIVEN,
)


def offer_type(o: views.OfferView, language: str) -> Offer:
    return _offer(
        o,
        kind_label=translate(f"rule_kind.{o.kind.value}", language),
        category_label=translate(f"offer_category.{o.category.value}", language),
        title=o.title_in(language),
        reason=o.reason(language),
        evidence=evidence_of(o.evidence, language),
        status_label=translate(f"offer_status.{o.status}", language),
    )
