"""数据共享责任清单 over the real GraphQL endpoint: the public list, a unit stating what it does
not own, a staff read outside the list (refused and recorded, seen by the citizen), corrections
routed to the owner, and an admin publishing a list (dry run by line; bad lists refused)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.delegation_helpers import (
    fresh_resident_id,
    gql_as,
    make_citizen,
    make_delegation,
)
from tests.integration.helpers import error_code, gql, login, row_counts
from tests.integration.identity_helpers import verify_identity

CULTURE_CLERK = "+8613900139113"  # 何俊, 朝阳区文化和旅游局
MEDICAL_CLERK = "+8613900139106"  # 吴静, 朝阳区医疗保障局

RECORD = """mutation($i: RecordFactsInput!) { recordFacts(input: $i) { changed } }"""
LIST = """query($v: Int) { sharingList(version: $v) { version effectiveFrom entries {
  kind key label owner { code name } legalBasis
  readers { unit { code } items { code name } bundles { code } welfareCheck legalBasis } } } }"""
READ = """query($r: String!, $i: String, $b: String, $k: [DataItemRef!]) {
  residentData(residentId: $r, itemCode: $i, bundleCode: $b, items: $k) {
    purpose items { kind key label value numberMasked source { code } } } }"""
MINE = """{ mySharing: myDataSharing { version items { kind key label listed owner { code }
  readers { unit { code } } used { unitName purpose refused } } } }"""
PUBLISH = """mutation($rows: [SharingRowInput!]!, $d: Boolean!, $e: Date) {
  publishSharingList(rows: $rows, dryRun: $d, effectiveFrom: $e) {
    dryRun published version entries grants problems { line code message warning } } }"""
LIST_ON = """query($on: Date) { sharingList(on: $on) { version } }"""
FLAG = """mutation($k: String!) { flagFact(key: $k, note: "不对") { number unitCode } }"""


async def _resident(pool: Pool) -> tuple[int, str, str]:
    citizen_id, phone = await make_citizen(pool, name="共享测试", birth_date=date(1980, 3, 1))
    resident_id = fresh_resident_id()
    await verify_identity(pool, citizen_id, resident_id)
    return citizen_id, phone, resident_id


async def _insured_resident(client: AsyncTestClient[Any], pool: Pool) -> tuple[int, str, str]:
    """A resident whose medical insurance scheme the medical security bureau has stated."""
    citizen_id, phone, resident_id = await _resident(pool)
    medical = await login(client, pool, MEDICAL_CLERK, as_staff=True)
    facts = [{"key": "medical_insurance.scheme", "value": "employee"}]
    await gql(client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=medical)
    return citizen_id, phone, resident_id


async def test_the_list_is_public(client: AsyncTestClient[Any]) -> None:
    body = await gql(client, LIST, {"v": None})
    assert "errors" not in body, body
    listed = body["data"]["sharingList"]
    entries = {e["key"]: e for e in listed["entries"]}
    medical = entries["medical_insurance.scheme"]
    assert medical["owner"] == {"code": "cy-medical-security", "name": "朝阳区医疗保障局"}
    assert "社会保险法" in medical["legalBasis"]
    assert entries["household.size"]["owner"]["code"] == "cy-psb"
    assert entries["disability.level"]["owner"]["code"] == "cy-disabled"
    assert entries["birth_certificate"]["owner"]["code"] == "cy-mch"
    readers = {r["unit"]["code"]: r for r in entries["social_security_card"]["readers"]}
    assert [i["code"] for i in readers["cy-culture"]["items"]] == ["social-card-library"]
    assert "bank_account" not in entries


async def test_a_unit_states_only_what_it_owns(client: AsyncTestClient[Any], pool: Pool) -> None:
    citizen_id, _phone, resident_id = await _resident(pool)
    facts = [{"key": "medical_insurance.scheme", "value": "resident"}]
    culture = await login(client, pool, CULTURE_CLERK, as_staff=True)
    before = await row_counts(pool, "vault_facts", "vault_fact_history", "events")
    body = await gql(
        client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=culture
    )
    assert error_code(body) == "sharing.not_owner", body
    assert "朝阳区医疗保障局" in body["errors"][0]["message"]
    admin = await login(client, pool, "+8613900139000", as_staff=True)
    as_culture = {"residentId": resident_id, "facts": facts, "sourceUnitCode": "cy-culture"}
    body = await gql(client, RECORD, {"i": as_culture}, token=admin)
    assert error_code(body) == "sharing.not_owner", body
    # one key it does not own refuses the whole statement
    mixed = [{"key": "household.size", "value": "2"}, *facts]
    psb = {"residentId": resident_id, "facts": mixed, "sourceUnitCode": "cy-psb"}
    assert error_code(await gql(client, RECORD, {"i": psb}, token=admin)) == "sharing.not_owner"
    assert await row_counts(pool, "vault_facts", "vault_fact_history", "events") == before
    medical = await login(client, pool, MEDICAL_CLERK, as_staff=True)
    body = await gql(
        client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=medical
    )
    assert body["data"]["recordFacts"]["changed"] == 1, body
    stored = await pool.fetchval(
        "select txt from vault_facts where citizen_id = $1 and key = 'medical_insurance.scheme'",
        citizen_id,
    )
    assert stored == "resident"


async def test_a_staff_read_outside_the_list_is_refused_recorded_and_shown(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    citizen_id, phone, resident_id = await _insured_resident(client, pool)
    await pool.execute(
        """insert into vault_documents (citizen_id, doc_type, number_masked, issuer,
                                        source_unit_id)
           values ($1, 'social_security_card', 'S1******9', '人社局',
                   (select id from units where code = 'cy-hrss'))""",
        citizen_id,
    )
    culture = await login(client, pool, CULTURE_CLERK, as_staff=True)
    # for its library card the culture bureau may read the social security card, and only it
    body = await gql(client, READ, {"r": resident_id, "i": "social-card-library"}, token=culture)
    assert "errors" not in body, body
    read = body["data"]["residentData"]
    assert [(i["kind"], i["key"]) for i in read["items"]] == [("document", "social_security_card")]
    assert read["items"][0]["numberMasked"] == "S1******9"
    # medical insurance status is not the culture bureau's to read: refused, and recorded
    asked = [{"kind": "fact", "key": "medical_insurance.scheme"}]
    body = await gql(
        client, READ, {"r": resident_id, "i": "social-card-library", "k": asked}, token=culture
    )
    assert error_code(body) == "sharing.read_not_allowed", body
    # nor for a purpose it has no grant for
    body = await gql(client, READ, {"r": resident_id, "i": "pension-claim"}, token=culture)
    assert error_code(body) == "sharing.read_not_allowed", body
    body = await gql(client, READ, {"r": resident_id}, token=culture)
    assert error_code(body) == "sharing.purpose_required", body
    rows = await pool.fetch(
        "select refused, subjects, purpose from personal_data_reads where citizen_id = $1 "
        "and subjects is not null order by id",
        citizen_id,
    )
    assert [(r["refused"], r["subjects"], r["purpose"]) for r in rows] == [
        (False, ["document:social_security_card"], "item:social-card-library"),
        (True, ["fact:medical_insurance.scheme"], "item:social-card-library"),
        (True, [], "item:pension-claim"),
    ]
    # the citizen sees, per item, who may use it and who did (the refused attempt too)
    token = await login(client, pool, phone)
    body = await gql(client, MINE, token=token)
    assert "errors" not in body, body
    items = {i["key"]: i for i in body["data"]["mySharing"]["items"]}
    scheme = items["medical_insurance.scheme"]
    assert scheme["owner"] == {"code": "cy-medical-security"}
    assert scheme["used"][0] == {
        "unitName": "朝阳区文化和旅游局",
        "purpose": "item:social-card-library",
        "refused": True,
    }
    log = await gql(client, "{ myDataAccessLog { readerUnit purpose refused } }", token=token)
    assert log["data"]["myDataAccessLog"][0] == {
        "readerUnit": "朝阳区文化和旅游局",
        "purpose": "item:pension-claim",
        "refused": True,
    }
    card = items["social_security_card"]
    assert "cy-culture" in {r["unit"]["code"] for r in card["readers"]}
    assert card["used"][0]["refused"] is False
    # a citizen does not read residents' data; staff do not have a "my" list
    assert error_code(await gql(client, READ, {"r": resident_id, "i": "x"}, token=token)) == (
        "auth.forbidden"
    )
    assert error_code(await gql(client, MINE, token=culture)) == "auth.forbidden"


async def test_a_correction_goes_to_the_owner_on_the_list(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    citizen_id, phone, _resident_id = await _resident(pool)
    # a medical-insurance fact that (before the list) the health commission had stated
    await pool.execute(
        """insert into vault_facts (citizen_id, key, value_type, txt, source_unit_id, as_of)
           values ($1, 'medical_insurance.scheme', 'text', 'none',
                   (select id from units where code = 'cy-health'), now())""",
        citizen_id,
    )
    token = await login(client, pool, phone)
    body = await gql(client, FLAG, {"k": "medical_insurance.scheme"}, token=token)
    assert "errors" not in body, body
    assert body["data"]["flagFact"]["unitCode"] == "cy-medical-security"


def _rows(**change: Any) -> list[dict[str, Any]]:
    owner = {
        "kind": "fact",
        "key": "household.size",
        "ownerUnitCode": "cy-psb",
        "legalBasis": "《中华人民共和国户口登记条例》",
    }
    reader = {
        **owner,
        "readerUnitCode": "cy-civil-affairs",
        "bundles": ["longevity-allowance"],
        "legalBasis": "《政务数据共享条例》",
    }
    return [owner, {**reader, **change}]


async def test_admins_publish_a_list_and_bad_lists_are_refused_by_line(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    admin = await login(client, pool, "+8613900139000", as_staff=True)
    before = await row_counts(pool, "sharing_list_versions", "sharing_entries", "sharing_grants")
    bad = [
        *_rows(readerUnitCode="cy-nowhere"),
        {"kind": "fact", "key": "household.wealth", "ownerUnitCode": "cy-psb", "legalBasis": "x"},
    ]
    for dry_run in (True, False):
        body = await gql(client, PUBLISH, {"rows": bad, "d": dry_run, "e": None}, token=admin)
        assert "errors" not in body, body
        result = body["data"]["publishSharingList"]
        assert result["published"] is False
        errors = [(p["line"], p["code"]) for p in result["problems"] if not p["warning"]]
        assert errors == [(2, "sharing.unit_unknown"), (3, "sharing.subject_unknown")]
        assert "cy-nowhere" in result["problems"][0]["message"]
    good = _rows()
    body = await gql(client, PUBLISH, {"rows": good, "d": True, "e": "2099-01-01"}, token=admin)
    result = body["data"]["publishSharingList"]
    assert (result["published"], result["entries"], result["grants"]) == (False, 1, 1)
    warned = {p["code"] for p in result["problems"] if p["warning"]}
    assert warned == {"sharing.subject_unlisted"}
    assert (
        await row_counts(pool, "sharing_list_versions", "sharing_entries", "sharing_grants")
        == before
    )
    # a date in the past rewrites nothing
    body = await gql(client, PUBLISH, {"rows": good, "d": False, "e": "2020-01-01"}, token=admin)
    assert error_code(body) == "sharing.effective_from_past"
    # published for a day to come: in force then, not now
    body = await gql(client, PUBLISH, {"rows": good, "d": False, "e": "2099-01-01"}, token=admin)
    result = body["data"]["publishSharingList"]
    assert result["published"] is True, body
    version = result["version"]
    later = await gql(client, LIST_ON, {"on": "2099-02-01"})
    assert later["data"]["sharingList"]["version"] == version
    now = await gql(client, LIST, {"v": None})
    assert now["data"]["sharingList"]["version"] != version
    shown = await gql(client, LIST, {"v": version})
    [entry] = shown["data"]["sharingList"]["entries"]
    assert entry["readers"][0]["bundles"] == [{"code": "longevity-allowance"}]
    # only admins publish
    clerk = await login(client, pool, MEDICAL_CLERK, as_staff=True)
    body = await gql(client, PUBLISH, {"rows": good, "d": True, "e": None}, token=clerk)
    assert error_code(body) == "auth.forbidden"


async def test_a_rule_reads_only_what_the_list_lets_its_unit_read(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    from tests.integration.proactive_helpers import matrix_rule

    rule = matrix_rule("sharing-test-no-card")
    rule.update(
        bundle_code="elder-card",
        owner_unit_code="cy-civil-affairs",
        condition={
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 60},
                {"not": {"field": "benefit.elder_card", "op": "is", "value": True}},
            ]
        },
    )
    publish = """mutation($r: JSON!) { publishOfferRule(rule: $r) { code version } }"""
    before = await row_counts(pool, "offer_rule_versions", "offer_rules")
    body = await gql(client, publish, {"r": rule}, token=tokens["supervisor"])
    assert error_code(body) == "sharing.read_not_allowed", body
    assert await row_counts(pool, "offer_rule_versions", "offer_rules") == before


async def test_bad_input_is_refused_with_its_code(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    _citizen_id, _phone, resident_id = await _resident(pool)
    culture = await login(client, pool, CULTURE_CLERK, as_staff=True)
    before = await row_counts(pool, "personal_data_reads")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"r": "110105198003011234", "i": "social-card-library"}, "resident_id.checksum"),
        ({"r": "not an id", "i": "social-card-library"}, "resident_id.format"),
        ({"r": resident_id, "i": "  "}, "sharing.purpose_required"),
        (
            {"r": resident_id, "i": "social-card-library", "k": [{"kind": "photo", "key": "x"}]},
            "sharing.kind_invalid",
        ),
        ({"r": resident_id, "i": "social-card-library", "k": []}, "sharing.keys_count"),
        (
            {
                "r": resident_id,
                "i": "social-card-library",
                "k": [{"kind": "fact", "key": "household.size"}] * 51,
            },
            "sharing.keys_count",
        ),
        (
            {"r": fresh_resident_id(), "i": "social-card-library"},
            "citizen.not_found",
        ),
        (
            {"r": resident_id, "i": "x", "k": [{"kind": "fact", "key": "household.wealth"}]},
            "sharing.subject_unknown",
        ),
    ]
    for variables, code in cases:
        body = await gql(client, READ, variables, token=culture)
        assert error_code(body) == code, (variables, body)
    # nothing about anyone was read, so nothing is recorded
    assert await row_counts(pool, "personal_data_reads") == before

    admin = tokens["admin"]
    version = await gql(client, LIST, {"v": 999999})
    assert error_code(version) == "sharing.version_not_found"
    body = await gql(
        client,
        """mutation($rows: [SharingRowInput!]!) { publishSharingList(rows: $rows, dryRun: true,
           note: $n) { published } }""".replace("note: $n", 'note: "' + "长" * 301 + '"'),
        {"rows": _rows()},
        token=admin,
    )
    assert error_code(body) == "sharing.note_too_long"
    empty = await gql(client, PUBLISH, {"rows": [], "d": True, "e": None}, token=admin)
    assert [p["code"] for p in empty["data"]["publishSharingList"]["problems"]] == ["sharing.empty"]
    # a fact type that is not the kind's: a document named as a fact
    wrong = [{**_rows()[0], "key": "birth_certificate"}]
    body = await gql(client, PUBLISH, {"rows": wrong, "d": True, "e": None}, token=admin)
    problems = body["data"]["publishSharingList"]["problems"]
    assert (problems[0]["line"], problems[0]["code"]) == (1, "sharing.subject_unknown")


ITEM = """mutation($i: ServiceItemVersionInput!) { publishServiceItemVersion(input: $i) {
  itemCode inForce } }"""
BUNDLE = """mutation($i: BundleVersionInput!) { publishBundleVersion(input: $i) {
  bundleCode inForce } }"""
FORM = """query($b: String!) { applicationForm(bundleCode: $b) { toProvide
  materials { code held source { unitCode } } } }"""
SUN_ZHIQIANG = "+8613800138007"  # on 低保 (民政's fact), ID card from 公安


async def test_a_form_passes_unit_held_data_only_where_the_list_allows(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """The same two materials for a new item of 民政 (the owner of 低保; granted the ID card
    only for the items the list names) and of the culture bureau (no grant for either)."""
    from datetime import date as day
    from random import randint

    tag = f"{randint(0, 10**6):06d}"
    admin = tokens["admin"]
    materials = [
        {"code": "low-income-proof", "name": "低保证明"},
        {"code": "id-card", "name": "居民身份证"},
    ]
    for unit in ("cy-civil-affairs", "cy-culture"):
        item = {
            "code": f"sh-{unit}-{tag}",
            "name": "测试救助",
            "unitCode": unit,
            "legalDays": 10,
            "promisedDays": 5,
            "effectiveFrom": day.today().isoformat(),
            "materials": materials,
        }
        body = await gql(client, ITEM, {"i": item}, token=admin)
        assert body["data"]["publishServiceItemVersion"]["inForce"], body
        bundle = {
            "code": f"shb-{unit}-{tag}",
            "name": "测试一件事",
            "itemCodes": [item["code"]],
            "effectiveFrom": day.today().isoformat(),
        }
        body = await gql(client, BUNDLE, {"i": bundle}, token=admin)
        assert body["data"]["publishBundleVersion"]["inForce"], body
    token = await login(client, pool, SUN_ZHIQIANG)

    async def form(unit: str) -> dict[str, Any]:
        body = await gql(client, FORM, {"b": f"shb-{unit}-{tag}"}, token=token)
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]["applicationForm"]
        return found

    # 民政 owns 低保: its own item gets it from the vault; the ID card (公安's) is granted to
    # 民政 only for the items the list names, so this new item asks for it
    civil = await form("cy-civil-affairs")
    held = {m["code"]: m for m in civil["materials"]}
    assert held["low-income-proof"]["held"] is True
    assert held["low-income-proof"]["source"] == {"unitCode": "cy-civil-affairs"}
    assert civil["toProvide"] == ["id-card"]
    # the culture bureau has no grant: the citizen is asked for both
    culture = await form("cy-culture")
    assert sorted(culture["toProvide"]) == ["id-card", "low-income-proof"]


async def test_an_agent_for_every_theme_sees_the_principals_sharing_and_the_read_is_recorded(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    principal_id, principal_phone, _resident_id = await _insured_resident(client, pool)
    daughter_id, daughter_phone = await make_citizen(pool, name="女儿")
    nephew_id, nephew_phone = await make_citizen(pool, name="外甥")
    await make_delegation(pool, daughter_id, principal_id, ["all"])
    await make_delegation(pool, nephew_id, principal_id, ["applications"])
    acting_for = str(principal_id)
    daughter = await login(client, pool, daughter_phone)
    body = await gql_as(client, MINE, token=daughter, acting_for=acting_for)
    assert "errors" not in body, body
    items = {i["key"]: i for i in body["data"]["mySharing"]["items"]}
    assert items["medical_insurance.scheme"]["owner"] == {"code": "cy-medical-security"}
    # the daughter's own list is not the principal's
    own = await gql(client, MINE, token=daughter)
    assert "medical_insurance.scheme" not in {i["key"] for i in own["data"]["mySharing"]["items"]}
    # a delegation for some themes only does not show all of the principal's data
    nephew = await login(client, pool, nephew_phone)
    body = await gql_as(client, MINE, token=nephew, acting_for=acting_for)
    assert error_code(body) == "delegation.out_of_scope", body
    # the principal sees that her daughter looked
    principal = await login(client, pool, principal_phone)
    log = await gql(client, "{ myDataAccessLog { readerKind readerName what } }", token=principal)
    assert log["data"]["myDataAccessLog"][0] == {
        "readerKind": "agent",
        "readerName": "女儿",
        "what": "data_sharing",
    }
