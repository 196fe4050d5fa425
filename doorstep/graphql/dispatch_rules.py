"""Supervisors manage the dispatch rules: a draft, its dry run over recent tickets, publishing.
Thin resolvers over `services.dispatch_rules`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.enums import Basis as DispatchBasis
from doorstep.graphql.enums import DeadlineProfile, TicketKind, Urgency
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import dispatch_rules as rules_service
from doorstep.services.dispatch_rules import views as rule_views

# --- dispatch rules ------------------------------------------------------------------------------


@strawberry.type(description="A dispatch rule: conditions (empty = any) and where it sends")
class DispatchRule:
    rule_no: int
    version: int
    priority: int = strawberry.field(description="Rules are tried from priority 1 upwards")
    kinds: list[str]
    categories: list[str]
    region_prefixes: list[str]
    keywords: list[str]
    urgencies: list[str]
    lead_unit_code: str
    lead_unit_name: str
    assisting_unit_codes: list[str]
    deadline_profile: DeadlineProfile | None
    note: str
    is_guess: bool = strawberry.field(
        description="Keywords without a category: its tickets go to review with a suggestion"
    )


@strawberry.type(description="Why a rule set cannot be published, or what to look at again")
class RuleProblem:
    rule_no: int | None
    code: str
    message: str


@strawberry.type(description="A version of the dispatch rules")
class DispatchRuleSet:
    id: int
    status: str
    base_id: int | None
    note: str
    published_at: datetime | None
    rules: list[DispatchRule]
    warnings: list[RuleProblem]
    stale: bool = strawberry.field(description="A draft copied from a set no longer published")
    current_warnings: list[RuleProblem] = strawberry.field(
        description="The warnings as the catalog stands now (for a published set: units that "
        "stopped serving what a rule sends them, retired categories)"
    )


@strawberry.type(description="A recent ticket the draft would route differently")
class RoutingChange:
    number: str
    category_code: str
    region_code: str
    before_unit: str
    after_unit: str
    before_basis: DispatchBasis
    after_basis: DispatchBasis
    before_rule: int | None
    after_rule: int | None


@strawberry.type
class DryRunResult:
    since: datetime
    tickets_in_period: int
    examined: int
    changed: int
    to_review_before: int
    to_review_after: int
    changes: list[RoutingChange]
    errors: list[RuleProblem]
    warnings: list[RuleProblem]


@strawberry.type
class PublishRulesResult:
    rule_set: DispatchRuleSet
    warnings: list[RuleProblem]
    changed_rules: list[int]


@strawberry.input(description="A rule for the draft; with ruleNo it changes that rule")
class DispatchRuleInput:
    priority: int
    lead_unit_code: str
    rule_no: int | None = None
    kinds: list[TicketKind] = strawberry.field(default_factory=list)
    categories: list[str] = strawberry.field(default_factory=list)
    region_prefixes: list[str] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(default_factory=list)
    urgencies: list[Urgency] = strawberry.field(default_factory=list)
    assisting_unit_codes: list[str] = strawberry.field(default_factory=list)
    deadline_profile: DeadlineProfile | None = None
    note: str = ""


def rule_problems(
    found: Iterable[rules_service.ProblemView], language: str, elder: bool, *, error: bool = False
) -> list[RuleProblem]:
    """Problems as the reader is told them: warnings, or (error) why a set is refused."""
    return [_rule_problem(p, language, elder, error=error) for p in found]


def _rule_problem(
    p: rules_service.ProblemView, language: str, elder: bool, *, error: bool
) -> RuleProblem:
    params = {k: str(v) for k, v in p.params.items()}
    params["rule"] = str(p.rule_no or "")
    key = f"error.dispatch_rule.{p.code}" if error else f"dispatch_warning.{p.code}"
    return RuleProblem(
        rule_no=p.rule_no, code=p.code, message=translate(key, language, elder=elder, **params)
    )


_rule = mirror(
    DispatchRule, rules_service.RuleView, is_guess=lambda r: rules_service.rule_from(r).is_guess
)
_set = mirror(
    DispatchRuleSet,
    rules_service.RuleSetView,
    rules=_rule,
    warnings=GIVEN,
    current_warnings=GIVEN,
)
_change = mirror(RoutingChange, rule_views.RoutingChange)
_dry_run = mirror(
    DryRunResult,
    rule_views.DryRun,
    changes=_change,
    errors=GIVEN,
    warnings=GIVEN,
)
_rule_input = mirror(
    rules_service.RuleInput,
    DispatchRuleInput,
    kinds=lambda i: tuple(k.value for k in i.kinds),
    urgencies=lambda i: tuple(u.value for u in i.urgencies),
)


def _rule_set(s: rules_service.RuleSetView, language: str, elder: bool) -> DispatchRuleSet:
    return _set(
        s,
        warnings=rule_problems(s.warnings, language, elder),
        current_warnings=rule_problems(s.current_warnings, language, elder),
    )


@strawberry.type
class DispatchRulesQuery:
    @strawberry.field(description="Supervisors: a published rule set (default: the current)")
    async def dispatch_rule_set(self, info: Info, id: int | None = None) -> DispatchRuleSet | None:
        ctx = info.context
        found = await rules_service.rule_set(ctx.deps, ctx.actor, id)
        return _rule_set(found, ctx.language, ctx.elder) if found else None

    @strawberry.field(description="Supervisors: my draft of the rules, with its warnings")
    async def dispatch_rule_draft(self, info: Info) -> DispatchRuleSet | None:
        ctx = info.context
        found = await rules_service.my_draft(ctx.deps, ctx.actor)
        return _rule_set(found, ctx.language, ctx.elder) if found else None

    @strawberry.field(
        description="Supervisors: what my draft would route differently over the "
        "last days' tickets of my region"
    )
    async def dry_run_dispatch_rules(self, info: Info, days: int = 30) -> DryRunResult:
        ctx = info.context
        run = await rules_service.dry_run(ctx.deps, ctx.actor, days)
        return _dry_run(
            run,
            errors=rule_problems(run.errors, ctx.language, ctx.elder, error=True),
            warnings=rule_problems(run.warnings, ctx.language, ctx.elder),
        )


@strawberry.type
class DispatchRulesMutation:
    @strawberry.mutation(description="Supervisors: add a rule to my draft, or change one")
    async def save_dispatch_rule(self, info: Info, input: DispatchRuleInput) -> DispatchRuleSet:
        ctx = info.context
        found = await rules_service.save_rule(ctx.deps, ctx.actor, _rule_input(input))
        return _rule_set(found, ctx.language, ctx.elder)

    @strawberry.mutation(description="Supervisors: drop a rule from my draft")
    async def remove_dispatch_rule(self, info: Info, rule_no: int) -> DispatchRuleSet:
        ctx = info.context
        found = await rules_service.remove_rule(ctx.deps, ctx.actor, rule_no)
        return _rule_set(found, ctx.language, ctx.elder)

    @strawberry.mutation(description="Supervisors: throw my draft away")
    async def discard_dispatch_rule_draft(self, info: Info) -> bool:
        ctx = info.context
        return await rules_service.discard_draft(ctx.deps, ctx.actor)

    @strawberry.mutation(
        description="Supervisors: publish my draft as the new rule set; "
        "refused if invalid or stale, published with warnings"
    )
    async def publish_dispatch_rules(self, info: Info, note: str = "") -> PublishRulesResult:
        ctx = info.context
        result = await rules_service.publish(ctx.deps, ctx.actor, note)
        return PublishRulesResult(
            rule_set=_rule_set(result.rule_set, ctx.language, ctx.elder),
            warnings=rule_problems(result.warnings, ctx.language, ctx.elder),
            changed_rules=list(result.changed_rules),
        )
