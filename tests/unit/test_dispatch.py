"""The dispatch engine: first match by priority, guesses and misses go to review, rule checks."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.domain.dispatch import Basis, Facts, NoRoute, Rule, RuleEngine
from doorstep.domain.dispatch_checks import Known, rule_errors, set_errors, set_warnings

HEATING_OFFICE, CITY, PSB, HOUSING, CENTER, STREET = 1, 2, 3, 4, 9, 8
FALLBACKS = {"110105": CENTER, "110105001": STREET}
KNOWN = Known(
    categories=frozenset({"heating", "streetlight", "noise", "pension", "old"}),
    active_categories=frozenset({"heating", "streetlight", "noise", "pension"}),
    units=frozenset({HEATING_OFFICE, CITY, PSB, HOUSING, CENTER, STREET}),
    regions=frozenset({"110105", "110105001", "110105001001", "110105002"}),
)


def facts(
    category: str = "heating",
    region: str = "110105001001",
    kind: str = "help",
    description: str = "暖气不热",
    urgency: str = "normal",
) -> Facts:
    return Facts(
        kind=kind, category=category, region_code=region, description=description, urgency=urgency
    )


RULES = [
    Rule(
        17,
        3,
        priority=10,
        lead_unit=HEATING_OFFICE,
        categories=("heating",),
        region_prefixes=("110105",),
    ),
    # construction noise goes to housing, other noise to the police
    Rule(20, 1, priority=5, lead_unit=HOUSING, categories=("noise",), keywords=("施工",)),
    Rule(21, 1, priority=6, lead_unit=PSB, categories=("noise",)),
    Rule(30, 2, priority=50, lead_unit=CITY, keywords=("路灯", "Street Light")),
    Rule(
        31,
        1,
        priority=1,
        lead_unit=PSB,
        urgencies=("danger",),
        kinds=("report", "help"),
        categories=("heating",),
        assisting_units=(HEATING_OFFICE,),
        deadline_profile="urgent",
    ),
]
ENGINE = RuleEngine(RULES, FALLBACKS)


def test_first_matching_rule_by_priority_wins_and_says_which() -> None:
    decision = ENGINE.decide(facts())
    assert decision.basis is Basis.RULE and not decision.needs_review
    assert (decision.lead_unit, decision.rule_no, decision.rule_version) == (HEATING_OFFICE, 17, 3)
    # the danger rule comes first (priority 1) for a dangerous heating ticket
    danger = ENGINE.decide(facts(urgency="danger", description="暖气管爆裂漏水"))
    assert (danger.lead_unit, danger.rule_no, danger.assisting_units) == (
        PSB,
        31,
        (HEATING_OFFICE,),
    )
    assert danger.deadline_profile == "urgent"
    # but not for a kind it does not name
    assert ENGINE.decide(facts(urgency="danger", kind="suggestion")).rule_no == 17


def test_keywords_refine_a_category() -> None:
    assert ENGINE.decide(facts("noise", description="楼下工地夜间施工")).lead_unit == HOUSING
    decision = ENGINE.decide(facts("noise", description="邻居装修很吵"))
    assert decision.lead_unit == PSB and decision.rule_no == 21
    assert ENGINE.decide(facts("noise", description="夜间施工")).matched_keyword == "施工"


def test_region_prefix_limits_a_rule() -> None:
    # outside 110105 the heating rule does not apply: no rule, no fallback anywhere
    with pytest.raises(NoRoute):
        ENGINE.decide(facts(region="310101001"))


def test_keyword_only_is_a_guess_for_review_at_the_regions_fallback() -> None:
    decision = ENGINE.decide(facts("pension", description="小区路灯坏了三天"))
    assert decision.basis is Basis.KEYWORD_GUESS and decision.needs_review
    assert decision.lead_unit == STREET and decision.suggested_unit == CITY
    assert decision.fallback_region == "110105001" and decision.matched_keyword == "路灯"
    # keywords match whatever the width and case
    wide = ENGINE.decide(facts("pension", description="ＳＴＲＥＥＴ light out"))
    assert wide.suggested_unit == CITY


def test_no_rule_goes_to_the_nearest_fallback_for_review() -> None:
    decision = ENGINE.decide(facts("pension", description="养老金没到账"))
    assert decision.basis is Basis.NO_RULE and decision.needs_review
    assert decision.lead_unit == STREET and decision.rule_no is None
    # a street without its own fallback unit climbs to the district's
    assert ENGINE.decide(facts("pension", region="110105002")).lead_unit == CENTER
    assert decision.reason_key == "dispatch.reason.no_rule"


def test_unknown_category_uses_only_rules_without_a_category() -> None:
    assert ENGINE.decide(facts("nothing-like-it", description="路灯")).suggested_unit == CITY
    assert ENGINE.decide(facts("nothing-like-it", description="x")).basis is Basis.NO_RULE


def _reference(rules: list[Rule], f: Facts) -> Rule | None:
    """The specification, naively: sort by priority, test every condition."""
    text = f.description.casefold()
    for r in sorted(rules, key=lambda r: (r.priority, r.rule_no)):
        if r.kinds and f.kind not in r.kinds:
            continue
        if r.categories and f.category not in r.categories:
            continue
        if r.urgencies and f.urgency not in r.urgencies:
            continue
        if r.region_prefixes and not any(f.region_code.startswith(p) for p in r.region_prefixes):
            continue
        if r.keywords and not any(k.casefold() in text for k in r.keywords):
            continue
        return r
    return None


_CATS = ["heating", "streetlight", "noise", "pension"]
_REGIONS = ["110105", "110105001", "110105001001", "110105002", "110106"]
_WORDS = ["施工", "路灯", "暖气", "漏水", "噪音"]


@st.composite
def _rules(draw: st.DrawFn) -> list[Rule]:
    n = draw(st.integers(1, 25))
    priorities = draw(st.lists(st.integers(1, 100), min_size=n, max_size=n, unique=True))
    rules = []
    for i, priority in enumerate(priorities):
        rules.append(
            Rule(
                rule_no=i + 1,
                version=1,
                priority=priority,
                lead_unit=draw(st.sampled_from([1, 2, 3])),
                kinds=tuple(
                    draw(st.sets(st.sampled_from(["help", "complaint", "report"]), max_size=2))
                ),
                categories=tuple(draw(st.sets(st.sampled_from(_CATS), max_size=2))),
                region_prefixes=tuple(
                    draw(
                        st.sets(
                            st.sampled_from(["1101", "110105", "110105001", "110106"]), max_size=2
                        )
                    )
                ),
                keywords=tuple(draw(st.sets(st.sampled_from(_WORDS), max_size=2))),
                urgencies=tuple(draw(st.sets(st.sampled_from(["normal", "danger"]), max_size=1))),
            )
        )
    return rules


@settings(max_examples=120, deadline=None)
@given(
    rules=_rules(),
    picks=st.lists(
        st.tuples(
            st.sampled_from(["help", "complaint", "report", "enquiry"]),
            st.sampled_from(_CATS),
            st.sampled_from(_REGIONS),
            st.sampled_from(["", *_WORDS]),
            st.sampled_from(["normal", "urgent", "danger"]),
        ),
        min_size=1,
        max_size=10,
    ),
)
def test_the_compiled_index_agrees_with_the_naive_reading(
    rules: list[Rule], picks: list[tuple[str, str, str, str, str]]
) -> None:
    engine = RuleEngine(rules, {"110105": 9, "110106": 9})
    for kind, category, region, word, urgency in picks:
        f = Facts(kind, category, region, f"描述{word}", urgency)
        expected = _reference(rules, f)
        got = engine.match(f)
        assert (got[0] if got else None) == expected


# --- checks at publish -------------------------------------------------------------------------


def test_invalid_rules_are_refused_with_reasons() -> None:
    bad = Rule(
        5,
        1,
        priority=0,
        lead_unit=99,
        kinds=("gossip",),
        categories=("unknown",),
        region_prefixes=("11010x", "1"),
        keywords=(" ", "x" * 31),
        urgencies=("soon",),
        assisting_units=(99, 99),
        deadline_profile="someday",
    )
    codes = {p.code for p in rule_errors(bad, KNOWN)}
    assert codes == {
        "priority_range",
        "kind_unknown",
        "category_unknown",
        "region_prefix_invalid",
        "keyword_invalid",
        "urgency_unknown",
        "unit_unknown",
        "duplicate_values",
        "profile_unknown",
        "lead_also_assisting",
    }
    lead_twice = Rule(6, 1, priority=3, lead_unit=PSB, assisting_units=(PSB,))
    assert [p.code for p in rule_errors(lead_twice, KNOWN)] == ["lead_also_assisting"]
    assert rule_errors(RULES[0], KNOWN) == []


def test_two_rules_with_one_priority_are_refused() -> None:
    rules = [Rule(1, 1, 10, PSB, categories=("noise",)), Rule(2, 1, 10, CITY)]
    (problem,) = set_errors(rules, KNOWN)
    assert problem.code == "priority_duplicate" and problem.params["rules"] == "1, 2"


def _warnings(rules: list[Rule]) -> dict[int | None, str]:
    return {p.rule_no: p.code for p in set_warnings(rules, KNOWN)}


def test_a_rule_that_can_never_match_is_warned_about() -> None:
    assert _warnings([Rule(1, 1, 1, PSB, region_prefixes=("110199",))]) == {
        1: "never_matches_region"
    }
    assert _warnings([Rule(1, 1, 1, PSB, categories=("old",))]) == {1: "never_matches_category"}


def test_shadowed_rules_are_warned_about() -> None:
    # a wider earlier rule hides a narrower later one
    assert _warnings(
        [
            Rule(1, 1, 1, PSB, categories=("noise",)),
            Rule(2, 1, 2, HOUSING, categories=("noise",), keywords=("施工",)),
        ]
    ) == {2: "shadowed"}
    # the other way round both can match
    assert (
        _warnings(
            [
                Rule(2, 1, 1, HOUSING, categories=("noise",), keywords=("施工",)),
                Rule(1, 1, 2, PSB, categories=("noise",)),
            ]
        )
        == {}
    )
    # a catch-all hides everything after it
    assert _warnings([Rule(1, 1, 1, CENTER), Rule(2, 1, 2, PSB, region_prefixes=("110105",))]) == {
        2: "shadowed"
    }
    # region prefixes: 110105 covers 110105001
    assert _warnings(
        [
            Rule(1, 1, 1, PSB, region_prefixes=("110105",)),
            Rule(2, 1, 2, CITY, region_prefixes=("110105001",)),
        ]
    ) == {2: "shadowed"}
    # two earlier rules together cover both categories of a later one
    found = set_warnings(
        [
            Rule(1, 1, 1, PSB, categories=("noise",)),
            Rule(2, 1, 2, CITY, categories=("streetlight",)),
            Rule(3, 1, 3, HOUSING, categories=("noise", "streetlight")),
        ],
        KNOWN,
    )
    assert [(p.rule_no, p.code, p.params["by"]) for p in found] == [(3, "shadowed", "1, 2")]
    # a keyword contained in a later rule's keyword covers it: "施工" is in "夜间施工"
    assert _warnings(
        [Rule(1, 1, 1, PSB, keywords=("施工",)), Rule(2, 1, 2, CITY, keywords=("夜间施工",))]
    ) == {2: "shadowed"}
    assert (
        _warnings(
            [Rule(1, 1, 1, PSB, keywords=("夜间施工",)), Rule(2, 1, 2, CITY, keywords=("施工",))]
        )
        == {}
    )
    # a wildcard rule counts for categories first named after it
    assert _warnings(
        [
            Rule(1, 1, 1, CENTER, urgencies=("danger",)),
            Rule(2, 1, 2, PSB, categories=("noise",), urgencies=("danger",)),
        ]
    ) == {2: "shadowed"}


def test_a_unit_off_its_patch_is_warned_about() -> None:
    known = Known(
        KNOWN.categories,
        KNOWN.active_categories,
        KNOWN.units,
        KNOWN.regions,
        served={PSB: [("noise", "110105")]},
    )
    assert (
        _warnings_with(
            known, [Rule(1, 1, 1, PSB, categories=("noise",), region_prefixes=("110105001",))]
        )
        == {}
    )
    assert _warnings_with(known, [Rule(1, 1, 1, PSB, categories=("heating",))]) == {
        1: "unit_not_serving"
    }


def _warnings_with(known: Known, rules: list[Rule]) -> dict[int | None, str]:
    return {p.rule_no: p.code for p in set_warnings(rules, known)}


def test_checks_stay_quick_for_a_thousand_rules() -> None:
    rng = random.Random(7)
    cats = [f"c{i}" for i in range(50)]
    known = Known(
        frozenset(cats),
        frozenset(cats),
        frozenset(range(1, 200)),
        frozenset({"110105", "110105001"}),
    )
    rules = [
        Rule(
            i,
            1,
            i,
            rng.randrange(1, 200),
            categories=(rng.choice(cats),),
            region_prefixes=(rng.choice(["110105", "110105001"]),),
            keywords=tuple(rng.sample(_WORDS, rng.randrange(0, 3))),
        )
        for i in range(1, 1001)
    ]
    # counts, not time: every rule is checked and the set holds together
    assert set_errors(rules, known) == []
    warnings = set_warnings(rules, known)
    assert all(p.code == "shadowed" for p in warnings)
