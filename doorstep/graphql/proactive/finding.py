"""Running the rules now (the cron does it too). A thin resolver over
`services.proactive.finding`."""

from __future__ import annotations

import strawberry

from doorstep.graphql.context import Info
from doorstep.mirror import mirror
from doorstep.services.proactive import finding


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


_item = mirror(RuleRunItem, finding.RuleRun, seconds=lambda r: round(r.seconds, 3))
_report = mirror(
    RuleRunReport,
    finding.Evaluation,
    rules=_item,
    seconds=lambda e: round(e.seconds, 3),
)


@strawberry.type
class RunOfferRulesMutation:
    @strawberry.mutation(description="Admin: run every rule now and notify (the cron does this)")
    async def run_offer_rules(self, info: Info) -> RuleRunReport:
        ctx = info.context
        result = await finding.run_rules_now(ctx.deps, ctx.actor)
        return _report(result)
