"""Services that find people (服务找人): the rules over the demo data, once each; offers that
explain themselves; accept (one step), dismiss, appeal; opt-outs; dry-run and versions;
welfare visits for the community."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import local_date
from doorstep.services.deps import Deps
from doorstep.services.proactive import finding as proactive
from doorstep.store.db import Pool
from doorstep.store.demo_vault import RULES
from tests.integration.helpers import error_code, gql, login, row_counts
from tests.integration.proactive_helpers import (
    CHEN_JIAWEN,
    LIU_JIANGUO,
    WANG_XIUYING,
    ZHANG_WEI,
    citizen_id,
    fresh_offer,
    matrix_rule,
)

OFFERS = """query($s: [OfferStatus!]) { myOffers(statuses: $s) { id ruleCode ruleVersion kind
  category categoryLabel title reason status statusLabel bundleCode applicationNumber
  appealStatus appealNote evidence { field label value sourceUnit asOf } } }"""
ACCEPT = """mutation($o: ID!) { acceptOffer(id: $o) { offer { status applicationNumber }
  application { number bundleCode } } }"""
APPEAL = """mutation($o: ID!, $r: String!) { appealOffer(id: $o, reason: $r) {
  status appealStatus } }"""
DRY_RUN = (
    "mutation($r: JSON!) { dryRunOfferRule(rule: $r) { code currentVersion matched gain "
    "lose keep } }"
)
PUBLISH = "mutation($r: JSON!) { publishOfferRule(rule: $r) { code version current } }"


async def _live(pool: Pool, phone: str, rule_code: str) -> list[Any]:
    return await pool.fetch(
        """select p.id, p.status, p.rule_version, p.evidence from opportunities p
           join offer_rules r on r.id = p.rule_id
           where p.citizen_id = $1 and r.code = $2
             and p.status in ('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')""",
        await citizen_id(pool, phone),
        rule_code,
    )


async def _reset(pool: Pool, phone: str, rule_code: str) -> None:
    """Set the citizen's earlier offers of a rule aside, so the next evaluation finds them."""
    await pool.execute(
        """update opportunities set status = 'expired' where citizen_id = $1
           and rule_id = (select id from offer_rules where code = $2)
           and status in ('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')""",
        await citizen_id(pool, phone),
        rule_code,
    )


def _today() -> date:
    """The evaluation date: Asia/Shanghai (the database's current_date is UTC's)."""
    return local_date(datetime.now(UTC))


async def _quiet(pool: Pool, elder: int) -> None:
    """王秀英's last sign of life 9 days ago, as the demo data has it."""
    await pool.execute(
        "update vault_facts set day = $2 where citizen_id = $1 and key = 'activity.last_seen'",
        elder,
        _today() - timedelta(days=9),
    )


async def test_every_shipped_rule_finds_someone_and_only_once(deps: Deps, pool: Pool) -> None:
    first = await proactive.evaluate_all(deps)
    assert {r.code for r in first.rules} >= {r["code"] for r in RULES}
    for rule in RULES:
        found = await pool.fetchval(
            """select count(*) from opportunities p join offer_rules r on r.id = p.rule_id
               where r.code = $1""",
            rule["code"],
        )
        assert found >= 1, f"{rule['code']} finds nobody in the demo data"
    # again, and three evaluators at once: nothing new
    again = await proactive.evaluate_all(deps)
    assert again.created == 0
    racing = await asyncio.gather(*(proactive.evaluate_all(deps) for _ in range(3)))
    assert sum(r.created for r in racing) == 0
    duplicates = await pool.fetchval(
        """select count(*) from (select rule_id, citizen_id from opportunities
           where status in ('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')
           group by 1, 2 having count(*) > 1) d"""
    )
    assert duplicates == 0


