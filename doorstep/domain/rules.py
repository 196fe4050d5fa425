"""Eligibility and risk rules (服务找人) as data: a small condition language compiled to SQL.

A rule's condition is a JSON tree, never code:

    {"all": [cond, ...]}   every one holds          {"any": [cond, ...]}   at least one holds
    {"not": cond}          it does not hold
    {"field": "<key>", "op": "<operator>", "value": <operand>}      a test of one field

Fields are the vault's fact keys and the citizen attributes (`domain.vault.FIELDS`); operators
depend on the field's type (OPERATORS). A missing fact makes every test of it false except
"missing" (so `{"not": {"field": "benefit.x", "op": "is", "value": true}}` reads "has no record
of receiving x"): each test compiles to `(<present> and <comparison>)`, which is never NULL, so
NOT / AND / OR keep their two-valued meaning.

`compile_condition` (in `domain.rule_sql`) turns a validated tree into a WHERE fragment, LEFT
JOINs (one per fact key) and an evidence expression (the values that produced a match), with
every operand a bind parameter: no text from the rule ever reaches the SQL. Field names are
looked up in the registry and only the registry's own keys are used as (bound) join keys.

Explanations are templates per language with {placeholders} naming fields of the condition
(`{citizen.age}`) or a computed span (`{days_since:activity.last_seen}`,
`{months_since:medical_insurance.paid_until}`, `{days_until:pension.retirement_date}`). They are
rendered by substitution, never by `str.format`, so a template cannot reach any attribute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from doorstep.domain.errors import InvalidInput
from doorstep.domain.vault import FIELDS, FactSpec, FactType
from doorstep.i18n import LANGUAGES

MAX_DEPTH = 6
MAX_TESTS = 24
MAX_LIST = 50
MAX_TITLE_CHARS = 40
MAX_EXPLANATION_CHARS = 300
MAX_VALID_DAYS = 365
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


class RuleKind(StrEnum):
    OFFER = "offer"  # eligibility: accept = a pre-filled application for the bundle
    ALERT = "alert"  # a risk the citizen should act on (also through a bundle)
    WELFARE_CHECK = "welfare_check"  # goes to the community unit as a visit, not the citizen


class Category(StrEnum):
    ELDERLY = "elderly"
    FAMILY = "family"
    HEALTH_INSURANCE = "health_insurance"
    DISABILITY = "disability"
    RETIREMENT = "retirement"
    SOCIAL_ASSISTANCE = "social_assistance"
    WELFARE = "welfare"


OFFER_STATUSES = (
    "open",
    "accepted",
    "dismissed",
    "appealed",
    "withdrawn",
    "lapsed",
    "expired",
    "resolved",
)
APPEAL_STATUSES = ("pending", "upheld", "rejected")
WELFARE_OUTCOMES = ("safe", "needs_help", "not_reached")

# a citizen may opt out of any category of offers except safety visits, which the community
# owes every vulnerable resident (declined in person, not by an app switch)
OPT_OUT_CATEGORIES = tuple(c for c in Category if c is not Category.WELFARE)

# comparison operators per field type; the operand's expected form
_NUMBER_OPS = ("=", "!=", "<", "<=", ">", ">=")
OPERATORS: dict[FactType, tuple[str, ...]] = {
    FactType.BOOL: ("is", "exists", "missing"),
    FactType.INT: (*_NUMBER_OPS, "in", "exists", "missing"),
    FactType.DATE: (
        "days_since_at_least",
        "days_since_at_most",
        "days_until_at_most",
        "months_since_at_least",
        "exists",
        "missing",
    ),
    FactType.TEXT: ("=", "!=", "in", "exists", "missing"),
}
# only on citizen.age: the birthday that reached `value` years fell in this month, up to today
AGE_OPS = ("turned_this_month",)


# --- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    mode: str  # "all" | "any"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Test | Group | Not


class RuleInvalid(InvalidInput):
    """A rule that cannot be published; `code` says what is wrong, `params` where."""


def _fail(code: str, path: str, **params: Any) -> RuleInvalid:
    return RuleInvalid(code, path=path or "$", **params)


def parse_condition(raw: Any) -> Node:
    """Validate a condition tree and return it typed; RuleInvalid says what and where."""
    counter = [0]
    return _parse(raw, "$", 1, counter)


def _parse(raw: Any, path: str, depth: int, counter: list[int]) -> Node:
    if depth > MAX_DEPTH:
        raise _fail("rule.too_deep", path, limit=MAX_DEPTH)
    if not isinstance(raw, dict) or len(raw) == 0:
        raise _fail("rule.node_invalid", path)
    keys = set(raw)
    if keys in ({"all"}, {"any"}):
        mode = next(iter(keys))
        items = raw[mode]
        if not isinstance(items, list) or not items or len(items) > MAX_TESTS:
            raise _fail("rule.group_invalid", f"{path}.{mode}", limit=MAX_TESTS)
        return Group(
            mode,
            tuple(
                _parse(item, f"{path}.{mode}[{i}]", depth + 1, counter)
                for i, item in enumerate(items)
            ),
        )
    if keys == {"not"}:
        return Not(_parse(raw["not"], f"{path}.not", depth + 1, counter))
    if keys == {"field", "op", "value"} or keys == {"field", "op"}:
        counter[0] += 1
        if counter[0] > MAX_TESTS:
            raise _fail("rule.too_large", path, limit=MAX_TESTS)
        return _parse_test(raw, path)
    raise _fail("rule.node_invalid", path)


def _parse_test(raw: dict[str, Any], path: str) -> Test:
    name, op = raw["field"], raw["op"]
    if not isinstance(name, str) or name not in FIELDS:
        raise _fail("rule.field_unknown", path, field=str(name)[:60])
    spec = FIELDS[name]
    allowed = OPERATORS[spec.type] + (AGE_OPS if name == "citizen.age" else ())
    if spec.virtual:
        allowed = tuple(o for o in allowed if o not in ("exists", "missing"))
    if not isinstance(op, str) or op not in allowed:
        raise _fail("rule.operator_invalid", path, field=name, op=str(op)[:20])
    if op in ("exists", "missing"):
        if "value" in raw:
            raise _fail("rule.value_invalid", path, field=name)
        return Test(name, op, None)
    if "value" not in raw:
        raise _fail("rule.value_invalid", path, field=name)
    return Test(name, op, _operand(spec, op, raw["value"], path))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 10**9


def _operand(spec: FactSpec, op: str, value: Any, path: str) -> Any:
    bad = _fail("rule.value_invalid", path, field=spec.key)
    if spec.type is FactType.BOOL:
        if not isinstance(value, bool):
            raise bad
        return value
    if spec.type is FactType.DATE or op == "turned_this_month":
        # spans in days or months, never dates: a rule stays true as time passes
        if not _is_int(value) or not 0 <= value <= 36500:
            raise bad
        return value
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            raise bad
        return tuple(_scalar(spec, v, bad) for v in value)
    return _scalar(spec, value, bad)


def _scalar(spec: FactSpec, value: Any, bad: RuleInvalid) -> Any:
    if spec.type is FactType.INT:
        if not _is_int(value):
            raise bad
        return value
    if not isinstance(value, str) or not value or len(value) > 100:
        raise bad
    if spec.choices and value not in spec.choices:
        raise bad
    return value


def fields_of(node: Node) -> list[str]:
    """Every field the condition reads, in order of first use."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Test):
            if n.field not in found:
                found.append(n.field)
        elif isinstance(n, Group):
            for item in n.items:
                walk(item)
        else:
            walk(n.item)

    walk(node)
    return found


