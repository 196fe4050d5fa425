"""The once-only vault (一次采集、多次使用) through the real GraphQL endpoint: forms that ask only
for what is missing, uses the citizen can see, units' facts, and "this data is wrong"."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.identity import mask_resident_id
from doorstep.services.deps import Deps
from doorstep.services.proactive import finding as proactive
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import fresh_resident_id, make_citizen
from tests.integration.helpers import error_code, fresh_phone, gql, login, row_counts
from tests.integration.identity_helpers import verify_identity, verify_phone
from tests.integration.proactive_helpers import close_corrections

FORM = """query($b: String!) { applicationForm(bundleCode: $b) { bundleCode missingRequired
  toProvide materials { code held required items factKey
    source { unitCode label applicationNumber } document { id type numberMasked } } } }"""
SUBMIT = """mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { number } }"""
VAULT = """{ myVault { documents { id type numberMasked source { unitCode label } }
  facts { key label value rawValue source { unitCode unitName } openCorrection }
  corrections { number factKey status statusLabel unitCode }
  uses(first: 50) { unitName purpose purposeLabel applicationNumber
    items { kind key label } } } }"""
RECORD = """mutation($i: RecordFactsInput!) { recordFacts(input: $i) { changed rerun } }"""


def _materials(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["code"]: m for m in form["materials"]}


async def test_two_bundles_need_the_same_certificate_and_it_is_asked_once(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    token = await login(client, pool, phone)
    resident_id = fresh_resident_id()
    await verify_phone(pool, phone, resident_id)  # the form and the ID card carry her own ID

    # kindergarten: an empty vault, so the birth certificate is asked for
    first = (await gql(client, FORM, {"b": "kindergarten"}, token=token))["data"]
    kindergarten = _materials(first["applicationForm"])
    assert not kindergarten["birth-certificate"]["held"]
    assert "birth-certificate" in first["applicationForm"]["toProvide"]

    birth = {
        "type": "birth_certificate",
        "number": "Q110500123",
        "issuer": "朝阳区妇幼保健院",
        "fileRef": "vault/birth/Q110500123.pdf",
        "fileSha256": "ab" * 32,
    }
    body = await gql(
        client,
        SUBMIT,
        {
            "i": {
                "bundleCode": "kindergarten",
                "applicantName": "周小米",
                "residentId": resident_id,
                "documents": [
                    birth,
                    {
                        "type": "household_register",
                        "number": "HK1101050077",
                        "issuer": "北京市公安局朝阳分局",
                    },
                    {
                        "type": "resident_id_card",
                        "number": resident_id,
                        "issuer": "北京市公安局朝阳分局",
                        "validUntil": "2036-01-01",
                    },
                ],
            }
        },
        token=token,
    )
    assert "errors" not in body, body
    first_number = body["data"]["submitApplication"]["number"]

    # school entry needs the same certificate: now held, from the first application
    second = (await gql(client, FORM, {"b": "school-entry"}, token=token))["data"]
    school = _materials(second["applicationForm"])
    held = school["birth-certificate"]
    assert held["held"] and held["document"]["type"] == "birth_certificate"
    assert held["source"] == {
        "unitCode": None,
        "label": "您本人提供",
        "applicationNumber": first_number,
    }
    assert school["household-register"]["held"]
    assert "birth-certificate" not in second["applicationForm"]["toProvide"]
    assert "housing-proof" in second["applicationForm"]["toProvide"]
    # each material once, with every item that needs it
    assert [m["code"] for m in second["applicationForm"]["materials"]].count(
        "household-register"
    ) == 1
    assert len(school["household-register"]["items"]) >= 2

    body = await gql(
        client,
        SUBMIT,
        {
            "i": {
                "bundleCode": "school-entry",
                "documents": [
                    {
                        "type": "property_certificate",
                        "number": "JZ2024-0815",
                        "issuer": "朝阳区住建委",
                    }
                ],
            }
        },
        token=token,
    )
    assert "errors" not in body, body
    second_number = body["data"]["submitApplication"]["number"]

    citizen = await pool.fetchval("select id from citizens where phone = $1", phone)
    certificates = await pool.fetch(
        "select id, number_enc, number_masked from vault_documents "
        "where citizen_id = $1 and doc_type = 'birth_certificate'",
        citizen,
    )
    assert len(certificates) == 1  # provided once, reused
    assert b"Q110500123" not in bytes(certificates[0]["number_enc"])
    assert certificates[0]["number_masked"] == "Q1******23"
    forms = {
        r["number"]: r["form"]
        for r in await pool.fetch(
            "select number, form from applications where number = any($1::text[])",
            [first_number, second_number],
        )
    }
    from_vault = {v["material"]: v for v in forms[second_number]["vault"]}
    assert from_vault["birth-certificate"]["document_id"] == certificates[0]["id"]
    assert "birth-certificate" in forms[second_number]["materials"]

    # the citizen sees which unit used which item, for which application
    vault = (await gql(client, VAULT, token=token))["data"]["myVault"]
    uses = [u for u in vault["uses"] if u["applicationNumber"] == second_number]
    assert {u["purpose"] for u in uses} == {"application"}
    education = next(u for u in uses if u["unitName"] == "朝阳区教育委员会")
    assert {"kind": "document", "key": "birth_certificate", "label": "出生医学证明"} in (
        education["items"]
    )
    numbers = {d["type"]: d["numberMasked"] for d in vault["documents"]}
    assert numbers["resident_id_card"] == mask_resident_id(resident_id)


async def test_demo_citizen_form_is_prefilled_from_units(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    form = (await gql(client, FORM, {"b": "childcare-subsidy"}, token=tokens["citizen"]))["data"][
        "applicationForm"
    ]
    materials = _materials(form)
    assert materials["id-card"]["source"]["label"] == "北京市公安局朝阳分局"
    assert materials["birth-certificate"]["source"]["unitCode"] == "cy-mch"
    assert materials["household-register"]["held"]
    assert not materials["bank-card"]["held"]
    assert form["toProvide"] == ["bank-card"] and form["missingRequired"] == 1
    # English labels for the same form
    english = await gql(
        client, FORM, {"b": "childcare-subsidy"}, token=tokens["citizen"], language="en"
    )
    assert "errors" not in english
    assert (
        error_code(await gql(client, FORM, {"b": "no-such-bundle"}, token=tokens["citizen"]))
        == "bundle.unknown"
    )


async def _resident(pool: Pool, *, birth: date = date(1970, 5, 1)) -> tuple[int, str, str]:
    """A citizen of the demo community with a resident ID on file: (id, phone, ID)."""
    citizen_id, phone = await make_citizen(pool, name="测试居民", birth_date=birth)
    resident_id = fresh_resident_id()
    await verify_identity(pool, citizen_id, resident_id)
    await pool.execute("update citizens set region_code = '110105001001' where id = $1", citizen_id)
    return citizen_id, phone, resident_id


async def test_units_record_facts_from_known_sources_only(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    citizen_id, _phone, resident_id = await _resident(pool)
    facts = [{"key": "household.size", "value": "2"}]
    body = await gql(
        client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=tokens["staff"]
    )
    assert body["data"]["recordFacts"]["changed"] == 1
    row = await pool.fetchrow(
        "select f.num, u.code from vault_facts f join units u on "
        "u.id = f.source_unit_id where f.citizen_id = $1 and "
        "f.key = 'household.size'",
        citizen_id,
    )
    assert row is not None
    assert (int(row["num"]), row["code"]) == (2, "cy-psb")  # the clerk's own unit
    # the same again changes nothing
    again = await gql(
        client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=tokens["staff"]
    )
    assert again["data"]["recordFacts"]["changed"] == 0

    before = await row_counts(pool, "vault_facts", "vault_fact_history", "events")
    refusals = [
        ("admin", {"sourceUnitCode": "cy-nowhere"}, facts, "vault.source_unknown"),
        ("admin", {}, facts, "vault.source_required"),
        ("staff", {"sourceUnitCode": "cy-civil-affairs"}, facts, "auth.forbidden"),
        ("supervisor", {"sourceUnitCode": "cy-psb"}, facts, "auth.forbidden"),
        ("citizen", {}, facts, "auth.forbidden"),
        ("staff", {}, [{"key": "household.wealth", "value": "1"}], "vault.fact_key_unknown"),
        ("staff", {}, [{"key": "household.size", "value": "many"}], "vault.fact_value_invalid"),
        (
            "staff",
            {},
            [{"key": "household.size", "value": "3"}, {"key": "household.size", "value": "4"}],
            "vault.fact_repeated",
        ),
        ("staff", {}, [], "vault.facts_count"),
        (
            "staff",
            {},
            [{"key": "household.size", "value": "3", "asOf": "2999-01-01T00:00:00+08:00"}],
            "vault.as_of_invalid",
        ),
    ]
    for role, extra, items, code in refusals:
        got = await gql(
            client,
            RECORD,
            {"i": {"residentId": resident_id, "facts": items, **extra}},
            token=tokens[role],
        )
        assert error_code(got) == code, (role, extra, items, got)
    unknown = await gql(
        client,
        RECORD,
        {"i": {"residentId": fresh_resident_id(), "facts": facts}},
        token=tokens["staff"],
    )
    assert error_code(unknown) == "citizen.not_found"
    broken = resident_id[:-1] + ("0" if resident_id[-1] != "0" else "1")
    assert (
        error_code(
            await gql(
                client, RECORD, {"i": {"residentId": broken, "facts": facts}}, token=tokens["staff"]
            )
        )
        == "resident_id.checksum"
    )
    assert await row_counts(pool, "vault_facts", "vault_fact_history", "events") == before


async def test_this_data_is_wrong_goes_to_the_owning_unit_and_reruns_the_rules(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    citizen_id, phone, resident_id = await _resident(pool)
    recorded = await gql(
        client,
        RECORD,
        {
            "i": {
                "residentId": resident_id,
                "sourceUnitCode": "cy-disabled",
                "facts": [
                    {"key": "disability.level", "value": "3"},
                    {"key": "disability.category", "value": "physical"},
                ],
            }
        },
        token=tokens["admin"],
    )
    assert recorded["data"]["recordFacts"]["rerun"]["disability-care-subsidy"] == {
        "created": 0,
        "lapsed": 0,
    }
    token = await login(client, pool, phone)

    flag = """mutation($k: String!, $n: String!) { flagFact(key: $k, note: $n) {
        number factKey unitCode status flaggedValue } }"""
    body = await gql(
        client, flag, {"k": "disability.level", "n": "评定结论已改为二级"}, token=token
    )
    correction = body["data"]["flagFact"]
    assert correction["unitCode"] == "cy-disabled" and correction["status"] == "open"
    assert correction["flaggedValue"] == "3"
    number = correction["number"]
    assert number.startswith("30")
    staff_sms = await pool.fetch(
        "select phone from outbox where template = "
        "'sms.correction_requested' and params->>'number' = $1",
        number,
    )
    assert {r["phone"] for r in staff_sms} == {"+8613900139110"}  # 残联's clerk

    for key, note, code in [
        ("disability.level", "再说一次", "correction.already_open"),
        ("household.wealth", "x", "vault.fact_key_unknown"),
        ("benefit.pension", "没有这项", "vault.fact_not_found"),
        ("disability.category", "  ", "vault.note_invalid"),
    ]:
        got = await gql(client, flag, {"k": key, "n": note}, token=token)
        assert error_code(got) == code, got

    queue = "{ factCorrections { number citizenName citizenResidentIdMasked } }"
    assert number not in {
        c["number"]
        for c in (await gql(client, queue, token=tokens["staff"]))["data"]["factCorrections"]
    }
    listed = (await gql(client, queue, token=tokens["admin"]))["data"]["factCorrections"]
    assert next(c for c in listed if c["number"] == number)["citizenName"] == "测试居民"

    resolve = """mutation($n: String!, $c: Boolean!, $v: String) { resolveCorrection(
        number: $n, corrected: $c, value: $v, note: "已按最新评定结论更正") {
        status correctedValue rerun } }"""
    assert (
        error_code(
            await gql(
                client, resolve, {"n": number, "c": True, "v": "2"}, token=tokens["other_staff"]
            )
        )
        == "auth.forbidden"
    )
    assert (
        error_code(
            await gql(client, resolve, {"n": number, "c": True, "v": "9"}, token=tokens["admin"])
        )
        == "vault.fact_value_invalid"
    )
    assert (
        error_code(await gql(client, resolve, {"n": "3000000", "c": False}, token=tokens["admin"]))
        == "correction.number_invalid"
    )
    done = (await gql(client, resolve, {"n": number, "c": True, "v": "2"}, token=tokens["admin"]))[
        "data"
    ]["resolveCorrection"]
    assert done["status"] == "corrected" and done["correctedValue"] == "2"
    # the rule that reads the fact re-ran for this citizen: grade 2 earns the care subsidy
    assert done["rerun"]["disability-care-subsidy"] == {"created": 1, "lapsed": 0}
    assert (
        error_code(await gql(client, resolve, {"n": number, "c": False}, token=tokens["admin"]))
        == "correction.closed"
    )
    offers = (
        await gql(
            client,
            """{ myOffers { ruleCode ruleVersion status reason
        evidence { field value sourceUnit } } }""",
            token=token,
        )
    )["data"]["myOffers"]
    care = next(o for o in offers if o["ruleCode"] == "disability-care-subsidy")
    assert care["status"] == "OPEN" and "2级" in care["reason"]
    assert {"field": "disability.level", "value": "2", "sourceUnit": "朝阳区残疾人联合会"} in (
        care["evidence"]
    )
    history = await pool.fetchrow(
        "select num, replaced_by from vault_fact_history where "
        "citizen_id = $1 and key = 'disability.level'",
        citizen_id,
    )
    assert history is not None
    assert (int(history["num"]), history["replaced_by"]) == (3, "correction")
    told = await pool.fetchval(
        "select template from outbox where phone = $1 and params->>'number' = $2", phone, number
    )
    assert told == "sms.correction_corrected"
    # the offer is published (the notification cron): the use of the fact is logged for them
    await proactive.notify_new_offers(deps)
    assert (
        await pool.fetchval(
            "select template from outbox where phone = $1 order by id desc limit 1", phone
        )
        == "sms.offer"
    )

    # the unit records grade 3 again: the open offer no longer applies and lapses
    again = await gql(
        client,
        RECORD,
        {
            "i": {
                "residentId": resident_id,
                "sourceUnitCode": "cy-disabled",
                "facts": [{"key": "disability.level", "value": "3"}],
            }
        },
        token=tokens["admin"],
    )
    assert again["data"]["recordFacts"]["rerun"]["disability-care-subsidy"] == {
        "created": 0,
        "lapsed": 1,
    }
    vault = (await gql(client, VAULT, token=token))["data"]["myVault"]
    assert {u["purpose"] for u in vault["uses"]} >= {"offer", "correction"}
    assert next(c for c in vault["corrections"] if c["number"] == number)["statusLabel"] == (
        "已更正"
    )


async def test_citizens_add_documents_and_only_see_their_own(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    add = """mutation($i: VaultDocumentInput!) { addVaultDocument(input: $i) {
        type typeLabel numberMasked source { label } } }"""
    token = await login(client, pool, fresh_phone())
    body = await gql(
        client,
        add,
        {"i": {"type": "bank_account", "number": "6222020200112233", "issuer": "工商银行"}},
        token=token,
    )
    assert body["data"]["addVaultDocument"] == {
        "type": "bank_account",
        "typeLabel": "银行卡(待遇发放账户)",
        "numberMasked": "62************33",
        "source": {"label": "您本人提供"},
    }
    for bad, code in [
        ({"type": "moon_passport", "number": "1", "issuer": "x"}, "vault.document_type_unknown"),
        ({"type": "bank_account", "issuer": "x"}, "vault.document_number_required"),
        (
            {"type": "bank_account", "number": "62", "issuer": "x", "validUntil": "2001-01-01"},
            "vault.document_expired",
        ),
    ]:
        assert error_code(await gql(client, add, {"i": bad}, token=token)) == code
    # another citizen's vault is not theirs to read; a fact that is not theirs, not to flag
    mine = (await gql(client, VAULT, token=token))["data"]["myVault"]
    assert [d["type"] for d in mine["documents"]] == ["bank_account"]
    other = (await gql(client, VAULT, token=tokens["other_citizen"]))["data"]["myVault"]
    assert "bank_account" not in {d["type"] for d in other["documents"]}
    await close_corrections(pool, "+8613800138002", "household.size")
    assert error_code(await gql(client, VAULT, token=tokens["staff"])) == "auth.forbidden"
