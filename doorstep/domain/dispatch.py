"""Dispatch (派单) as data: rules tried in priority order, the first that matches wins.

A rule's conditions are lists; an empty list means "any". Within a list any value may match
(kinds, categories, urgencies: equal; region prefixes: the ticket's region code starts with it;
keywords: it occurs in the description), and every non-empty list must match. The result is a
lead unit, assisting units and optionally a deadline profile.

A rule that names keywords but no category is a guess from words, not a routing: a ticket it
matches goes to its region's fallback unit with the guessed unit as a suggestion, into the human
review queue. So does a ticket no rule matches.

Rules are compiled once into buckets by (category, kind) so a decision looks only at the rules
that could match; `RuleEngine.decide` is pure and allocation-light (the benchmark holds it to
20,000 decisions/s with 1,000 rules). The checks before a set is published are in
`doorstep.domain.dispatch_checks`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.tickets import TicketKind, region_ancestors


def normalize_text(text: str) -> str:
    """What keywords are matched against: NFKC (full-width to half-width), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Rule:
    rule_no: int
    version: int
    priority: int
    lead_unit: int
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    assisting_units: tuple[int, ...] = ()
    deadline_profile: str | None = None

    @property
    def is_guess(self) -> bool:
        """Words alone, no category: a suggestion for a person, never a routing."""
        return bool(self.keywords) and not self.categories

    def same_content(self, other: Rule) -> bool:
        """Equal conditions and result (rule number and version aside)."""
        return (
            self.priority,
            self.lead_unit,
            self.kinds,
            self.categories,
            self.region_prefixes,
            self.keywords,
            self.urgencies,
            self.assisting_units,
            self.deadline_profile,
        ) == (
            other.priority,
            other.lead_unit,
            other.kinds,
            other.categories,
            other.region_prefixes,
            other.keywords,
            other.urgencies,
            other.assisting_units,
            other.deadline_profile,
        )


@dataclass(frozen=True, slots=True)
class Facts:
    """What dispatch looks at in a ticket."""

    kind: str
    category: str
    region_code: str
    description: str
    urgency: str


class Basis(StrEnum):
    RULE = "rule"
    KEYWORD_GUESS = "keyword_guess"
    NO_RULE = "no_rule"


@dataclass(frozen=True, slots=True)
class Decision:
    lead_unit: int
    assisting_units: tuple[int, ...]
    basis: Basis
    rule_no: int | None = None
    rule_version: int | None = None
    deadline_profile: str | None = None
    matched_keyword: str | None = None
    # for a keyword guess: the unit the words point at, for the reviewer
    suggested_unit: int | None = None
    # the region whose fallback unit took it (no rule, or a guess)
    fallback_region: str | None = None

    @property
    def needs_review(self) -> bool:
        return self.basis is not Basis.RULE

    @property
    def reason_key(self) -> str:
        """The i18n key of the citizen-readable explanation."""
        return f"dispatch.reason.{self.basis.value}"


