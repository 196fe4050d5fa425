"""Fresh offers, appeals, visits and corrections straight in the database, for the tests of
the vault and of services that find people (and their rows in the authorization matrix)."""

from __future__ import annotations

from typing import Any

from doorstep.domain.case_numbers import make_case_number
from doorstep.services.vault import CORRECTION_PREFIX
from doorstep.store import demo_data
from doorstep.store.db import Pool

ZHANG_WEI = "+8613800138001"
LI_NA = "+8613800138002"
WANG_XIUYING = "+8613800138003"
LIU_JIANGUO = "+8613800138004"
CHEN_JIAWEN = "+8613800138005"
ZHAO_GUILAN = "+8613800138006"
SUN_ZHIQIANG = "+8613800138007"

LIVE = "('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')"


def resident_id_of(phone: str) -> str:
    return next(c.resident_id for c in demo_data.CITIZENS if c.phone == phone)


async def citizen_id(pool: Pool, phone: str) -> int:
    value: int = await pool.fetchval("select id from citizens where phone = $1", phone)
    return value


async def fresh_offer(
    pool: Pool, phone: str, rule_code: str, *, status: str = "open", expires_in_days: int = 30
) -> int:
    """A new offer of a published rule for a citizen (their earlier live one of that rule is
    set aside as expired, so the once-only index lets it in)."""
    cid = await citizen_id(pool, phone)
    rule = await pool.fetchrow(
        """select r.id, r.current_version, v.kind, v.category from offer_rules r
           join offer_rule_versions v on v.rule_id = r.id and v.version = r.current_version
           where r.code = $1""",
        rule_code,
    )
    assert rule is not None, rule_code
    await pool.execute(
        f"""update opportunities set status = 'expired' where citizen_id = $1 and rule_id = $2
            and status in {LIVE}""",
        cid,
        rule["id"],
    )
    offer_id: int = await pool.fetchval(
        """insert into opportunities (citizen_id, rule_id, rule_version, kind, category,
                                      evidence, status, expires_at, notified_at)
           values ($1, $2, $3, $4, $5, '{}'::jsonb, $6,
                   now() + make_interval(days => $7), now())
           returning id""",
        cid,
        rule["id"],
        rule["current_version"],
        rule["kind"],
        rule["category"],
        status,
        expires_in_days,
    )
    return offer_id


async def fresh_appeal(pool: Pool, phone: str, rule_code: str) -> int:
    offer_id = await fresh_offer(pool, phone, rule_code, status="appealed")
    unit_id = await pool.fetchval(
        """select v.owner_unit_id from opportunities p join offer_rule_versions v
           on v.rule_id = p.rule_id and v.version = p.rule_version where p.id = $1""",
        offer_id,
    )
    appeal_id: int = await pool.fetchval(
        """insert into offer_appeals (opportunity_id, citizen_id, unit_id, reason)
           values ($1, $2, $3, '我已经在领这项补贴了') returning id""",
        offer_id,
        await citizen_id(pool, phone),
        unit_id,
    )
    return appeal_id


async def fresh_visit(pool: Pool, phone: str = WANG_XIUYING) -> int:
    """A welfare visit for the citizen's community unit."""
    offer_id = await fresh_offer(pool, phone, "elder-alone-quiet")
    check_id: int = await pool.fetchval(
        """insert into welfare_checks (opportunity_id, citizen_id, unit_id, due_on)
           values ($1, $2, (select id from units where code = 'cy-jianwai-yonganli'),
                   current_date + 1) returning id""",
        offer_id,
        await citizen_id(pool, phone),
    )
    return check_id


async def close_corrections(pool: Pool, phone: str, key: str) -> None:
    await pool.execute(
        """update fact_corrections set status = 'confirmed', resolved_at = now()
           where citizen_id = $1 and fact_key = $2 and status = 'open'""",
        await citizen_id(pool, phone),
        key,
    )


async def fresh_correction(pool: Pool, phone: str, key: str) -> str:
    """An open correction of one of the citizen's facts, for the unit that owns it."""
    await close_corrections(pool, phone, key)
    cid = await citizen_id(pool, phone)
    serial = await pool.fetchval("select nextval('correction_serial')")
    number = make_case_number(CORRECTION_PREFIX, serial)
    await pool.execute(
        """insert into fact_corrections (number, citizen_id, fact_key, unit_id, flagged_value,
                                         note)
           select $1, $2, $3, f.source_unit_id, '3'::jsonb, '人数不对'
           from vault_facts f where f.citizen_id = $2 and f.key = $3""",
        number,
        cid,
        key,
    )
    return number


