"""Checking a dispatch rule set before it is published: errors refuse it, warnings go with it.

Errors: a value the catalog does not know (kind, category, region prefix, unit, urgency,
profile), a priority out of range, too many values or rules. Warnings: a rule that can never
match (no known region under its prefixes, none of its categories active), one hidden behind
earlier rules (`shadowed`), one whose lead unit does not serve what it is sent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from doorstep.domain.dispatch import Rule, normalize_text, rule_order
from doorstep.domain.tickets import DeadlineProfile, TicketKind, Urgency

MIN_PRIORITY = 1
MAX_PRIORITY = 1_000_000
MAX_VALUES = 50  # per condition list
MAX_KEYWORD_CHARS = 30
MAX_ASSISTING = 10
MAX_RULES = 5_000
# a rule whose conditions multiply out to more cells than this is checked for shadowing whole
MAX_SHADOW_CELLS = 5_000
_REGION_PREFIX_LENGTHS = range(2, 13)


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
    ordered = sorted(rules, key=rule_order)
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
        earlier = sorted(seen.values(), key=lambda e: rule_order(e[0]))
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
