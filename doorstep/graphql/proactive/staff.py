"""The staff's side: appeals to decide, welfare visits to make. Thin resolvers over
`services.proactive.staff`."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import values
from doorstep.graphql.ids import parse_id
from doorstep.graphql.proactive.types import (
    AppealStatus,
    OfferEvidence,
    WelfareCheckStatus,
    WelfareOutcome,
    evidence_of,
)
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services.proactive import staff


@strawberry.type(description="A citizen's 'this is not right' on an offer, for review")
class OfferAppeal:
    id: strawberry.ID
    offer_id: strawberry.ID
    status: AppealStatus
    status_label: str
    reason: str
    decision_note: str | None
    unit_name: str
    citizen_name: str | None
    citizen_resident_id_masked: str | None
    rule_code: str
    rule_version: int
    title: str
    explanation: str
    evidence: list[OfferEvidence]
    created_at: datetime
    decided_at: datetime | None


_appeal = mirror(
    OfferAppeal,
    staff.AppealRow,
    offer_id="opportunity_id",
    status_label=GIVEN,
    title=GIVEN,
    explanation=GIVEN,
    evidence=GIVEN,
)


def appeal_type(a: staff.AppealView, language: str) -> OfferAppeal:
    return _appeal(
        a.row,
        status_label=translate(f"appeal_status.{a.row.status}", language),
        title=a.offer.title_in(language),
        explanation=a.offer.reason(language),
        evidence=evidence_of(a.offer.evidence, language),
    )


@strawberry.type(description="A home visit for a community unit (独居老人探访 and the like)")
class WelfareCheck:
    id: strawberry.ID
    status: WelfareCheckStatus
    due_on: date
    outcome: WelfareOutcome | None
    outcome_label: str | None
    note: str | None
    unit_name: str
    citizen_name: str | None
    citizen_phone: str
    rule_code: str
    rule_version: int
    title: str
    reason: str
    evidence: list[OfferEvidence]
    created_at: datetime
    done_at: datetime | None


_check = mirror(
    WelfareCheck, staff.CheckRow, outcome_label=GIVEN, title=GIVEN, reason=GIVEN, evidence=GIVEN
)


def check_type(w: staff.WelfareCheckView, language: str) -> WelfareCheck:
    outcome = w.row.outcome
    return _check(
        w.row,
        outcome_label=translate(f"welfare_outcome.{outcome}", language) if outcome else None,
        title=w.offer.title_in(language),
        reason=w.offer.reason(language),
        evidence=evidence_of(w.offer.evidence, language),
    )


@strawberry.type
class OfferStaffQuery:
    @strawberry.field(description="Staff: appeals on their unit's offers (supervisors: region)")
    async def offer_appeals(
        self, info: Info, statuses: list[AppealStatus] | None = None, first: int = 50
    ) -> list[OfferAppeal]:
        ctx = info.context
        found = await staff.appeal_queue(ctx.deps, ctx.actor, values(statuses), first)
        return [appeal_type(a, ctx.language) for a in found]

    @strawberry.field(description="Staff: home visits for their community (supervisors: region)")
    async def welfare_checks(
        self, info: Info, statuses: list[WelfareCheckStatus] | None = None, first: int = 50
    ) -> list[WelfareCheck]:
        ctx = info.context
        found = await staff.welfare_checks(ctx.deps, ctx.actor, values(statuses), first)
        return [check_type(w, ctx.language) for w in found]


@strawberry.type
class OfferStaffMutation:
    @strawberry.mutation(description="Staff: uphold (withdraw the offer) or reject an appeal")
    async def decide_offer_appeal(
        self, info: Info, id: strawberry.ID, uphold: bool, note: str
    ) -> OfferAppeal:
        ctx = info.context
        found = await staff.decide_appeal(
            ctx.deps, ctx.actor, parse_id(id, "appeal.id_invalid"), uphold=uphold, note=note
        )
        return appeal_type(found, ctx.language)

    @strawberry.mutation(description="Community staff: record a home visit")
    async def complete_welfare_check(
        self, info: Info, id: strawberry.ID, outcome: WelfareOutcome, note: str | None = None
    ) -> WelfareCheck:
        ctx = info.context
        found = await staff.complete_welfare_check(
            ctx.deps,
            ctx.actor,
            parse_id(id, "welfare.id_invalid"),
            outcome=outcome.value,
            note=note,
        )
        return check_type(found, ctx.language)