async def test_offers_reach_people_and_welfare_findings_go_to_the_community(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    elder = await citizen_id(pool, WANG_XIUYING)
    await pool.execute(
        """update opportunities set status = 'resolved' where citizen_id = $1
           and kind = 'welfare_check' and status = 'open'""",
        elder,
    )
    await _quiet(pool, elder)
    await _reset(pool, CHEN_JIAWEN, "medical-insurance-lapse")
    before = await pool.fetchval("select coalesce(max(id), 0) from outbox")

    await proactive.evaluate_all(deps)
    assert await proactive.notify_new_offers(deps) >= 2

    # the English speaker hears of the lapse in English, with the months counted
    alert = await pool.fetchrow(
        "select template, params, language from outbox where id > $1 and phone = $2",
        before,
        CHEN_JIAWEN,
    )
    assert alert is not None
    assert alert["template"] == "sms.risk_alert" and alert["language"] == "en"
    assert "months unpaid" in alert["params"]["reason"]
    # the elder living alone is not messaged: her community gets a visit, and its clerk an SMS
    visit = await pool.fetchrow(
        """select w.id, w.status, u.code from welfare_checks w join units u on u.id = w.unit_id
           where w.citizen_id = $1 order by w.id desc limit 1""",
        elder,
    )
    assert visit is not None
    assert (visit["status"], visit["code"]) == ("open", "cy-jianwai-yonganli")
    to_elder = await pool.fetch(
        "select kind from outbox where id > $1 and phone = $2", before, WANG_XIUYING
    )
    assert "offer.welfare_check" not in {r["kind"] for r in to_elder}
    clerk = await pool.fetchrow(
        "select template, urgent, params from outbox where id > $1 and phone = '+8613900139115'",
        before,
    )
    assert clerk is not None
    assert clerk["template"] == "sms.welfare_check" and clerk["urgent"]
    assert "9天" in clerk["params"]["reason"]

    query = "{ welfareChecks { id citizenName reason ruleCode ruleVersion } }"
    listed = (await gql(client, query, token=tokens["supervisor"]))["data"]["welfareChecks"]
    mine = next(w for w in listed if w["id"] == str(visit["id"]))
    assert mine["citizenName"] == "王秀英" and mine["ruleCode"] == "elder-alone-quiet"
    assert "独居老人，82岁" in mine["reason"]
    police = (await gql(client, query, token=tokens["staff"]))["data"]["welfareChecks"]
    assert str(visit["id"]) not in {w["id"] for w in police}
    reads = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1 and what = 'welfare_check'",
        elder,
    )
    assert reads >= 1

    # the visit: she is well; that is a sign of life, and the rule stops finding her
    done = await gql(
        client,
        """mutation($w: ID!) { completeWelfareCheck(id: $w, outcome: SAFE,
        note: "老人身体好，手机没电了") { status outcome outcomeLabel } }""",
        {"w": str(visit["id"])},
        token=tokens["supervisor"],
    )
    assert done["data"]["completeWelfareCheck"] == {
        "status": "DONE",
        "outcome": "SAFE",
        "outcomeLabel": "平安",
    }
    assert (
        error_code(
            await gql(
                client,
                """mutation($w: ID!) { completeWelfareCheck(id: $w,
        outcome: SAFE) { status } }""",
                {"w": str(visit["id"])},
                token=tokens["supervisor"],
            )
        )
        == "welfare.done"
    )
    seen = await pool.fetchval(
        "select day from vault_facts where citizen_id = $1 and key = 'activity.last_seen'", elder
    )
    assert seen == _today()
    await proactive.evaluate_all(deps)
    assert await _live(pool, WANG_XIUYING, "elder-alone-quiet") == []
    # put the demo back as it was (other tests expect her to be quiet)
    await _quiet(pool, elder)


