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
20,000 decisions/s with 1,000 rules).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from doorstep.domain.tickets import DeadlineProfile, TicketKind, Urgency, region_ancestors

MIN_PRIORITY = 1
MAX_PRIORITY = 1_000_000
MAX_VALUES = 50  # per condition list
MAX_KEYWORD_CHARS = 30
MAX_ASSISTING = 10
MAX_RULES = 5_000
# a rule whose conditions multiply out to more cells than this is checked for shadowing whole
MAX_SHADOW_CELLS = 5_000
_REGION_PREFIX_LENGTHS = range(2, 13)


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


def _order(rule: Rule) -> tuple[int, int]:
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
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=_order))
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


# --- checking a rule set before it is published ------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What rules may refer to: the catalog as it stands."""

    categories: frozenset[str]
    active_categories: frozenset[str]
    units: frozenset[int]
    regions: frozenset[str]
    # unit -> (category, region prefix) pairs it serves
    served: Mapping[int, Sequence[tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """An error (refuses the rule) or a warning (published, but look again). `code` is an i18n
    key suffix; `params` fill the message."""

    rule_no: int | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


# what `set_warnings` may say (the catalogs' dispatch_warning.<code>)
WARNING_CODES = ("never_matches_region", "never_matches_category", "shadowed", "unit_not_serving")

_KINDS = frozenset(k.value for k in TicketKind)
_URGENCIES = frozenset(u.value for u in Urgency)
_PROFILES = frozenset(p.value for p in DeadlineProfile)


def rule_errors(rule: Rule, known: Known) -> list[Problem]:
    """What makes a rule unusable: each refusal with its reason."""
    problems: list[Problem] = []

    def bad(code: str, **params: object) -> None:
        problems.append(Problem(rule.rule_no, code, params))

    if not MIN_PRIORITY <= rule.priority <= MAX_PRIORITY:
        bad("priority_range", min=MIN_PRIORITY, max=MAX_PRIORITY)
    lists = {
        "kinds": rule.kinds,
        "categories": rule.categories,
        "region_prefixes": rule.region_prefixes,
        "keywords": rule.keywords,
        "urgencies": rule.urgencies,
    }
    for name, values in lists.items():
        if len(values) > MAX_VALUES:
            bad("too_many_values", field=name, limit=MAX_VALUES)
        if len(set(values)) != len(values):
            bad("duplicate_values", field=name)
    for kind in rule.kinds:
        if kind not in _KINDS:
            bad("kind_unknown", value=kind[:40])
    for urgency in rule.urgencies:
        if urgency not in _URGENCIES:
            bad("urgency_unknown", value=urgency[:40])
    for category in rule.categories:
        if category not in known.categories:
            bad("category_unknown", value=category[:40])
    for prefix in rule.region_prefixes:
        if not (prefix.isascii() and prefix.isdigit() and len(prefix) in _REGION_PREFIX_LENGTHS):
            bad("region_prefix_invalid", value=prefix[:40])
    for keyword in rule.keywords:
        if not normalize_text(keyword).strip() or len(keyword) > MAX_KEYWORD_CHARS:
            bad("keyword_invalid", value=keyword[:40], limit=MAX_KEYWORD_CHARS)
    if rule.lead_unit not in known.units:
        bad("unit_unknown", value=str(rule.lead_unit))
    for unit in rule.assisting_units:
        if unit not in known.units:
            bad("unit_unknown", value=str(unit))
    if rule.lead_unit in rule.assisting_units:
        bad("lead_also_assisting")
    if len(rule.assisting_units) > MAX_ASSISTING:
        bad("too_many_assisting", limit=MAX_ASSISTING)
    if len(set(rule.assisting_units)) != len(rule.assisting_units):
        bad("duplicate_values", field="assisting_units")
    if rule.deadline_profile is not None and rule.deadline_profile not in _PROFILES:
        bad("profile_unknown", value=rule.deadline_profile[:40])
    return problems


def set_errors(rules: Sequence[Rule], known: Known) -> list[Problem]:
    problems = [p for r in rules for p in rule_errors(r, known)]
    if len(rules) > MAX_RULES:
        problems.append(Problem(None, "too_many_rules", {"limit": MAX_RULES}))
    by_priority: dict[int, list[int]] = {}
    for rule in rules:
        by_priority.setdefault(rule.priority, []).append(rule.rule_no)
    for priority, numbers in sorted(by_priority.items()):
        if len(numbers) > 1:
            problems.append(
                Problem(
                    numbers[1],
                    "priority_duplicate",
                    {"priority": priority, "rules": ", ".join(str(n) for n in sorted(numbers))},
                )
            )
    return problems


def _covers_value(dimension: str, a_values: tuple[str, ...], value: str) -> bool:
    """Whether rule A's list in `dimension` lets through every ticket that `value` lets through."""
    if not a_values:
        return True
    if dimension == "region_prefixes":
        return value.startswith(a_values)
    if dimension == "keywords":
        # "value" in a description means every substring of it is there too
        return any(k in value for k in a_values)
    return value in a_values


_DIMENSIONS = ("kinds", "categories", "urgencies", "region_prefixes", "keywords")


def _dims(rule: Rule) -> dict[str, tuple[str, ...]]:
    return {
        "kinds": rule.kinds,
        "categories": rule.categories,
        "urgencies": rule.urgencies,
        "region_prefixes": rule.region_prefixes,
        "keywords": tuple(normalize_text(k) for k in rule.keywords),
    }


def _covers_cell(a: dict[str, tuple[str, ...]], cell: dict[str, str | None]) -> bool:
    for dimension in _DIMENSIONS:
        value = cell[dimension]
        if value is None:  # B lets anything through here: only "any" covers it
            if a[dimension]:
                return False
        elif not _covers_value(dimension, a[dimension], value):
            return False
    return True


def _covers_rule(a: dict[str, tuple[str, ...]], b: dict[str, tuple[str, ...]]) -> bool:
    """A alone takes every ticket B would."""
    for dimension in _DIMENSIONS:
        if not b[dimension]:
            if a[dimension]:
                return False
        elif not all(_covers_value(dimension, a[dimension], v) for v in b[dimension]):
            return False
    return True


def _cells(b: dict[str, tuple[str, ...]]) -> Iterable[dict[str, str | None]]:
    lists: list[Sequence[str | None]] = [b[d] or (None,) for d in _DIMENSIONS]
    for combo in itertools.product(*lists):
        yield dict(zip(_DIMENSIONS, combo, strict=True))


def _cell_count(b: dict[str, tuple[str, ...]]) -> int:
    count = 1
    for d in _DIMENSIONS:
        count *= max(1, len(b[d]))
    return count


def _never_matches(rule: Rule, known: Known) -> Problem | None:
    if rule.region_prefixes and not any(
        region.startswith(prefix) for region in known.regions for prefix in rule.region_prefixes
    ):
        return Problem(
            rule.rule_no, "never_matches_region", {"prefixes": ", ".join(rule.region_prefixes)}
        )
    if rule.categories and not any(c in known.active_categories for c in rule.categories):
        return Problem(
            rule.rule_no, "never_matches_category", {"categories": ", ".join(rule.categories)}
        )
    return None


def _serves(rule: Rule, known: Known) -> bool:
    areas = known.served.get(rule.lead_unit, ())
    categories = rule.categories or None
    prefixes = rule.region_prefixes or None
    for category, area in areas:
        if categories is not None and category not in categories:
            continue
        if prefixes is None or any(p.startswith(area) or area.startswith(p) for p in prefixes):
            return True
    return False


def set_warnings(rules: Sequence[Rule], known: Known) -> list[Problem]:
    """Rules that can never match, rules hidden behind earlier ones, units off their patch."""
    ordered = sorted(rules, key=_order)
    warnings: list[Problem] = []
    live: list[tuple[Rule, dict[str, tuple[str, ...]]]] = []
    # earlier rules that can matter for a category (or for any category: key None)
    by_category: dict[str | None, list[tuple[Rule, dict[str, tuple[str, ...]]]]] = {None: []}
    for rule in ordered:
        never = _never_matches(rule, known)
        if never is not None:
            warnings.append(never)
            continue
        dims = _dims(rule)
        shadow = _shadowed_by(rule, dims, by_category)
        if shadow:
            warnings.append(
                Problem(rule.rule_no, "shadowed", {"by": ", ".join(str(n) for n in shadow)})
            )
        if known.served and not _serves(rule, known):
            warnings.append(
                Problem(
                    rule.rule_no,
                    "unit_not_serving",
                    {
                        "categories": ", ".join(rule.categories) or "*",
                        "regions": ", ".join(rule.region_prefixes) or "*",
                    },
                )
            )
        entry = (rule, dims)
        live.append(entry)
        if rule.categories:
            for category in rule.categories:
                if category not in by_category:
                    by_category[category] = list(by_category[None])
                by_category[category].append(entry)
        else:
            by_category[None].append(entry)
            for key in by_category:
                if key is not None:
                    by_category[key].append(entry)
    return warnings


def _shadowed_by(
    rule: Rule,
    dims: dict[str, tuple[str, ...]],
    by_category: dict[str | None, list[tuple[Rule, dict[str, tuple[str, ...]]]]],
) -> list[int]:
    """Rule numbers of the earlier rules that between them take every ticket `rule` would."""
    if rule.categories:
        seen: dict[int, tuple[Rule, dict[str, tuple[str, ...]]]] = {}
        for category in rule.categories:
            for entry in by_category.get(category, by_category[None]):
                seen[entry[0].rule_no] = entry
        earlier = sorted(seen.values(), key=lambda e: _order(e[0]))
    else:
        # no category condition: only rules without one can cover every category
        earlier = list(by_category[None])
    if not earlier:
        return []
    if _cell_count(dims) > MAX_SHADOW_CELLS:
        whole = next((a for a, a_dims in earlier if _covers_rule(a_dims, dims)), None)
        return [whole.rule_no] if whole else []
    used: list[int] = []
    for cell in _cells(dims):
        coverer = next((a for a, a_dims in earlier if _covers_cell(a_dims, cell)), None)
        if coverer is None:
            return []
        if coverer.rule_no not in used:
            used.append(coverer.rule_no)
    return used
