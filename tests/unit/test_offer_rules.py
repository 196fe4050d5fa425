"""The rule language of services that find people: parsing, refusals with reasons, SQL that
only ever binds values, and explanations rendered without str.format."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest

from doorstep.domain.errors import InvalidInput
from doorstep.domain.rule_sql import Params, compile_condition
from doorstep.domain.rules import (
    MAX_DEPTH,
    RuleInvalid,
    fields_of,
    parse_condition,
    parse_rule,
    render_explanation,
    to_json,
)
from doorstep.domain.vault import (
    FACTS,
    MATERIAL_SOURCES,
    DocumentInput,
    clean_document,
    mask_document_number,
    parse_fact_value,
)
from doorstep.store import demo_data
from doorstep.store.demo_vault import RULES

TEXTS = {"zh_Hans": "年满{citizen.age}岁", "zh_Hant": "年滿{citizen.age}歲", "en": "{citizen.age}"}


def rule(**changes: Any) -> dict[str, Any]:
    base = {
        "code": "test-rule",
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "longevity-allowance",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 30,
        "condition": {
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 80},
                {"not": {"field": "benefit.longevity_allowance", "op": "is", "value": True}},
            ]
        },
        "title": {"zh_Hans": "高龄津贴", "zh_Hant": "高齡津貼", "en": "Allowance"},
        "explanation": dict(TEXTS),
    }
    base.update(changes)
    return base


def code_of(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    with pytest.raises(RuleInvalid) as caught:
        parse_rule(raw)
    return caught.value.code, caught.value.params


# --- the shipped rules --------------------------------------------------------------------------


def test_every_shipped_rule_is_valid_and_round_trips() -> None:
    assert len(RULES) >= 8
    codes = [r["code"] for r in RULES]
    assert len(set(codes)) == len(codes)
    bundles = {b.code for b in demo_data.BUNDLES}
    units = {u.code for u in demo_data.UNITS}
    for raw in RULES:
        parsed = parse_rule(raw)
        assert parsed.bundle_code is None or parsed.bundle_code in bundles, parsed.code
        assert parsed.owner_unit_code in units
        assert parsed.fact_keys, parsed.code
        assert parse_condition(to_json(parsed.condition)) == parsed.condition


# --- refusals, each with its reason -------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "code", "path"),
    [
        ({"field": "citizens.password", "op": "=", "value": 1}, "rule.field_unknown", "$"),
        ({"field": "household.lives_alone", "op": ">=", "value": 1}, "rule.operator_invalid", "$"),
        ({"field": "household.lives_alone", "op": "is", "value": "yes"}, "rule.value_invalid", "$"),
        ({"field": "disability.level", "op": "<=", "value": "2"}, "rule.value_invalid", "$"),
        ({"field": "disability.level", "op": "in", "value": []}, "rule.value_invalid", "$"),
        (
            {"field": "medical_insurance.scheme", "op": "=", "value": "x'; drop table citizens;--"},
            "rule.value_invalid",
            "$",
        ),
        (
            {"field": "activity.last_seen", "op": "days_since_at_least", "value": "2026-01-01"},
            "rule.value_invalid",
            "$",
        ),
        ({"field": "activity.last_seen", "op": "exists", "value": True}, "rule.value_invalid", "$"),
        ({"field": "citizen.age", "op": "missing"}, "rule.operator_invalid", "$"),
        ({"all": []}, "rule.group_invalid", "$.all"),
        ({"all": [{"field": "x"}]}, "rule.node_invalid", "$.all[0]"),
        ({"any": [{"nor": []}]}, "rule.node_invalid", "$.any[0]"),
        (
            {"all": [{"field": "citizen.age", "op": ">=", "value": 1}], "any": []},
            "rule.node_invalid",
            "$",
        ),
        ("citizen.age >= 80", "rule.node_invalid", "$"),
        ({"sql": "true"}, "rule.node_invalid", "$"),
    ],
)
def test_a_bad_condition_is_refused_with_where(condition: Any, code: str, path: str) -> None:
    with pytest.raises(RuleInvalid) as caught:
        parse_condition(condition)
    assert caught.value.code == code
    assert caught.value.params["path"] == path
    assert isinstance(caught.value, InvalidInput)


def test_depth_and_size_are_bounded() -> None:
    deep: dict[str, Any] = {"field": "disability.level", "op": "exists"}
    for _ in range(MAX_DEPTH):
        deep = {"not": deep}
    with pytest.raises(RuleInvalid) as caught:
        parse_condition(deep)
    assert caught.value.code == "rule.too_deep"
    wide = {
        "any": [{"field": "disability.level", "op": "=", "value": n} for n in range(24)]
        + [{"all": [{"field": "disability.level", "op": "exists"}]}]
    }
    with pytest.raises(RuleInvalid) as caught:
        parse_condition(wide)
    assert caught.value.code in ("rule.too_large", "rule.group_invalid")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code": "Bad Code"}, "rule.code_invalid"),
        ({"kind": "magic"}, "rule.kind_invalid"),
        ({"category": "lottery"}, "rule.category_invalid"),
        ({"bundle_code": None}, "rule.bundle_unknown"),
        ({"kind": "welfare_check"}, "rule.welfare_shape"),
        ({"category": "welfare"}, "rule.welfare_shape"),
        ({"valid_days": 0}, "rule.valid_days_invalid"),
        ({"valid_days": 366}, "rule.valid_days_invalid"),
        ({"valid_days": True}, "rule.valid_days_invalid"),
        ({"owner_unit_code": None}, "rule.owner_unknown"),
        ({"condition": {"field": "citizen.age", "op": ">=", "value": 60}}, "rule.no_fact"),
        ({"title": {"zh_Hans": "x", "en": "y"}}, "rule.text_missing"),
        ({"title": {"zh_Hans": "x", "zh_Hant": "x", "en": "x", "fr": "x"}}, "rule.text_missing"),
        (
            {"title": {"zh_Hans": "{citizen.age}", "zh_Hant": "x", "en": "x"}},
            "rule.placeholder_unknown",
        ),
        ({"explanation": {**TEXTS, "en": "x" * 301}}, "rule.text_too_long"),
        # placeholders: only fields of the condition; never attribute or index access
        ({"explanation": {**TEXTS, "en": "{disability.level}"}}, "rule.placeholder_unknown"),
        ({"explanation": {**TEXTS, "en": "{citizen.age.__class__}"}}, "rule.placeholder_unknown"),
        ({"explanation": {**TEXTS, "en": "{0}"}}, "rule.placeholder_unknown"),
        ({"explanation": {**TEXTS, "en": "{days_since:citizen.age}"}}, "rule.placeholder_unknown"),
        ({"explanation": {**TEXTS, "en": "a } b"}}, "rule.placeholder_unknown"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(changes: dict[str, Any], code: str) -> None:
    assert code_of(rule(**changes))[0] == code


# --- compiling: values are bound, never spliced -------------------------------------------------


def test_compiled_sql_binds_every_value_and_key() -> None:
    raw = copy.deepcopy(rule()["condition"])
    raw["all"].append(
        {"field": "medical_insurance.scheme", "op": "in", "value": ["resident", "none"]}
    )
    raw["all"].append({"field": "activity.last_seen", "op": "days_since_at_least", "value": 7})
    node = parse_condition(raw)
    params = Params(date(2026, 11, 24), "110105", None)
    compiled = compile_condition(node, params, "$1::date")
    sql = " ".join((compiled.joins, compiled.where, compiled.evidence))
    for literal in ("resident", "household", "benefit", "activity", "80", "'7'"):
        assert literal not in sql, literal
    quoted = set(re.findall(r"'([^']*)'", sql))
    assert quoted <= {"v", "unit", "at", "month"}, quoted
    assert "benefit.longevity_allowance" in params.values
    assert ["resident", "none"] in params.values
    assert 80 in params.values and 7 in params.values
    placeholders = {int(n) for n in re.findall(r"\$(\d+)", sql)}
    assert placeholders <= set(range(1, len(params.values) + 1))
    # one join per fact key, none for the citizen's age
    assert compiled.joins.count("left join vault_facts") == 3
    # without evidence, no parameter is left unused
    bare = Params(date(2026, 11, 24), "110105", None)
    plain = compile_condition(node, bare, "$1::date", evidence=False)
    used = {int(n) for n in re.findall(r"\$(\d+)", plain.joins + plain.where)}
    assert used | {1, 2, 3} == set(range(1, len(bare.values) + 1))


def test_every_test_is_two_valued() -> None:
    """A missing fact makes a test false, not NULL: NOT of it is then true."""
    node = parse_condition({"not": {"field": "benefit.pension", "op": "is", "value": True}})
    compiled = compile_condition(node, Params(None, None, None), "$1::date")
    assert compiled.where.startswith("(not (f1.flag is not null and ")


def test_fields_are_listed_once_in_order() -> None:
    node = parse_condition(
        {
            "any": [
                {"field": "assistance.dibao", "op": "is", "value": True},
                {
                    "all": [
                        {"field": "citizen.age", "op": ">=", "value": 60},
                        {"field": "assistance.dibao", "op": "exists"},
                    ]
                },
            ]
        }
    )
    assert fields_of(node) == ["assistance.dibao", "citizen.age"]


# --- explanations -------------------------------------------------------------------------------


def test_explanations_fill_values_and_spans() -> None:
    evidence = {
        "activity.last_seen": {"v": "2026-11-15", "unit": 1, "at": "x"},
        "citizen.age": {"v": 82},
        "medical_insurance.paid_until": {"v": "2026-08-21"},
    }
    text = (
        "{citizen.age}岁，{activity.last_seen}以来{days_since:activity.last_seen}天；"
        "{months_since:medical_insurance.paid_until}个月；{benefit.pension}；{nope}"
    )
    shown = render_explanation(
        text, evidence, date(2026, 11, 24), lambda f, v: "无记录" if v is None else str(v)
    )
    assert shown == "82岁，2026-11-15以来9天；3个月；无记录；{nope}"


def test_explanations_never_format() -> None:
    evidence = {"citizen.age": {"v": "{0.__class__}"}}
    shown = render_explanation(
        "{citizen.age} {citizen.age!r} {0}", evidence, date(2026, 1, 1), lambda f, v: str(v)
    )
    assert shown == "{0.__class__} {citizen.age!r} {0}"


# --- the vault's values and documents -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("household.lives_alone", "true", True),
        ("household.lives_alone", False, False),
        ("disability.level", "2", 2),
        ("household.size", 4, 4),
        ("activity.last_seen", "2026-11-15", date(2026, 11, 15)),
        ("medical_insurance.scheme", "resident", "resident"),
    ],
)
def test_fact_values_are_typed(key: str, raw: Any, value: Any) -> None:
    assert parse_fact_value(key, raw) == value


@pytest.mark.parametrize(
    ("key", "raw", "code"),
    [
        ("household.income_secret", "1", "vault.fact_key_unknown"),
        ("household.lives_alone", "maybe", "vault.fact_value_invalid"),
        ("disability.level", "7", "vault.fact_value_invalid"),
        ("disability.level", True, "vault.fact_value_invalid"),
        ("activity.last_seen", "2026-02-30", "vault.fact_value_invalid"),
        ("activity.last_seen", "yesterday", "vault.fact_value_invalid"),
        ("medical_insurance.scheme", "gold", "vault.fact_value_invalid"),
    ],
)
def test_bad_fact_values_are_refused(key: str, raw: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_fact_value(key, raw)
    assert caught.value.code == code


def test_documents_and_materials() -> None:
    assert mask_document_number("110105198803150134") == "110***********0134"
    assert mask_document_number("Q1100012026") == "Q1*******26"
    today = date(2026, 11, 24)
    ok = clean_document(DocumentInput("birth_certificate", " q1100012026 ", "妇幼保健院"), today)
    assert ok.number == "Q1100012026"
    for doc, code in [
        (DocumentInput("passport_of_mars", "1", "x"), "vault.document_type_unknown"),
        (DocumentInput("birth_certificate", None, "x"), "vault.document_number_required"),
        (DocumentInput("birth_certificate", "Q1'; --", "x"), "vault.document_number_invalid"),
        (DocumentInput("birth_certificate", "Q11", ""), "vault.document_issuer_invalid"),
        (
            DocumentInput("birth_certificate", "Q11", "x", date(2020, 1, 1)),
            "vault.document_expired",
        ),
        (
            DocumentInput("birth_certificate", "Q11", "x", file_ref="s3://a/b"),
            "vault.document_file_invalid",
        ),
    ]:
        with pytest.raises(InvalidInput) as caught:
            clean_document(doc, today)
        assert caught.value.code == code
    # every fact-backed material names real fact keys
    for kind, target in MATERIAL_SOURCES.values():
        if kind == "fact":
            assert set(target.split("|")) <= set(FACTS)
