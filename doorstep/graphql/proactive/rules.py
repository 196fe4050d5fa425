"""The rules that find people, for supervisors: versions, dry-run, publish. Thin resolvers
over `services.proactive.rules`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from doorstep.domain.errors import InvalidInput
from doorstep.graphql.context import Info
from doorstep.graphql.enums import Category as OfferCategory
from doorstep.graphql.enums import RuleKind as OfferKind
from doorstep.graphql.vault import as_json
from doorstep.mirror import mirror
from doorstep.services.proactive import rules


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


rule_type = mirror(
    OfferRuleVersion,
    rules.RuleVersionView,
    current=lambda r: r.current_version == r.version,
    condition=lambda r: as_json(r.condition),
    title=lambda r: as_json(r.title),
    explanation=lambda r: as_json(r.explanation),
)


@strawberry.type(description="What publishing a rule change would do, in numbers")
class RuleDryRun:
    code: str
    current_version: int | None
    matched: int = strawberry.field(description="Citizens the new version finds")
    gain: int = strawberry.field(description="Would get a new offer")
    lose: int = strawberry.field(description="Hold an open offer that would lapse")
    keep: int = strawberry.field(description="Hold an open offer that still applies")


_dry_run = mirror(RuleDryRun, rules.DryRun)


def _rule(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput("rule.input_invalid")
    return raw


@strawberry.type
class OfferRulesQuery:
    @strawberry.field(description="Staff: every rule that finds people, all versions")
    async def offer_rules(self, info: Info) -> list[OfferRuleVersion]:
        ctx = info.context
        return [rule_type(r) for r in await rules.list_rules(ctx.deps, ctx.actor)]


@strawberry.type
class OfferRulesMutation:
    @strawberry.mutation(
        description="Staff: how many would gain or lose an offer if this "
        "rule were published (nothing is changed)"
    )
    async def dry_run_offer_rule(self, info: Info, rule: JSON) -> RuleDryRun:
        ctx = info.context
        found = await rules.dry_run_rule(ctx.deps, ctx.actor, _rule(rule))
        return _dry_run(found)

    @strawberry.mutation(
        description="Supervisors: publish a new version of a rule (refused "
        "with the reason if it is invalid)"
    )
    async def publish_offer_rule(self, info: Info, rule: JSON) -> OfferRuleVersion:
        ctx = info.context
        return rule_type(await rules.publish_rule(ctx.deps, ctx.actor, _rule(rule)))