def to_json(node: Node) -> dict[str, Any]:
    if isinstance(node, Test):
        out: dict[str, Any] = {"field": node.field, "op": node.op}
        if node.op not in ("exists", "missing"):
            out["value"] = list(node.value) if isinstance(node.value, tuple) else node.value
        return out
    if isinstance(node, Group):
        return {node.mode: [to_json(i) for i in node.items]}
    return {"not": to_json(node.item)}


# --- the whole rule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    kind: RuleKind
    category: Category
    bundle_code: str | None
    owner_unit_code: str
    condition: Node
    title: dict[str, str]
    explanation: dict[str, str]
    valid_days: int
    fields: tuple[str, ...] = field(default=())

    @property
    def fact_keys(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if not FIELDS[f].virtual)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SPANS = ("days_since", "months_since", "days_until")


def _texts(raw: Any, what: str, limit: int) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _fail("rule.text_missing", what, language=LANGUAGES[0])
    out: dict[str, str] = {}
    for language in LANGUAGES:
        text = raw.get(language)
        if not isinstance(text, str) or not text.strip():
            raise _fail("rule.text_missing", what, language=language)
        if len(text) > limit:
            raise _fail("rule.text_too_long", what, language=language, limit=limit)
        out[language] = text.strip()
    unknown = set(raw) - set(LANGUAGES)
    if unknown:
        raise _fail("rule.text_missing", what, language=sorted(unknown)[0][:10])
    return out


