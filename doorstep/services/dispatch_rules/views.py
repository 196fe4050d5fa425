"""What a rule set looks like to its readers and editors; what a dry run and a publish report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from doorstep.domain.dispatch import Basis
from doorstep.store.dispatch_rules import RuleRow

# a rule of a set as its readers see it: the store's row, with its units' codes and names (what
# kind of rule it is, a guess or a routing, the domain's Rule says: engine.rule_from)
RuleView = RuleRow


@dataclass(frozen=True)
class ProblemView:
    rule_no: int | None
    code: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class RuleSetView:
    id: int
    status: str
    base_id: int | None
    note: str
    published_at: datetime | None
    rules: tuple[RuleView, ...]
    warnings: tuple[ProblemView, ...] = ()
    # a draft copied from a set that is no longer the published one
    stale: bool = False
    # the published set's warnings as the catalog stands now (units stop serving what a rule
    # sends them, categories are retired): the stored `warnings` are those of publication
    current_warnings: tuple[ProblemView, ...] = ()


@dataclass(frozen=True)
class RuleInput:
    priority: int
    lead_unit_code: str
    rule_no: int | None = None
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    assisting_unit_codes: tuple[str, ...] = ()
    deadline_profile: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RoutingChange:
    number: str
    category_code: str
    region_code: str
    before_unit: str
    after_unit: str
    before_basis: Basis
    after_basis: Basis
    before_rule: int | None
    after_rule: int | None


@dataclass(frozen=True)
class DryRun:
    since: datetime
    tickets_in_period: int
    examined: int
    changed: int
    to_review_before: int
    to_review_after: int
    changes: tuple[RoutingChange, ...]
    errors: tuple[ProblemView, ...]
    warnings: tuple[ProblemView, ...]


@dataclass(frozen=True)
class PublishResult:
    rule_set: RuleSetView
    warnings: tuple[ProblemView, ...]
    changed_rules: tuple[int, ...] = field(default_factory=tuple)