def matrix_rule(code: str = "matrix-test-rule") -> dict[str, Any]:
    """A rule of the civil affairs unit that finds nobody (no one is 140)."""
    texts = {"zh_Hans": "测试", "zh_Hant": "測試", "en": "Test"}
    return {
        "code": code,
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "longevity-allowance",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 30,
        "condition": {
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 140},
                {"not": {"field": "benefit.longevity_allowance", "op": "is", "value": True}},
            ]
        },
        "title": texts,
        "explanation": texts,
    }


PROACTIVE_OPERATIONS = {
    "myVault",
    "applicationForm",
    "addVaultDocument",
    "recordFacts",
    "flagFact",
    "factCorrections",
    "resolveCorrection",
    "myOffers",
    "offerCategories",
    "acceptOffer",
    "dismissOffer",
    "appealOffer",
    "setOfferOptOut",
    "offerRules",
    "dryRunOfferRule",
    "publishOfferRule",
    "offerAppeals",
    "decideOfferAppeal",
    "welfareChecks",
    "completeWelfareCheck",
    "runOfferRules",
}


async def prepare_proactive(pool: Pool, operation: str) -> dict[str, Any]:
    """Variables for the matrix rows of the vault, facts and offers, each case from a fresh state
    of its own."""
    if operation not in PROACTIVE_OPERATIONS:
        return {}
    found: dict[str, Any] = {"z": resident_id_of(ZHANG_WEI), "r": matrix_rule()}
    if operation in ("acceptOffer", "dismissOffer", "appealOffer"):
        found["o"] = str(await fresh_offer(pool, ZHANG_WEI, "childcare-subsidy-newborn"))
    if operation == "decideOfferAppeal":
        found["aq"] = str(await fresh_appeal(pool, ZHANG_WEI, "disability-care-subsidy"))
    if operation == "completeWelfareCheck":
        found["w"] = str(await fresh_visit(pool))
    if operation == "resolveCorrection":
        found["k"] = await fresh_correction(pool, ZHANG_WEI, "household.size")
    if operation == "flagFact":
        for phone in (ZHANG_WEI, LI_NA):
            await close_corrections(pool, phone, "household.size")
    return found


PROACTIVE_QUERIES = {
    "myVault": "{ myVault { facts { key } } }",
    "applicationForm": '{ applicationForm(bundleCode: "kindergarten") { toProvide } }',
    "addVaultDocument": 'mutation { addVaultDocument(input: {type: "id_photo", '
    'issuer: "照相馆"}) { id } }',
    "recordFacts": "mutation($z: String!) { recordFacts(input: {residentId: $z, "
    'sourceUnitCode: "cy-psb", facts: [{key: "household.size", value: "3"}]}) '
    "{ changed } }",
    "flagFact": 'mutation { flagFact(key: "household.size", note: "我家现在是4口人") { number } }',
    "factCorrections": "{ factCorrections { number } }",
    "resolveCorrection": "mutation($k: String!) { resolveCorrection(number: $k, "
    'corrected: false, note: "经核实无误") { status } }',
    "myOffers": "{ myOffers { id } }",
    "offerCategories": "{ offerCategories { category optedOut } }",
    "acceptOffer": "mutation($o: ID!) { acceptOffer(id: $o) { offer { status } } }",
    "dismissOffer": "mutation($o: ID!) { dismissOffer(id: $o) { status } }",
    "appealOffer": 'mutation($o: ID!) { appealOffer(id: $o, reason: "我已经领了") { status } }',
    "setOfferOptOut": "mutation { setOfferOptOut(category: RETIREMENT, optedOut: false) "
    "{ category } }",
    "offerRules": "{ offerRules { code version } }",
    "dryRunOfferRule": "mutation($r: JSON!) { dryRunOfferRule(rule: $r) { gain lose } }",
    "publishOfferRule": "mutation($r: JSON!) { publishOfferRule(rule: $r) { version } }",
    "offerAppeals": "{ offerAppeals { id } }",
    "decideOfferAppeal": "mutation($aq: ID!) { decideOfferAppeal(id: $aq, uphold: false, "
    'note: "经复核符合条件") { status } }',
    "welfareChecks": "{ welfareChecks { id } }",
    # NOT_REACHED: the visit records no sign of life, so the demo finding stays true
    "completeWelfareCheck": "mutation($w: ID!) { completeWelfareCheck(id: $w, "
    "outcome: NOT_REACHED) { status } }",
    "runOfferRules": "mutation { runOfferRules { created } }",
}