def check_placeholders(text: str, fields: list[str], language: str) -> None:
    """Every {…} names a field of the condition, or a span of one of its date fields."""
    for match in _PLACEHOLDER.finditer(text):
        inner = match.group(1)
        span, _, name = inner.partition(":") if ":" in inner else ("", "", inner)
        ok = name in fields and (
            not span or (span in _SPANS and FIELDS[name].type is FactType.DATE)
        )
        if not ok:
            raise _fail("rule.placeholder_unknown", f"explanation.{language}", name=inner[:60])
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise _fail("rule.placeholder_unknown", f"explanation.{language}", name=stray[:20])


def parse_rule(raw: Mapping[str, Any]) -> RuleDefinition:
    """A whole rule as supervisors write it; RuleInvalid with the reason if anything is off.

    Checks that need the database (the bundle and the owner unit exist) are the caller's.
    """
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise _fail("rule.code_invalid", "code")
    try:
        kind = RuleKind(str(raw.get("kind")))
    except ValueError:
        raise _fail("rule.kind_invalid", "kind") from None
    try:
        category = Category(str(raw.get("category")))
    except ValueError:
        raise _fail("rule.category_invalid", "category") from None
    bundle = raw.get("bundle_code")
    if kind is RuleKind.WELFARE_CHECK:
        if category is not Category.WELFARE or bundle:
            raise _fail("rule.welfare_shape", "kind")
        bundle = None
    else:
        if category is Category.WELFARE:
            raise _fail("rule.welfare_shape", "category")
        if not isinstance(bundle, str) or not CODE_PATTERN.fullmatch(bundle):
            raise _fail("rule.bundle_unknown", "bundle_code", bundle=str(bundle)[:40])
    owner = raw.get("owner_unit_code")
    if not isinstance(owner, str) or not CODE_PATTERN.fullmatch(owner):
        raise _fail("rule.owner_unknown", "owner_unit_code", unit=str(owner)[:40])
    valid_days = raw.get("valid_days")
    if (
        not isinstance(valid_days, int)
        or not _is_int(valid_days)
        or not (1 <= valid_days <= MAX_VALID_DAYS)
    ):
        raise _fail("rule.valid_days_invalid", "valid_days", limit=MAX_VALID_DAYS)
    condition = parse_condition(raw.get("condition"))
    fields = fields_of(condition)
    if all(FIELDS[f].virtual for f in fields):
        # a rule that reads no vault fact would offer to everyone of an age: not a finding
        raise _fail("rule.no_fact", "condition")
    title = _texts(raw.get("title"), "title", MAX_TITLE_CHARS)
    explanation = _texts(raw.get("explanation"), "explanation", MAX_EXPLANATION_CHARS)
    for language, text in explanation.items():
        check_placeholders(text, fields, language)
    for language, text in title.items():
        if "{" in text or "}" in text:
            raise _fail("rule.placeholder_unknown", f"title.{language}", name=text[:20])
    return RuleDefinition(
        code=code,
        kind=kind,
        category=category,
        bundle_code=bundle,
        owner_unit_code=owner,
        condition=condition,
        title=title,
        explanation=explanation,
        valid_days=valid_days,
        fields=tuple(fields),
    )


# --- explaining ---------------------------------------------------------------------------------


def _months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def render_explanation(
    template: str, evidence: Mapping[str, Any], found_on: date, show: Callable[[str, Any], str]
) -> str:
    """Fill a template from an offer's evidence, as of the day the offer was found.

    `show(field, value)` formats one value for the reader (it is given None when the vault
    had no record). Unknown placeholders (impossible after `parse_rule`) are left as they are.
    """

    def value(name: str) -> Any:
        entry = evidence.get(name)
        return entry.get("v") if isinstance(entry, Mapping) else None

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        span, _, name = inner.partition(":") if ":" in inner else ("", "", inner)
        if name not in FIELDS:
            return match.group(0)
        raw = value(name)
        if not span:
            return show(name, raw)
        if not isinstance(raw, str):
            return show(name, None)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return show(name, None)
        if span == "days_since":
            return str((found_on - day).days)
        if span == "days_until":
            return str((day - found_on).days)
        if span == "months_since":
            return str(_months_between(day, found_on))
        return match.group(0)

    return _PLACEHOLDER.sub(replace, template)