async def test_accepting_applies_in_one_step_prefilled(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    await _reset(pool, ZHANG_WEI, "childcare-subsidy-newborn")
    await proactive.evaluate_all(deps)
    offers = (await gql(client, OFFERS, {"s": ["OPEN"]}, token=tokens["citizen"]))["data"][
        "myOffers"
    ]
    offer = next(o for o in offers if o["ruleCode"] == "childcare-subsidy-newborn")
    # which rule, which version, which values (and where they came from)
    assert offer["ruleVersion"] == 1 and offer["kind"] == "OFFER"
    assert offer["categoryLabel"] == "生育养育" and offer["statusLabel"] == "待您处理"
    registered = next(
        e for e in offer["evidence"] if e["field"] == "household.newborn_registered_on"
    )
    assert registered["sourceUnit"] == "北京市公安局朝阳分局"
    assert registered["value"] in offer["reason"]
    assert (
        next(e for e in offer["evidence"] if e["field"] == "benefit.childcare_subsidy")["value"]
        == "无记录"
    )

    body = await gql(client, ACCEPT, {"o": offer["id"]}, token=tokens["citizen"])
    assert "errors" not in body, body
    accepted = body["data"]["acceptOffer"]
    number = accepted["application"]["number"]
    assert accepted["application"]["bundleCode"] == "childcare-subsidy"
    assert accepted["offer"] == {"status": "ACCEPTED", "applicationNumber": number}
    form = await pool.fetchval("select form from applications where number = $1", number)
    assert form["fields"]["offer"]["rule"] == "childcare-subsidy-newborn"
    assert {"id-card", "birth-certificate", "household-register"} <= set(form["materials"])
    health = await pool.fetchval(
        """select items from vault_uses v join applications a on a.id = v.application_id
           join units u on u.id = v.unit_id where a.number = $1 and u.code = 'cy-health'""",
        number,
    )
    assert {i["material"] for i in health} >= {"birth-certificate", "id-card"}

    before = await row_counts(pool, "applications", "tasks", "events", "outbox")
    assert (
        error_code(await gql(client, ACCEPT, {"o": offer["id"]}, token=tokens["citizen"]))
        == "offer.not_open"
    )
    assert (
        error_code(await gql(client, ACCEPT, {"o": "999999999"}, token=tokens["citizen"]))
        == "offer.not_found"
    )
    assert (
        error_code(await gql(client, ACCEPT, {"o": "abc"}, token=tokens["citizen"]))
        == "offer.id_invalid"
    )
    assert await row_counts(pool, "applications", "tasks", "events", "outbox") == before
    # accepted once, not offered again
    await proactive.evaluate_all(deps)
    assert [r["status"] for r in await _live(pool, ZHANG_WEI, "childcare-subsidy-newborn")] == [
        "accepted"
    ]


async def test_an_expired_offer_cannot_be_accepted(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    stale = await fresh_offer(pool, ZHANG_WEI, "newborn-medical-insurance", expires_in_days=-1)
    before = await row_counts(pool, "applications", "tasks", "events", "outbox")
    body = await gql(client, ACCEPT, {"o": str(stale)}, token=tokens["citizen"])
    assert error_code(body) == "offer.expired"
    assert "直接申请" in body["errors"][0]["message"]
    assert await row_counts(pool, "applications", "tasks", "events", "outbox") == before
    # the sweep marks it expired; still refused, in the citizen's words
    await proactive.evaluate_all(deps)
    assert await pool.fetchval("select status from opportunities where id = $1", stale) == "expired"
    english = await gql(client, ACCEPT, {"o": str(stale)}, token=tokens["citizen"], language="en")
    assert error_code(english) == "offer.expired"


async def test_dismissed_is_not_offered_again(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool
) -> None:
    token = await login(client, pool, LIU_JIANGUO)
    await _reset(pool, LIU_JIANGUO, "elder-card-60")
    await proactive.evaluate_all(deps)
    [offer] = await _live(pool, LIU_JIANGUO, "elder-card-60")
    body = await gql(
        client,
        "mutation($o: ID!) { dismissOffer(id: $o) { status } }",
        {"o": str(offer["id"])},
        token=token,
    )
    assert body["data"]["dismissOffer"]["status"] == "DISMISSED"
    await proactive.evaluate_all(deps)
    assert [r["status"] for r in await _live(pool, LIU_JIANGUO, "elder-card-60")] == ["dismissed"]


async def test_appeals_go_to_a_person_at_the_rules_unit(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    # a civil-affairs rule: its unit (the `other_staff` session) reviews
    offer = str(await fresh_offer(pool, ZHANG_WEI, "disability-care-subsidy"))
    assert (
        error_code(
            await gql(client, APPEAL, {"o": offer, "r": "不是我的"}, token=tokens["other_citizen"])
        )
        == "auth.forbidden"
    )
    assert (
        error_code(await gql(client, APPEAL, {"o": offer, "r": "   "}, token=tokens["citizen"]))
        == "offer.reason_invalid"
    )
    body = await gql(
        client, APPEAL, {"o": offer, "r": "我没有残疾人证，数据有误"}, token=tokens["citizen"]
    )
    assert body["data"]["appealOffer"] == {"status": "APPEALED", "appealStatus": "PENDING"}
    assert (
        error_code(
            await gql(client, APPEAL, {"o": offer, "r": "再说一次"}, token=tokens["citizen"])
        )
        == "offer.not_open"
    )

    queue = "{ offerAppeals { id offerId citizenName citizenResidentIdMasked reason ruleCode } }"
    listed = (await gql(client, queue, token=tokens["other_staff"]))["data"]["offerAppeals"]
    appeal = next(a for a in listed if a["offerId"] == offer)
    assert appeal["citizenName"] == "张伟" and appeal["reason"] == "我没有残疾人证，数据有误"
    assert "*" in appeal["citizenResidentIdMasked"]
    police = (await gql(client, queue, token=tokens["staff"]))["data"]["offerAppeals"]
    assert offer not in {a["offerId"] for a in police}

    decide = """mutation($a: ID!, $u: Boolean!) { decideOfferAppeal(id: $a, uphold: $u,
        note: "经核实您不符合条件，推荐撤回") { status } }"""
    assert (
        error_code(await gql(client, decide, {"a": appeal["id"], "u": True}, token=tokens["staff"]))
        == "auth.forbidden"
    )
    done = await gql(client, decide, {"a": appeal["id"], "u": True}, token=tokens["other_staff"])
    assert done["data"]["decideOfferAppeal"]["status"] == "UPHELD"
    assert (
        error_code(
            await gql(client, decide, {"a": appeal["id"], "u": False}, token=tokens["other_staff"])
        )
        == "appeal.decided"
    )
    status = await pool.fetchval("select status from opportunities where id = $1", int(offer))
    assert status == "withdrawn"  # and, like a dismissal, it is not made again
    told = await pool.fetchrow(
        "select template, params from outbox where phone = $1 order by id desc limit 1", ZHANG_WEI
    )
    assert told is not None
    assert told["template"] == "sms.appeal_upheld"

    # rejected: open again, with the reviewer's answer on it
    second = str(await fresh_offer(pool, ZHANG_WEI, "disability-care-subsidy"))
    await gql(client, APPEAL, {"o": second, "r": "我不需要"}, token=tokens["citizen"])
    appeal_id = await pool.fetchval(
        "select id from offer_appeals where opportunity_id = $1", int(second)
    )
    await gql(client, decide, {"a": str(appeal_id), "u": False}, token=tokens["supervisor"])
    offers = (await gql(client, OFFERS, {"s": ["OPEN"]}, token=tokens["citizen"]))["data"][
        "myOffers"
    ]
    reopened = next(o for o in offers if o["id"] == second)
    assert reopened["appealStatus"] == "REJECTED"
    assert reopened["appealNote"] == "经核实您不符合条件，推荐撤回"


async def test_citizens_opt_out_of_a_category(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool
) -> None:
    token = await login(client, pool, LIU_JIANGUO)
    await _reset(pool, LIU_JIANGUO, "retirement-upcoming")
    await proactive.evaluate_all(deps)
    assert [r["status"] for r in await _live(pool, LIU_JIANGUO, "retirement-upcoming")] == ["open"]
    opt = """mutation($c: OfferCategory!, $o: Boolean!) { setOfferOptOut(category: $c,
        optedOut: $o) { category optedOut mayOptOut label } }"""
    body = await gql(client, opt, {"c": "RETIREMENT", "o": True}, token=token)
    choice = next(c for c in body["data"]["setOfferOptOut"] if c["category"] == "RETIREMENT")
    assert choice["optedOut"] and choice["label"] == "退休"
    assert [r["status"] for r in await _live(pool, LIU_JIANGUO, "retirement-upcoming")] == [
        "dismissed"
    ]
    await _reset(pool, LIU_JIANGUO, "retirement-upcoming")
    await proactive.evaluate_all(deps)
    assert await _live(pool, LIU_JIANGUO, "retirement-upcoming") == []
    # welfare visits are not the app's to turn off
    assert (
        error_code(await gql(client, opt, {"c": "WELFARE", "o": True}, token=token))
        == "offer.category_required"
    )
    back = await gql(client, opt, {"c": "RETIREMENT", "o": False}, token=token)
    assert not next(c for c in back["data"]["setOfferOptOut"] if c["category"] == "RETIREMENT")[
        "optedOut"
    ]
    await proactive.evaluate_all(deps)
    assert [r["status"] for r in await _live(pool, LIU_JIANGUO, "retirement-upcoming")] == ["open"]


async def test_rules_are_dry_run_then_published_as_versions(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    rule = matrix_rule("test-seniors-no-card")
    # a fact of 民政's own: the data-sharing list lets a unit's rule read what it owns
    rule.update(
        bundle_code="elder-card",
        owner_unit_code="cy-civil-affairs",
        condition={
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 60},
                {"not": {"field": "benefit.longevity_allowance", "op": "is", "value": True}},
            ]
        },
        explanation={
            "zh_Hans": "您{citizen.age}岁，还没有养老助残卡。",
            "zh_Hant": "您{citizen.age}歲，還沒有養老助殘卡。",
            "en": "You are {citizen.age} with no senior card.",
        },
    )
    liu = await citizen_id(pool, LIU_JIANGUO)
    try:
        dry = (await gql(client, DRY_RUN, {"r": rule}, token=tokens["supervisor"]))["data"][
            "dryRunOfferRule"
        ]
        assert dry["currentVersion"] is None and dry["lose"] == 0
        assert dry["matched"] >= 1 and dry["gain"] == dry["matched"]
        assert (await gql(client, PUBLISH, {"r": rule}, token=tokens["supervisor"]))["data"][
            "publishOfferRule"
        ] == {"code": "test-seniors-no-card", "version": 1, "current": True}
        await proactive.evaluate_all(deps)
        [v1] = await _live(pool, LIU_JIANGUO, "test-seniors-no-card")
        assert v1["rule_version"] == 1 and v1["evidence"]["citizen.age"]["v"] == 60

        # 65 and over: 刘建国 (60) would lose his offer
        older = {
            **rule,
            "condition": {
                "all": [
                    {"field": "citizen.age", "op": ">=", "value": 65},
                    {"not": {"field": "benefit.longevity_allowance", "op": "is", "value": True}},
                ]
            },
        }
        dry = (await gql(client, DRY_RUN, {"r": older}, token=tokens["other_staff"]))["data"][
            "dryRunOfferRule"
        ]
        assert dry["currentVersion"] == 1 and dry["lose"] >= 1 and dry["gain"] == 0
        assert dry["keep"] + dry["lose"] >= 1
        assert (
            error_code(await gql(client, DRY_RUN, {"r": older}, token=tokens["staff"]))
            == "auth.forbidden"
        )
        assert (
            error_code(await gql(client, PUBLISH, {"r": older}, token=tokens["other_staff"]))
            == "auth.forbidden"
        )
        published = await gql(client, PUBLISH, {"r": older}, token=tokens["admin"])
        assert published["data"]["publishOfferRule"]["version"] == 2
        await proactive.evaluate_all(deps)
        lapsed = await pool.fetchrow(
            """select p.status, p.rule_version from opportunities p join offer_rules r
               on r.id = p.rule_id where r.code = 'test-seniors-no-card' and p.citizen_id = $1
               order by p.id desc limit 1""",
            liu,
        )
        assert lapsed is not None
        assert (lapsed["status"], lapsed["rule_version"]) == ("lapsed", 1)
        versions = (
            await gql(client, "{ offerRules { code version current } }", token=tokens["staff"])
        )["data"]["offerRules"]
        assert [
            (v["version"], v["current"]) for v in versions if v["code"] == "test-seniors-no-card"
        ] == [(2, True), (1, False)]

        # an invalid rule is refused at publish, with the reason, and nothing is written
        before = await row_counts(pool, "offer_rule_versions", "offer_rules")
        for bad, code, words in [
            (
                {**older, "condition": {"field": "citizen.salary", "op": ">", "value": 1}},
                "rule.field_unknown",
                "citizen.salary",
            ),
            (
                {
                    **older,
                    "condition": {"all": [{"field": "benefit.elder_card", "op": ">", "value": 1}]},
                },
                "rule.operator_invalid",
                "$.all[0]",
            ),
            ({**older, "bundle_code": "no-such-bundle"}, "rule.bundle_unknown", "no-such"),
            ({**older, "owner_unit_code": "cy-nowhere"}, "rule.owner_unknown", "cy-nowhere"),
            (
                {**older, "explanation": {**older["explanation"], "en": "{pension.secret}"}},
                "rule.placeholder_unknown",
                "pension.secret",
            ),
        ]:
            refused = await gql(client, PUBLISH, {"r": bad}, token=tokens["supervisor"])
            assert error_code(refused) == code, refused
            assert words in refused["errors"][0]["message"]
        assert (
            error_code(await gql(client, PUBLISH, {"r": [1, 2]}, token=tokens["supervisor"]))
            == "rule.input_invalid"
        )
        assert await row_counts(pool, "offer_rule_versions", "offer_rules") == before
    finally:
        # retire the test rule: the cron evaluates current versions only
        await pool.execute(
            "update offer_rules set current_version = null where code = 'test-seniors-no-card'"
        )


async def test_evaluation_looks_at_the_day_it_runs(deps: Deps, pool: Pool) -> None:
    """Spans count from the evaluation date: nine days quiet is not yet quiet a week ago."""
    await _reset(pool, WANG_XIUYING, "elder-alone-quiet")
    elder = await citizen_id(pool, WANG_XIUYING)
    await pool.execute(
        "update opportunities set status = 'resolved' where citizen_id = $1 "
        "and kind = 'welfare_check' and status = 'open'",
        elder,
    )
    await _quiet(pool, elder)
    today = _today()
    await proactive.evaluate_all(deps, today - timedelta(days=3))
    assert await _live(pool, WANG_XIUYING, "elder-alone-quiet") == []
    await proactive.evaluate_all(deps, today)
    assert len(await _live(pool, WANG_XIUYING, "elder-alone-quiet")) == 1


async def test_age_bounds_agree_with_postgres_age(pool: Pool) -> None:
    """The compiled age tests (birth-date bounds) against age() itself, leap days included."""
    from doorstep.domain.rule_sql import Params, compile_condition
    from doorstep.domain.rules import parse_condition

    births = [
        date(1944, 2, 29),
        date(1946, 2, 28),
        date(1946, 3, 1),
        date(1966, 11, 24),
        date(1966, 11, 25),
        date(1966, 11, 23),
        date(1986, 12, 31),
        date(1987, 1, 1),
    ]
    days = [
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2024, 2, 29),
        date(2026, 11, 24),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
    for op in ("=", "!=", "<", "<=", ">", ">="):
        for years in (20, 40, 60, 80, 82):
            node = parse_condition({"field": "citizen.age", "op": op, "value": years})
            params = Params(None)
            where = compile_condition(node, params, "$1::date", evidence=False).where
            for day in days:
                params.values[0] = day
                rows = await pool.fetch(
                    f"""select b, {where} as got,
                               extract(year from age($1::date, b))::int as age
                        from unnest(${len(params.values) + 1}::date[]) as c(b)""".replace(
                        "c.birth_date", "c.b"
                    ),
                    *params.values,
                    births,
                )
                for row in rows:
                    want = {
                        "=": row["age"] == years,
                        "!=": row["age"] != years,
                        "<": row["age"] < years,
                        "<=": row["age"] <= years,
                        ">": row["age"] > years,
                        ">=": row["age"] >= years,
                    }[op]
                    assert row["got"] is want, (op, years, day, row["b"], row["age"])


async def test_the_worker_runs_the_rules_and_the_notices_as_unique_crons(deps: Deps) -> None:
    from doorstep.workers import main as worker

    settings = worker.worker_settings(deps.settings)
    crons = {c.name.removeprefix("cron:"): c for c in settings["cron_jobs"]}
    assert crons["offer_rules"].unique and crons["offer_notices"].unique
    ctx: dict[str, Any] = {"deps": deps}
    assert (await worker.offer_rules(ctx)).endswith("expired")
    assert isinstance(await worker.offer_notices(ctx), int)


async def test_an_agent_hears_of_offers_their_delegation_covers(deps: Deps, pool: Pool) -> None:
    from tests.integration.delegation_helpers import make_citizen, make_delegation

    principal = await citizen_id(pool, ZHANG_WEI)
    covering_id, covering_phone = await make_citizen(pool)
    narrow_id, narrow_phone = await make_citizen(pool)
    await make_delegation(pool, covering_id, principal, ["applications"])
    await make_delegation(pool, narrow_id, principal, ["medical_insurance"])
    offer = await fresh_offer(pool, ZHANG_WEI, "childcare-subsidy-newborn")
    await pool.execute("update opportunities set notified_at = null where id = $1", offer)
    before = await pool.fetchval("select coalesce(max(id), 0) from outbox")
    await proactive.notify_new_offers(deps)
    sent = {
        r["phone"]: r["template"]
        for r in await pool.fetch("select phone, template from outbox where id > $1", before)
    }
    assert sent[ZHANG_WEI] == "sms.offer"
    assert sent[covering_phone] == "sms.offer_for_principal"
    assert narrow_phone not in sent  # the childcare subsidy is not in that delegation's themes
