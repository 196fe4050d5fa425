"""The staff's side: appeals to decide, welfare visits to make. Thin resolvers over
`services.proactive.staff`."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.ids import parse_id
from doorstep.graphql.proactive.types import (
    AppealStatus,
    OfferEvidence,
    WelfareCheckStatus,
    WelfareOutcome,
    evidence_of,
)
from doorstep.i18n import translate
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


def appeal_type(a: staff.AppealView, language: str) -> OfferAppeal:
    row = a.row
    return OfferAppeal(
        id=strawberry.ID(str(row.id)),
        offer_id=strawberry.ID(str(row.opportunity_id)),
        status=AppealStatus(row.status),
        status_label=translate(f"appeal_status.{row.status}", language),
        reason=row.reason,
        decision_note=row.decision_note,
        unit_name=row.unit_name,
        citizen_name=row.citizen_name,
        citizen_resident_id_masked=row.citizen_resident_id_masked,
        rule_code=a.offer.rule_code,
        rule_version=a.offer.rule_version,
        title=a.offer.title_in(language),
        explanation=a.offer.reason(language),
        evidence=evidence_of(a.offer.evidence, language),
        created_at=row.created_at,
        decided_at=row.decided_at,
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


def check_type(w: staff.WelfareCheckView, language: str) -> WelfareCheck:
    row = w.row
    return WelfareCheck(
        id=strawberry.ID(str(row.id)),
        status=WelfareCheckStatus(row.status),
        due_on=row.due_on,
        outcome=WelfareOutcome(row.outcome) if row.outcome else None,
        outcome_label=translate(f"welfare_outcome.{row.outcome}", language)
        if row.outcome
        else None,
        note=row.note,
        unit_name=row.unit_name,
        citizen_name=row.citizen_name,
        citizen_phone=row.citizen_phone,
        rule_code=w.offer.rule_code,
        rule_version=w.offer.rule_version,
        title=w.offer.title_in(language),
        reason=w.offer.reason(language),
        evidence=evidence_of(w.offer.evidence, language),
        created_at=row.created_at,
        done_at=row.done_at,
    )


@strawberry.type
class OfferStaffQuery:
    @strawberry.field(description="Staff: appeals on their unit's offers (supervisors: region)")
    async def offer_appeals(
        self, info: Info, statuses: list[AppealStatus] | None = None, first: int = 50
    ) -> list[OfferAppeal]:
        ctx = info.context
        found = await staff.appeal_queue(
            ctx.deps, ctx.actor, [s.value for s in statuses] if statuses else None, first
        )
        return [appeal_type(a, ctx.language) for a in found]

    @strawberry.field(description="Staff: home visits for their community (supervisors: region)")
    async def welfare_checks(
        self, info: Info, statuses: list[WelfareCheckStatus] | None = None, first: int = 50
    ) -> list[WelfareCheck]:
        ctx = info.context
        found = await staff.welfare_checks(
            ctx.deps, ctx.actor, [s.value for s in statuses] if statuses else None, first
        )
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