class NoRoute(Exception):
    """Neither a rule nor a fallback unit for the ticket's region (or any region above it)."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    pos: int  # place in priority order
    rule: Rule
    urgencies: frozenset[str]
    keywords: tuple[str, ...]


def rule_order(rule: Rule) -> tuple[int, int]:
    return (rule.priority, rule.rule_no)


class _Bucket:
    """The rules one (category, kind) may meet, indexed by region prefix.

    `plain` holds the rules with no region condition; `by_prefix` the others under each of
    their prefixes; every list is in priority order. A ticket looks at `plain` and at the lists
    of its own region code's prefixes only (a few lengths: district, street, community).
    """

    __slots__ = ("by_prefix", "lengths", "plain")

    def __init__(self, rules: Iterable[_Compiled]) -> None:
        plain: list[_Compiled] = []
        by_prefix: dict[str, list[_Compiled]] = {}
        for c in rules:
            if c.rule.region_prefixes:
                for prefix in dict.fromkeys(c.rule.region_prefixes):
                    by_prefix.setdefault(prefix, []).append(c)
            else:
                plain.append(c)
        self.plain = tuple(plain)
        self.by_prefix = {p: tuple(found) for p, found in by_prefix.items()}
        self.lengths = tuple(sorted({len(p) for p in by_prefix}))


_NO_RULES = _Bucket(())


class RuleEngine:
    """A compiled rule set plus the fallback unit per region code."""

    def __init__(self, rules: Iterable[Rule], fallbacks: Mapping[str, int]) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=rule_order))
        self._fallbacks = dict(fallbacks)
        self._fallback_cache: dict[str, tuple[str, int] | None] = {}
        compiled = [
            _Compiled(
                pos=i,
                rule=r,
                urgencies=frozenset(r.urgencies),
                keywords=tuple(normalize_text(k) for k in r.keywords),
            )
            for i, r in enumerate(self.rules)
        ]
        kinds = [k.value for k in TicketKind]
        categories = sorted({c for r in self.rules for c in r.categories})
        # (category, kind) -> the rules that may match; rules with no category condition sit
        # in every bucket, and alone in the kind's wildcard bucket (for other categories)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._wild: dict[str, _Bucket] = {}
        for kind in kinds:
            of_kind = [c for c in compiled if not c.rule.kinds or kind in c.rule.kinds]
            self._wild[kind] = _Bucket(c for c in of_kind if not c.rule.categories)
            for category in categories:
                self._buckets[(category, kind)] = _Bucket(
                    c for c in of_kind if not c.rule.categories or category in c.rule.categories
                )

    def match(self, facts: Facts) -> tuple[Rule, str | None] | None:
        """The first rule in priority order that matches, with the keyword that made it match.

        Each candidate list is in priority order, so the first match in a list is that list's
        best; scanning a list stops at the best found so far.
        """
        bucket = self._buckets.get((facts.category, facts.kind))
        if bucket is None:
            bucket = self._wild.get(facts.kind, _NO_RULES)
        region = facts.region_code
        lists = [bucket.plain]
        for length in bucket.lengths:
            if length > len(region):
                break
            found = bucket.by_prefix.get(region[:length])
            if found is not None:
                lists.append(found)
        urgency = facts.urgency
        best: _Compiled | None = None
        best_pos = len(self.rules)
        best_keyword: str | None = None
        text: str | None = None
        present: dict[str, bool] = {}
        for candidates in lists:
            for c in candidates:
                if c.pos >= best_pos:
                    break
                if c.urgencies and urgency not in c.urgencies:
                    continue
                keyword = None
                if c.keywords:
                    if text is None:
                        text = normalize_text(facts.description)
                    for k in c.keywords:
                        hit = present.get(k)
                        if hit is None:
                            hit = present[k] = k in text
                        if hit:
                            keyword = k
                            break
                    if keyword is None:
                        continue
                best, best_pos, best_keyword = c, c.pos, keyword
                break
        return (best.rule, best_keyword) if best is not None else None

    def fallback_for(self, region_code: str) -> tuple[str, int]:
        """The nearest region at or above this one with a fallback unit, and that unit."""
        if region_code not in self._fallback_cache:
            self._fallback_cache[region_code] = next(
                (
                    (code, self._fallbacks[code])
                    for code in region_ancestors(region_code)
                    if code in self._fallbacks
                ),
                None,
            )
        found = self._fallback_cache[region_code]
        if found is None:
            raise NoRoute(region_code)
        return found

    def decide(self, facts: Facts) -> Decision:
        found = self.match(facts)
        if found is not None and not found[0].is_guess:
            rule, keyword = found
            return Decision(
                lead_unit=rule.lead_unit,
                assisting_units=rule.assisting_units,
                basis=Basis.RULE,
                rule_no=rule.rule_no,
                rule_version=rule.version,
                deadline_profile=rule.deadline_profile,
                matched_keyword=keyword,
            )
        region, unit = self.fallback_for(facts.region_code)
        if found is not None:
            rule, keyword = found
            return Decision(
                lead_unit=unit,
                assisting_units=(),
                basis=Basis.KEYWORD_GUESS,
                rule_no=rule.rule_no,
                rule_version=rule.version,
                matched_keyword=keyword,
                suggested_unit=rule.lead_unit,
                fallback_region=region,
            )
        return Decision(
            lead_unit=unit, assisting_units=(), basis=Basis.NO_RULE, fallback_region=region
        )
