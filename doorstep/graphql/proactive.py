"""Services that find people (服务找人): offers with their reasons, accept / dismiss / appeal,
opt-outs; rules for supervisors (dry-run, publish); appeal reviews and welfare visits."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from doorstep.domain.errors import InvalidInput
from doorstep.graphql.applications import Application, application_type, confirmation_pending
from doorstep.graphql.context import Info
from doorstep.graphql.vault import as_json
from doorstep.i18n import translate
from doorstep.services import confirmations
from doorstep.services import proactive as service


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


@strawberry.enum(description="Kinds of offers a citizen may turn off (welfare visits excepted)")
class OfferCategory(Enum):
    ELDERLY = "elderly"
    FAMILY = "family"
    HEALTH_INSURANCE = "health_insurance"
    DISABILITY = "disability"
    RETIREMENT = "retirement"
    SOCIAL_ASSISTANCE = "social_assistance"
    WELFARE = "welfare"


@strawberry.enum
class OfferKind(Enum):
    OFFER = "offer"
    ALERT = "alert"
    WELFARE_CHECK = "welfare_check"


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


def _evidence(items: list[service.Evidence], language: str) -> list[OfferEvidence]:
    return [
        OfferEvidence(
            field=e.field,
            label=translate(f"fact.{e.field}", language),
            value=service.show_value(e.field, e.value, language),
            raw_value=e.value,
            source_unit=e.unit_name,
            as_of=e.as_of,
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


def offer_type(o: service.OfferView, language: str) -> Offer:
    return Offer(
        id=strawberry.ID(str(o.id)),
        rule_code=o.rule_code,
        rule_version=o.rule_version,
        kind=OfferKind(o.kind.value),
        kind_label=translate(f"rule_kind.{o.kind.value}", language),
        category=OfferCategory(o.category.value),
        category_label=translate(f"offer_category.{o.category.value}", language),
        title=o.title_in(language),
        reason=o.reason(language),
        evidence=_evidence(o.evidence, language),
        owner_unit=o.owner_unit_name,
        status=OfferStatus(o.status),
        status_label=translate(f"offer_status.{o.status}", language),
        bundle_code=o.bundle_code,
        created_at=o.created_at,
        expires_at=o.expires_at,
        application_number=o.application_number,
        appeal_status=AppealStatus(o.appeal_status) if o.appeal_status else None,
        appeal_reason=o.appeal_reason,
        appeal_note=o.appeal_note,
    )


@strawberry.type(description="An accepted offer and the application it started")
class AcceptedOffer:
    offer: Offer
    application: Application


@strawberry.type
class OfferCategoryChoice:
    category: OfferCategory
    label: str
    opted_out: bool
    may_opt_out: bool


def _choices(found: list[service.CategoryChoice], language: str) -> list[OfferCategoryChoice]:
    return [
        OfferCategoryChoice(
            category=OfferCategory(c.category.value),
            label=translate(f"offer_category.{c.category.value}", language),
            opted_out=c.opted_out,
            may_opt_out=c.may_opt_out,
        )
        for c in found
    ]


@strawberry.type(description="One version of a rule that finds people")
class OfferRuleVersion:
    code: str
    version: int
    current: bool
    kind: OfferKind
    category: OfferCategory
    bundle_code: str | None
    owner_unit_code: str
    owner_unit_name: str
    condition: JSON
    title: JSON
    explanation: JSON
    valid_days: int
    fact_keys: list[str]
    published_at: datetime
    published_by: str | None


def rule_type(r: service.RuleVersionView) -> OfferRuleVersion:
    return OfferRuleVersion(
        code=r.code,
        version=r.version,
        current=r.current,
        kind=OfferKind(r.kind.value),
        category=OfferCategory(r.category.value),
        bundle_code=r.bundle_code,
        owner_unit_code=r.owner_unit_code,
        owner_unit_name=r.owner_unit_name,
        condition=as_json(r.condition),
        title=as_json(r.title),
        explanation=as_json(r.explanation),
        valid_days=r.valid_days,
        fact_keys=r.fact_keys,
        published_at=r.published_at,
        published_by=r.published_by,
    )


@strawberry.type(description="What publishing a rule change would do, in numbers")
class RuleDryRun:
    code: str
    current_version: int | None
    matched: int = strawberry.field(description="Citizens the new version finds")
    gain: int = strawberry.field(description="Would get a new offer")
    lose: int = strawberry.field(description="Hold an open offer that would lapse")
    keep: int = strawberry.field(description="Hold an open offer that still applies")


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


def appeal_type(a: service.AppealView, language: str) -> OfferAppeal:
    return OfferAppeal(
        id=strawberry.ID(str(a.id)),
        offer_id=strawberry.ID(str(a.offer_id)),
        status=AppealStatus(a.status),
        status_label=translate(f"appeal_status.{a.status}", language),
        reason=a.reason,
        decision_note=a.decision_note,
        unit_name=a.unit_name,
        citizen_name=a.citizen_name,
        citizen_resident_id_masked=a.citizen_resident_id_masked,
        rule_code=a.rule_code,
        rule_version=a.rule_version,
        title=a.title.get(language) or a.title["zh_Hans"],
        explanation=service.explain(a.explanation, a.raw_evidence, a.offer_created_at, language),
        evidence=_evidence(a.evidence, language),
        created_at=a.created_at,
        decided_at=a.decided_at,
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


def check_type(w: service.WelfareCheckView, language: str) -> WelfareCheck:
    return WelfareCheck(
        id=strawberry.ID(str(w.id)),
        status=WelfareCheckStatus(w.status),
        due_on=w.due_on,
        outcome=WelfareOutcome(w.outcome) if w.outcome else None,
        outcome_label=translate(f"welfare_outcome.{w.outcome}", language) if w.outcome else None,
        note=w.note,
        unit_name=w.unit_name,
        citizen_name=w.citizen_name,
        citizen_phone=w.citizen_phone,
        rule_code=w.rule_code,
        rule_version=w.rule_version,
        title=w.title.get(language) or w.title["zh_Hans"],
        reason=service.explain(w.explanation, w.raw_evidence, w.offer_created_at, language),
        evidence=_evidence(w.evidence, language),
        created_at=w.created_at,
        done_at=w.done_at,
    )


@strawberry.type
class RuleRunItem:
    code: str
    version: int
    created: int
    lapsed: int
    seconds: float


@strawberry.type(description="One evaluation of every published rule")
class RuleRunReport:
    rules: list[RuleRunItem]
    created: int
    expired: int
    seconds: float


def _int_id(raw: strawberry.ID, code: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(code) from None
    if not 0 < value < 2**63:
        raise InvalidInput(code)
    return value


def _rule(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput("rule.input_invalid")
    return raw


@strawberry.type
class ProactiveQuery:
    @strawberry.field(description="Offers found for the signed-in citizen, newest first")
    async def my_offers(
        self, info: Info, statuses: list[OfferStatus] | None = None, first: int = 50
    ) -> list[Offer]:
        ctx = info.context
        found = await service.my_offers(
            ctx.deps, ctx.actor, [s.value for s in statuses] if statuses else None, first
        )
        return [offer_type(o, ctx.language) for o in found]

    @strawberry.field(description="Offer categories and which the citizen turned off")
    async def offer_categories(self, info: Info) -> list[OfferCategoryChoice]:
        ctx = info.context
        return _choices(await service.offer_categories(ctx.deps, ctx.actor), ctx.language)

    @strawberry.field(description="Staff: every rule that finds people, all versions")
    async def offer_rules(self, info: Info) -> list[OfferRuleVersion]:
        ctx = info.context
        return [rule_type(r) for r in await service.list_rules(ctx.deps, ctx.actor)]

    @strawberry.field(description="Staff: appeals on their unit's offers (supervisors: region)")
    async def offer_appeals(
        self, info: Info, statuses: list[AppealStatus] | None = None, first: int = 50
    ) -> list[OfferAppeal]:
        ctx = info.context
        found = await service.appeal_queue(
            ctx.deps, ctx.actor, [s.value for s in statuses] if statuses else None, first
        )
        return [appeal_type(a, ctx.language) for a in found]

    @strawberry.field(description="Staff: home visits for their community (supervisors: region)")
    async def welfare_checks(
        self, info: Info, statuses: list[WelfareCheckStatus] | None = None, first: int = 50
    ) -> list[WelfareCheck]:
        ctx = info.context
        found = await service.welfare_checks(
            ctx.deps, ctx.actor, [s.value for s in statuses] if statuses else None, first
        )
        return [check_type(w, ctx.language) for w in found]


@strawberry.type
class ProactiveMutation:
    @strawberry.mutation(
        description="Accept an offer: a pre-filled application in one step "
        "(an agent's acceptance of one that moves money waits "
        "for the principal's confirmation, as submitApplication)"
    )
    async def accept_offer(self, info: Info, id: strawberry.ID) -> AcceptedOffer:
        ctx = info.context
        accepted = await confirmations.accept_offer(
            ctx.deps, ctx.actor, _int_id(id, "offer.id_invalid")
        )
        if isinstance(accepted, confirmations.ConfirmationView):
            raise confirmation_pending(accepted)
        offer, application = accepted
        return AcceptedOffer(
            offer=offer_type(offer, ctx.language),
            application=application_type(application, ctx.language, ctx.elder),
        )

    @strawberry.mutation(description="Not interested: the offer is not made again")
    async def dismiss_offer(self, info: Info, id: strawberry.ID) -> Offer:
        ctx = info.context
        found = await service.dismiss_offer(ctx.deps, ctx.actor, _int_id(id, "offer.id_invalid"))
        return offer_type(found, ctx.language)

    @strawberry.mutation(description="'This is not right': a person reviews the offer")
    async def appeal_offer(self, info: Info, id: strawberry.ID, reason: str) -> Offer:
        ctx = info.context
        found = await service.appeal_offer(
            ctx.deps, ctx.actor, _int_id(id, "offer.id_invalid"), reason
        )
        return offer_type(found, ctx.language)

    @strawberry.mutation(description="Turn a category of offers off (or back on)")
    async def set_offer_opt_out(
        self, info: Info, category: OfferCategory, opted_out: bool
    ) -> list[OfferCategoryChoice]:
        ctx = info.context
        found = await service.set_opt_out(ctx.deps, ctx.actor, category.value, opted_out)
        return _choices(found, ctx.language)

    @strawberry.mutation(
        description="Staff: how many would gain or lose an offer if this "
        "rule were published (nothing is changed)"
    )
    async def dry_run_offer_rule(self, info: Info, rule: JSON) -> RuleDryRun:
        ctx = info.context
        found = await service.dry_run_rule(ctx.deps, ctx.actor, _rule(rule))
        return RuleDryRun(
            code=found.code,
            current_version=found.current_version,
            matched=found.matched,
            gain=found.gain,
            lose=found.lose,
            keep=found.keep,
        )

    @strawberry.mutation(
        description="Supervisors: publish a new version of a rule (refused "
        "with the reason if it is invalid)"
    )
    async def publish_offer_rule(self, info: Info, rule: JSON) -> OfferRuleVersion:
        ctx = info.context
        return rule_type(await service.publish_rule(ctx.deps, ctx.actor, _rule(rule)))

    @strawberry.mutation(description="Staff: uphold (withdraw the offer) or reject an appeal")
    async def decide_offer_appeal(
        self, info: Info, id: strawberry.ID, uphold: bool, note: str
    ) -> OfferAppeal:
        ctx = info.context
        found = await service.decide_appeal(
            ctx.deps, ctx.actor, _int_id(id, "appeal.id_invalid"), uphold=uphold, note=note
        )
        return appeal_type(found, ctx.language)

    @strawberry.mutation(description="Community staff: record a home visit")
    async def complete_welfare_check(
        self, info: Info, id: strawberry.ID, outcome: WelfareOutcome, note: str | None = None
    ) -> WelfareCheck:
        ctx = info.context
        found = await service.complete_welfare_check(
            ctx.deps, ctx.actor, _int_id(id, "welfare.id_invalid"), outcome=outcome.value, note=note
        )
        return check_type(found, ctx.language)

    @strawberry.mutation(description="Admin: run every rule now and notify (the cron does this)")
    async def run_offer_rules(self, info: Info) -> RuleRunReport:
        ctx = info.context
        result = await service.run_rules_now(ctx.deps, ctx.actor)
        return RuleRunReport(
            rules=[
                RuleRunItem(
                    code=r.code,
                    version=r.version,
                    created=r.created,
                    lapsed=r.lapsed,
                    seconds=round(r.seconds, 3),
                )
                for r in result.rules
            ],
            created=result.created,
            expired=result.expired,
            seconds=round(result.seconds, 3),
        )
