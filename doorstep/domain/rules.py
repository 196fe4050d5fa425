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

`compile_condition` turns a validated tree into a WHERE fragment, LEFT JOINs (one per fact key)
and an evidence expression (the values that produced a match), with every operand a bind
parameter: no text from the rule ever reaches the SQL. Field names are looked up in the
registry and only the registry's own keys are used as (bound) join keys.

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
_SQL_COMPARE = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


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


# --- compiling to SQL ----------------------------------------------------------------------------


class Params:
    """Bind parameters for one statement: `add` returns the `$n::type` placeholder."""

    def __init__(self, *initial: Any) -> None:
        self.values: list[Any] = list(initial)

    def add(self, value: Any, sql_type: str) -> str:
        self.values.append(value)
        return f"${len(self.values)}::{sql_type}"


_VALUE_COLUMN = {
    FactType.BOOL: "flag",
    FactType.INT: "num",
    FactType.DATE: "day",
    FactType.TEXT: "txt",
}
_SQL_TYPE = {
    FactType.BOOL: "boolean",
    FactType.INT: "numeric",
    FactType.DATE: "date",
    FactType.TEXT: "text",
}


@dataclass(frozen=True)
class CompiledCondition:
    joins: str  # LEFT JOIN clauses on vault_facts, after `citizens c`
    where: str  # a boolean expression, never NULL
    evidence: str  # a jsonb expression: the values that produced a match


def compile_condition(
    node: Node, params: Params, as_of: str, *, evidence: bool = True
) -> CompiledCondition:
    """SQL for a validated condition. `as_of` is the placeholder of the evaluation date.

    The statement around it must select `from citizens c` and add `joins` after it. Without
    `evidence` no evidence expression (nor its parameters) is made: every parameter added must
    be used by the statement.
    """
    aliases: dict[str, str] = {}
    joins: list[str] = []
    for name in fields_of(node):
        if FIELDS[name].virtual or name in aliases:
            continue
        alias = f"f{len(aliases) + 1}"
        aliases[name] = alias
        key = params.add(name, "text")
        joins.append(
            f"left join vault_facts {alias} on {alias}.citizen_id = c.id and {alias}.key = {key}"
        )

    def value_of(name: str) -> tuple[str, str]:
        """(the value expression, the presence test)."""
        if name == "citizen.age":
            return (
                f"extract(year from age({as_of}, c.birth_date))::int",
                "c.birth_date is not null",
            )
        alias = aliases[name]
        column = _VALUE_COLUMN[FIELDS[name].type]
        return f"{alias}.{column}", f"{alias}.{column} is not null"

    def test_sql(t: Test) -> str:
        spec = FIELDS[t.field]
        value, present = value_of(t.field)
        if t.op == "exists":
            return f"({present})"
        if t.op == "missing":
            return f"({aliases[t.field]}.citizen_id is null)"
        sql_type = _SQL_TYPE[spec.type]
        if t.field == "citizen.age" and t.op in _SQL_COMPARE:
            return age_sql(t.op, t.value)
        if t.op == "is":
            return f"({present} and {value} = {params.add(t.value, 'boolean')})"
        if t.op in _SQL_COMPARE:
            return f"({present} and {value} {_SQL_COMPARE[t.op]} {params.add(t.value, sql_type)})"
        if t.op == "in":
            return f"({present} and {value} = any({params.add(list(t.value), sql_type + '[]')}))"
        n = params.add(t.value, "int")
        if t.op == "days_since_at_least":
            return f"({present} and {value} <= {as_of} - {n})"
        if t.op == "days_since_at_most":
            return f"({present} and {value} <= {as_of} and {value} >= {as_of} - {n})"
        if t.op == "days_until_at_most":
            return f"({present} and {value} >= {as_of} and {value} <= {as_of} + {n})"
        if t.op == "months_since_at_least":
            return f"({present} and {value} <= ({as_of} - make_interval(months => {n}))::date)"
        if t.op == "turned_this_month":
            birthday = f"(c.birth_date + make_interval(years => {n}))::date"
            return (
                f"(c.birth_date is not null and {birthday} <= {as_of} "
                f"and {birthday} >= date_trunc('month', {as_of})::date)"
            )
        raise AssertionError(t.op)  # parse_condition admits no other operator

    def age_sql(op: str, years: int) -> str:
        """Age compared as a birth-date bound, not computed per row: age >= N holds exactly
        when birth_date <= as_of - N years (PostgreSQL's own age() agrees, 29 February
        included), and the bound is computed once."""

        def born_by(n: int) -> str:
            return f"({as_of} - make_interval(years => {params.add(n, 'int')}))::date"

        b = "c.birth_date"
        at_least = {">=": years, ">": years + 1}
        below = {"<": years, "<=": years + 1}
        if op in at_least:
            test = f"{b} <= {born_by(at_least[op])}"
        elif op in below:
            test = f"{b} > {born_by(below[op])}"
        else:
            exactly = f"{b} <= {born_by(years)} and {b} > {born_by(years + 1)}"
            test = exactly if op == "=" else f"not ({exactly})"
        return f"({b} is not null and {test})"

    def node_sql(n: Node) -> str:
        if isinstance(n, Test):
            return test_sql(n)
        if isinstance(n, Not):
            return f"(not {node_sql(n.item)})"
        glue = " and " if n.mode == "all" else " or "
        return "(" + glue.join(node_sql(i) for i in n.items) + ")"

    where = node_sql(node)
    evidence_parts: list[str] = []
    for name in fields_of(node) if evidence else ():
        label = params.add(name, "text")
        if FIELDS[name].virtual:
            value, _present = value_of(name)
            evidence_parts.append(f"{label}, jsonb_build_object('v', {value})")
            continue
        alias = aliases[name]
        column = _VALUE_COLUMN[FIELDS[name].type]
        evidence_parts.append(
            f"{label}, case when {alias}.citizen_id is null then null else jsonb_build_object("
            f"'v', {alias}.{column}, 'unit', {alias}.source_unit_id, 'at', {alias}.as_of) end"
        )
    return CompiledCondition(
        joins="\n".join(joins),
        where=where,
        evidence="jsonb_build_object(" + ", ".join(evidence_parts) + ")",
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
