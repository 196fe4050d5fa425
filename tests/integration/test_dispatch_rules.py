"""Supervisors manage the dispatch rules as versioned data: a draft, checks, a dry run over the
last 30 days, publish with warnings; published sets never change; tickets name their rule."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from doorstep.store import dispatch_rules as rules_store
from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

SET_FIELDS = """id status stale rules { ruleNo version priority categories regionPrefixes
  leadUnitCode isGuess } warnings { ruleNo code message }"""
SAVE = f"""mutation($i: DispatchRuleInput!) {{ saveDispatchRule(input: $i) {{ {SET_FIELDS} }} }}"""
DRAFT = f"{{ dispatchRuleDraft {{ {SET_FIELDS} }} }}"
PUBLISHED = f"{{ dispatchRuleSet {{ {SET_FIELDS} }} }}"
PUBLISH = f"""mutation($t: String!) {{ publishDispatchRules(note: $t) {{ changedRules
  warnings {{ ruleNo code message }} ruleSet {{ {SET_FIELDS} }} }} }}"""
DRY_RUN = """{ dryRunDispatchRules { examined changed toReviewBefore toReviewAfter
  changes { number beforeUnit afterUnit beforeRule afterRule afterBasis }
  errors { code } warnings { ruleNo code } } }"""
DISCARD = "mutation { discardDispatchRuleDraft }"
SUBMIT = """mutation($c: String!, $r: String!, $d: String!) { submitTicket(input: {kind: HELP,
  categoryCode: $c, description: $d, regionCode: $r}) { number leadUnit { code }
  dispatch { basis ruleSet ruleNo ruleVersion explanation } } }"""


async def ok(
    client: AsyncTestClient[Any], query: str, variables: dict[str, Any] | None, token: str
) -> dict[str, Any]:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _rule(**fields: Any) -> dict[str, Any]:
    return {
        "priority": 5000,
        "leadUnitCode": "cy-hrss",
        "categories": ["pension"],
        "regionPrefixes": ["110105"],
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"categories": ["potholes"]}, "dispatch_rule.category_unknown"),
        ({"regionPrefixes": ["110105x1"]}, "dispatch_rule.region_prefix_invalid"),
        ({"assistingUnitCodes": ["cy-hrss"]}, "dispatch_rule.lead_also_assisting"),
        ({"leadUnitCode": "nobody"}, "dispatch_rule.unit_unknown"),
        ({"priority": 0}, "dispatch_rule.priority_range"),
        ({"priority": 20}, "dispatch_rule.priority_duplicate"),  # rule 2's
        ({"keywords": ["  "]}, "dispatch_rule.keyword_invalid"),
        ({"categories": ["pension", "pension"]}, "dispatch_rule.duplicate_values"),
        ({"ruleNo": 99999}, "dispatch_rule.not_found"),
    ],
)
async def test_an_invalid_rule_is_refused_with_its_reason(
    client: AsyncTestClient[Any], tokens: dict[str, str], fields: dict[str, Any], code: str
) -> None:
    body = await gql(client, SAVE, {"i": _rule(**fields)}, token=tokens["supervisor"])
    assert error_code(body) == code, body
    assert "{" not in body["errors"][0]["message"]


async def test_a_supervisor_changes_only_rules_of_their_region(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    sup, admin = tokens["supervisor"], tokens["admin"]
    # a rule for every region is the admin's; so is editing one (rule 16 has no region)
    assert (
        error_code(await gql(client, SAVE, {"i": _rule(regionPrefixes=[])}, token=sup))
        == "auth.forbidden"
    )
    assert (
        error_code(await gql(client, SAVE, {"i": _rule(regionPrefixes=["310101"])}, token=sup))
        == "auth.forbidden"
    )
    assert (
        error_code(await gql(client, SAVE, {"i": _rule(ruleNo=16)}, token=sup)) == "auth.forbidden"
    )
    await ok(client, DISCARD, None, admin)
    saved = await ok(client, SAVE, {"i": _rule(regionPrefixes=[], priority=5001)}, admin)
    assert any(r["priority"] == 5001 for r in saved["saveDispatchRule"]["rules"])
    await ok(client, DISCARD, None, admin)
    assert (await ok(client, DRAFT, None, admin))["dispatchRuleDraft"] is None


async def test_draft_dry_run_publish_and_the_version_a_ticket_names(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    sup, admin = tokens["supervisor"], tokens["admin"]
    await ok(client, DISCARD, None, sup)
    await ok(client, DISCARD, None, admin)
    published = (await ok(client, PUBLISHED, None, sup))["dispatchRuleSet"]
    rule3 = next(r for r in published["rules"] if r["ruleNo"] == 3)
    # recent water tickets, routed by rule 3 to the water company
    here = (
        await ok(
            client,
            SUBMIT,
            {"c": "water", "r": "110105001001", "d": "自来水发黄"},
            tokens["citizen"],
        )
    )["submitTicket"]
    there = (
        await ok(
            client,
            SUBMIT,
            {"c": "water", "r": "110105002001", "d": "自来水有异味"},
            tokens["citizen"],
        )
    )["submitTicket"]
    for t in (here, there):
        assert t["leadUnit"]["code"] == "bj-water-cy"
        assert (t["dispatch"]["ruleNo"], t["dispatch"]["ruleVersion"]) == (3, rule3["version"])
        assert t["dispatch"]["ruleSet"] == published["id"]
    # the admin starts a draft now; it goes stale when the supervisor publishes first
    await ok(client, SAVE, {"i": _rule(regionPrefixes=[], priority=5002)}, admin)

    # rule 3 only for 建外 and handled by the community; a rule hidden behind rule 6; one
    # that can never match
    draft = (
        await ok(
            client,
            SAVE,
            {
                "i": {
                    "ruleNo": 3,
                    "priority": 30,
                    "leadUnitCode": "cy-jianwai-yonganli",
                    "categories": ["water"],
                    "regionPrefixes": ["110105001"],
                }
            },
            sup,
        )
    )["saveDispatchRule"]
    assert draft["status"] == "draft" and not draft["stale"]
    changed3 = next(r for r in draft["rules"] if r["ruleNo"] == 3)
    assert changed3["version"] == rule3["version"] + 1
    # a rule for every region (rule 7) stays the admin's
    assert (
        error_code(
            await gql(
                client,
                SAVE,
                {
                    "i": {
                        "ruleNo": 7,
                        "priority": 70,
                        "leadUnitCode": "cy-hrss",
                        "categories": ["pension"],
                        "regionPrefixes": ["110105"],
                    }
                },
                token=sup,
            )
        )
        == "auth.forbidden"
    )
    hidden = (
        await ok(
            client,
            SAVE,
            {
                "i": _rule(
                    priority=65,
                    leadUnitCode="cy-jianwai",
                    categories=["noise"],
                    regionPrefixes=["110105001"],
                )
            },
            sup,
        )
    )["saveDispatchRule"]
    hidden_no = max(r["ruleNo"] for r in hidden["rules"])
    never = (await ok(client, SAVE, {"i": _rule(priority=66, regionPrefixes=["110105009"])}, sup))[
        "saveDispatchRule"
    ]
    never_no = max(r["ruleNo"] for r in never["rules"])
    warnings = {(w["ruleNo"], w["code"]) for w in never["warnings"]}
    assert {
        (hidden_no, "shadowed"),
        (never_no, "never_matches_region"),
        (3, "unit_not_serving"),
    } <= warnings
    shadow = next(w for w in never["warnings"] if w["ruleNo"] == hidden_no)
    assert "6" in shadow["message"] and "{" not in shadow["message"]

    # the dry run replays the last 30 days: both water tickets would go elsewhere
    run = (await ok(client, DRY_RUN, None, sup))["dryRunDispatchRules"]
    moved = {c["number"]: c for c in run["changes"]}
    assert moved[here["number"]]["afterUnit"] == "永安里社区居委会"
    assert moved[here["number"]]["beforeRule"] == 3
    assert moved[there["number"]]["afterBasis"] == "NO_RULE"
    assert moved[there["number"]]["afterUnit"] == "朝阳区政务服务中心"
    assert run["changed"] >= 2 and run["toReviewAfter"] > run["toReviewBefore"]
    assert run["errors"] == []
    # nothing is routed differently until it is published
    still = (
        await ok(
            client,
            SUBMIT,
            {"c": "water", "r": "110105001001", "d": "自来水发黄"},
            tokens["citizen"],
        )
    )["submitTicket"]
    assert still["leadUnit"]["code"] == "bj-water-cy"

    result = (await ok(client, PUBLISH, {"t": "建外供水先由社区受理"}, sup))["publishDispatchRules"]
    assert 3 in result["changedRules"] and hidden_no in result["changedRules"]
    assert {(w["ruleNo"], w["code"]) for w in result["warnings"]} >= {
        (hidden_no, "shadowed"),
        (never_no, "never_matches_region"),
    }
    new_set = result["ruleSet"]
    assert new_set["status"] == "published" and new_set["id"] != published["id"]
    # from now on rule 3 v2 routes water tickets of 建外
    after = (
        await ok(
            client,
            SUBMIT,
            {"c": "water", "r": "110105001001", "d": "自来水发黄"},
            tokens["citizen"],
        )
    )["submitTicket"]
    assert after["leadUnit"]["code"] == "cy-jianwai-yonganli"
    assert (
        after["dispatch"]["ruleSet"],
        after["dispatch"]["ruleNo"],
        after["dispatch"]["ruleVersion"],
    ) == (new_set["id"], 3, rule3["version"] + 1)
    assert f"规则3 v{rule3['version'] + 1}" in after["dispatch"]["explanation"]
    # the earlier ticket still names the version that routed it
    body = await gql(
        client,
        "query($n: String!) { ticket(number: $n) { dispatch { ruleSet ruleVersion } } }",
        {"n": here["number"]},
        token=tokens["citizen"],
    )
    assert body["data"]["ticket"]["dispatch"] == {
        "ruleSet": published["id"],
        "ruleVersion": rule3["version"],
    }
    # the old set is kept, superseded
    old = await ok(
        client,
        "query($i: Int!) { dispatchRuleSet(id: $i) { status } }",
        {"i": published["id"]},
        sup,
    )
    assert old["dispatchRuleSet"]["status"] == "superseded"

    # the admin's draft was copied from the old set: publishing it is refused
    assert (await ok(client, DRAFT, None, admin))["dispatchRuleDraft"]["stale"]
    assert error_code(await gql(client, PUBLISH, {"t": "x"}, token=admin)) == (
        "dispatch_rules.stale_draft"
    )
    await ok(client, DISCARD, None, admin)
    # a draft with no change has nothing to publish
    await ok(
        client,
        SAVE,
        {
            "i": {
                "ruleNo": 2,
                "priority": 20,
                "leadUnitCode": "cy-heating",
                "categories": ["heating"],
                "regionPrefixes": ["110105"],
                "deadlineProfile": "HELP",
            }
        },
        sup,
    )
    assert error_code(await gql(client, PUBLISH, {"t": "x"}, token=sup)) == (
        "dispatch_rules.nothing_to_publish"
    )
    # removing rules from a draft
    removed = (
        await ok(
            client, "mutation { removeDispatchRule(ruleNo: 4) { rules { ruleNo } } }", None, sup
        )
    )["removeDispatchRule"]
    assert 4 not in {r["ruleNo"] for r in removed["rules"]}
    assert (
        error_code(
            await gql(client, "mutation { removeDispatchRule(ruleNo: 4) { id } }", token=sup)
        )
        == "dispatch_rule.not_found"
    )
    await ok(client, DISCARD, None, sup)
    assert error_code(await gql(client, DRY_RUN, token=sup)) == "dispatch_rules.no_draft"


async def test_published_sets_are_immutable(pool: Pool) -> None:
    published = await pool.fetchval("select id from dispatch_rule_sets where status = 'published'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute(
            "update dispatch_rules set priority = priority + 1 where rule_set_id = $1", published
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("delete from dispatch_rules where rule_set_id = $1", published)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute(
            "insert into dispatch_rules (rule_set_id, rule_no, version, priority,"
            " lead_unit_id) values ($1, 999999, 1, 999999, 1)",
            published,
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute(
            "update dispatch_rule_sets set note = 'changed' where id = $1", published
        )
    superseded = await pool.fetchval(
        "select id from dispatch_rule_sets where status = 'superseded' limit 1"
    )
    if superseded is not None:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await pool.execute(
                "update dispatch_rule_sets set status = 'published' where id = $1", superseded
            )


async def test_rule_set_reads_give_their_row_types(pool: Pool) -> None:
    """History and the locked read run on no other path: their columns are checked here (a
    drift from the row type raises RowShapeError on first use)."""
    set_id, _version = await rules_store.engine_key(pool)
    assert set_id is not None
    history = await rules_store.history(pool, 5)
    assert history[0].id == set_id and history[0].status == "published"
    assert history[0].rule_count == len(await rules_store.rules_of(pool, set_id))
    async with pool.acquire() as conn, conn.transaction():
        locked = await rules_store.lock_rule_set(conn, set_id)
        assert locked is not None and locked.id == set_id
