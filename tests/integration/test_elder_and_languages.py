"""Three languages and elder mode (长辈版) on the same application: different texts, same data;
plain SMS for elder-mode and SMS-only citizens; staff-assisted applications at the counter."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.i18n import translate
from doorstep.store import demo_data
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import (
    fresh_resident_id,
    gql_as,
    last_sms,
    make_citizen,
)
from tests.integration.helpers import REQUEST_CODE, error_code, fresh_phone, latest_code, login

APP = """query($n: String!) { application(number: $n) {
  number status statusLabel nextStep readAloud progress { done total }
  tasks { id itemCode status statusLabel dueOn } } }"""
SUBMIT = """mutation { submitApplication(input: {bundleCode: "kindergarten"})
  { number tasks { id unitCode } } }"""
SUBMIT_NEWBORN = SUBMIT.replace("kindergarten", "newborn")
ME = """{ me { role language languageChosen elderMode elderModeOffered smsOnly
  presentation { elderMode minFontPt minTouchTargetDp noPromotions readAloud } } }"""
SET_LANGUAGE = "mutation($l: String!) { setLanguage(language: $l) { language languageChosen } }"
SET_ELDER = (
    "mutation($on: Boolean!) { setElderMode(on: $on) { elderMode elderModeOffered "
    "presentation { minFontPt readAloud } } }"
)
URL = re.compile(r"https?://|www\.|\.(com|cn|net|org)\b", re.I)


def _data(app: dict[str, Any]) -> dict[str, Any]:
    """What must not change with the language or mode: everything but the texts."""
    return {
        "number": app["number"],
        "status": app["status"],
        "progress": app["progress"],
        "tasks": [{k: t[k] for k in ("id", "itemCode", "status", "dueOn")} for t in app["tasks"]],
    }


async def test_one_application_in_three_languages_and_elder_mode(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    token = await login(client, pool, fresh_phone())
    number = (await gql_as(client, SUBMIT, token=token))["data"]["submitApplication"]["number"]
    seen = {}
    for header in ("zh-CN,zh;q=0.9", "zh-TW", "en-GB,en;q=0.8"):
        body = await gql_as(client, APP, {"n": number}, token=token, language=header)
        seen[header] = body["data"]["application"]
    hans, hant, en = seen.values()
    assert _data(hans) == _data(hant) == _data(en)
    assert (hans["statusLabel"], hant["statusLabel"], en["statusLabel"]) == (
        "已提交",
        "已提交",
        "Submitted",
    )
    assert (hans["nextStep"], hant["nextStep"], en["nextStep"]) == (
        "正在办理，请耐心等待。",
        "正在辦理，請耐心等待。",
        "Being handled; nothing to do for now.",
    )
    assert en["tasks"][0]["statusLabel"] == "Waiting to be accepted"
    assert hans["tasks"][0]["statusLabel"] == "待受理"
    assert hant["tasks"][0]["statusLabel"] == "待受理"
    assert hans["readAloud"] is None  # only elder mode reads aloud

    body = await gql_as(client, SET_ELDER, {"on": True}, token=token)
    assert body["data"]["setElderMode"]["elderMode"] is True, body
    elder = {}
    for header in ("zh-CN", "zh-TW", "en"):
        body = await gql_as(client, APP, {"n": number}, token=token, language=header)
        elder[header] = body["data"]["application"]
    e_hans, e_hant, e_en = elder.values()
    assert _data(e_hans) == _data(e_hant) == _data(e_en) == _data(hans)
    assert (e_hans["statusLabel"], e_hant["statusLabel"], e_en["statusLabel"]) == (
        "收到了",
        "收到了",
        "We got it",
    )
    assert e_hans["nextStep"] == "正在办，您不用做什么。"
    assert e_en["nextStep"] == "We are on it. You need not do anything."
    assert e_hans["tasks"][0]["statusLabel"] == "等着办"
    assert e_hans["nextStep"] != hans["nextStep"] and e_en["statusLabel"] != en["statusLabel"]
    # the key message to read aloud: the number digit by digit, where it stands, what to do
    assert e_hans["readAloud"] == f"办件{' '.join(number)}。收到了。正在办，您不用做什么。"
    assert e_en["readAloud"].startswith(f"Application {' '.join(number)}. We got it.")
    # errors too: the same code, a plainer message
    wrong = {"n": number[:-1] + str((int(number[-1]) + 1) % 10)}
    body = await gql_as(client, APP, wrong, token=token, language="zh-CN")
    assert error_code(body) == "application.number_invalid"
    assert body["errors"][0]["message"] == "编号不对。请再看一下。"


async def test_an_agent_and_her_elder_principal_see_one_application_in_their_own_words(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """The mother reads in elder-mode Chinese, her daughter (acting for her) in English: the
    same application, the same data, different texts; the mother's SMS stay Chinese."""
    from tests.integration.delegation_helpers import make_delegation

    mother_id, mother_phone = await make_citizen(
        pool, name="王秀英", elder_mode=True, channel="sms"
    )
    mother = await login(client, pool, mother_phone)
    daughter_phone = fresh_phone()
    daughter = await login(client, pool, daughter_phone)
    await gql_as(client, SET_LANGUAGE, {"l": "en"}, token=daughter)
    daughter_id = await pool.fetchval("select id from citizens where phone = $1", daughter_phone)
    await make_delegation(pool, daughter_id, mother_id, ["all"])
    body = await gql_as(client, SUBMIT, token=daughter, acting_for=str(mother_id))
    number = body["data"]["submitApplication"]["number"]
    hers = (await gql_as(client, APP, {"n": number}, token=mother))["data"]["application"]
    agents = (await gql_as(client, APP, {"n": number}, token=daughter, acting_for=str(mother_id)))[
        "data"
    ]["application"]
    assert _data(hers) == _data(agents)
    assert (hers["statusLabel"], agents["statusLabel"]) == ("收到了", "Submitted")
    assert hers["readAloud"].startswith("办件") and agents["readAloud"] is None
    assert hers["nextStep"] != agents["nextStep"]
    # the mother is told in her language; the daughter's refusals come in hers
    told = await pool.fetch(
        "select template, language from outbox where phone = $1 "
        "and kind <> 'login_code' order by id",
        mother_phone,
    )
    assert [(r["template"], r["language"]) for r in told] == [
        ("sms.agent_applied", "zh_Hans"),
        ("sms.agent_viewed", "zh_Hans"),
    ]
    body = await gql_as(
        client,
        APP,
        {"n": number[:-1] + str((int(number[-1]) + 1) % 10)},
        token=daughter,
        acting_for=str(mother_id),
    )
    assert body["errors"][0]["message"] == translate("error.application.number_invalid", "en")


async def test_an_unsupported_accept_language_means_simplified_chinese(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    token = await login(client, pool, fresh_phone())
    for header in ("fr-FR", "de, fr;q=0.8", "x" * 300):
        body = await gql_as(client, ME, token=token, language=header)
        assert body["data"]["me"]["language"] == "zh_Hans", (header, body)


async def test_set_language_wins_over_accept_language_and_reaches_sms(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    token = await login(client, pool, phone)
    body = await gql_as(client, ME, token=token, language="zh-TW")
    assert body["data"]["me"]["language"] == "zh_Hant"  # not chosen: the header decides
    assert body["data"]["me"]["languageChosen"] is False
    body = await gql_as(client, SET_LANGUAGE, {"l": "en"}, token=token, language="zh-CN")
    assert body["data"]["setLanguage"] == {"language": "en", "languageChosen": True}, body
    body = await gql_as(client, ME, token=token, language="zh-CN")
    assert body["data"]["me"]["language"] == "en"
    await gql_as(client, SUBMIT, token=token)
    sms = await last_sms(pool, phone)
    assert (sms["template"], sms["language"]) == ("sms.application_submitted", "en")
    # the log-in code too
    await pool.execute(
        "update login_codes set created_at = created_at - interval '2 days' where phone = $1", phone
    )
    await gql_as(client, REQUEST_CODE, {"p": phone}, language="zh-CN")
    assert (
        await pool.fetchval(
            "select language from outbox where phone = $1 and "
            "kind = 'login_code' order by id desc limit 1",
            phone,
        )
        == "en"
    )
    assert await latest_code(pool, phone)


async def test_an_unsupported_language_is_refused(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await login(client, pool, fresh_phone())
    for code in ("fr", "zh", "en-US", "", "x" * 500):
        body = await gql_as(client, SET_LANGUAGE, {"l": code}, token=token, language="en")
        assert error_code(body) == "language.unsupported", body
        assert "zh_Hans, zh_Hant, en" in body["errors"][0]["message"]
    body = await gql_as(client, SET_LANGUAGE, {"l": "fr"}, token=token, language="zh-CN")
    assert body["errors"][0]["message"].startswith("不支持这种语言")
    body = await gql_as(client, ME, token=token, language="zh-CN")
    assert body["data"]["me"]["languageChosen"] is False  # nothing changed
    # zh-Hant, written the way browsers do, is fine
    body = await gql_as(client, SET_LANGUAGE, {"l": "zh-Hant"}, token=token)
    assert body["data"]["setLanguage"]["language"] == "zh_Hant"


async def _login_offer(client: AsyncTestClient[Any], pool: Pool, phone: str) -> dict[str, Any]:
    await pool.execute(
        "update login_codes set created_at = created_at - interval '2 days' where phone = $1", phone
    )
    await gql_as(client, REQUEST_CODE, {"p": phone})
    code = await latest_code(pool, phone)
    body = await gql_as(
        client,
        """mutation($p: String!, $c: String!) {
        verifyLoginCode(phone: $p, code: $c) { token offerElderMode } }""",
        {"p": phone, "c": code},
    )
    result: dict[str, Any] = body["data"]["verifyLoginCode"]
    return result


async def test_citizens_of_60_are_offered_elder_mode_until_they_choose(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    today = date.today()
    _, sixty = await make_citizen(pool, birth_date=date(today.year - 61, 1, 1))
    _, young = await make_citizen(pool, birth_date=date(today.year - 30, 1, 1))
    _, unknown = await make_citizen(pool)
    offer = await _login_offer(client, pool, sixty)
    assert offer["offerElderMode"] is True
    assert not (await _login_offer(client, pool, young))["offerElderMode"]
    assert not (await _login_offer(client, pool, unknown))["offerElderMode"]
    # the demo elder is already in elder mode
    assert not (await _login_offer(client, pool, "+8613800138003"))["offerElderMode"]

    body = await gql_as(client, ME, token=offer["token"])
    me = body["data"]["me"]
    assert me["elderModeOffered"] is True and me["elderMode"] is False
    assert me["presentation"] == {
        "elderMode": False,
        "minFontPt": 12,
        "minTouchTargetDp": 48,
        "noPromotions": False,
        "readAloud": None,
    }
    # she says no: not offered again
    body = await gql_as(client, SET_ELDER, {"on": False}, token=offer["token"])
    assert body["data"]["setElderMode"]["elderModeOffered"] is False
    assert not (await _login_offer(client, pool, sixty))["offerElderMode"]
    # and later turns it on: the presentation hints change
    body = await gql_as(client, SET_ELDER, {"on": True}, token=offer["token"])
    body = await gql_as(client, ME, token=offer["token"], language="zh-CN")
    shown = body["data"]["me"]["presentation"]
    assert shown["elderMode"] and shown["minFontPt"] == 18
    assert shown["minTouchTargetDp"] == 60 and shown["noPromotions"] is True
    assert shown["readAloud"] == "您现在没有正在办的事。"
    await gql_as(client, SUBMIT, token=offer["token"])
    body = await gql_as(client, ME, token=offer["token"])
    assert body["data"]["me"]["presentation"]["readAloud"] == "您有1件事正在办，您不用做什么。"
    await gql_as(client, SET_LANGUAGE, {"l": "en"}, token=offer["token"])
    body = await gql_as(client, ME, token=offer["token"])
    assert body["data"]["me"]["presentation"]["readAloud"] == (
        "Applications being done: 1. You need not do anything."
    )


async def test_plain_sms_for_elder_mode_and_sms_only_citizens(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    elder_token = await login(client, pool, "+8613800138003")  # elder mode, SMS only
    body = await gql_as(client, SUBMIT_NEWBORN, token=elder_token)
    app = body["data"]["submitApplication"]
    sms = await last_sms(pool, "+8613800138003")
    assert sms["template"] == "sms.plain.application_submitted"
    assert sms["params"]["phone"] == "12345"  # the hotline (Settings.support_phone)
    text = translate(sms["template"], sms["language"], **sms["params"])
    assert app["number"] in text and "12345" in text and not URL.search(text)

    # a unit asks for materials: the plain text names the unit's own phone
    task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
    body = await gql_as(
        client,
        """mutation($t: ID!) {
        requestMaterials(taskId: $t, reason: "缺户口簿本人页") { status } }""",
        {"t": task_id},
        token=tokens["staff"],
    )
    assert "errors" not in body, body
    sms = await last_sms(pool, "+8613800138003")
    assert sms["template"] == "sms.plain.materials_requested"
    assert sms["params"]["phone"] == "010 8599 0020"  # 北京市公安局朝阳分局
    # the same event for an app user is the usual text
    token = await login(client, pool, "+8613800138004")
    body = await gql_as(client, SUBMIT_NEWBORN, token=token)
    task_id = next(
        t["id"] for t in body["data"]["submitApplication"]["tasks"] if t["unitCode"] == "cy-psb"
    )
    await gql_as(
        client,
        """mutation($t: ID!) {
        requestMaterials(taskId: $t, reason: "缺户口簿本人页") { status } }""",
        {"t": task_id},
        token=tokens["staff"],
    )
    assert (await last_sms(pool, "+8613800138004"))["template"] == "sms.materials_requested"


ASSISTED = """mutation($i: AssistedApplicationInput!) { submitAssistedApplication(input: $i) {
  number status tasks { unitCode } } }"""


def _assisted(resident_id: str, phone: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "i": {
            "application": {
                "bundleCode": "elderly-subsidy",
                "residentId": resident_id,
                "applicantName": "赵桂兰",
            },
            "phone": phone,
            "identityDocument": "居民身份证原件",
            "identityChecked": True,
            "consentGiven": True,
            **extra,
        }
    }


async def test_a_clerk_applies_for_a_walk_in_who_then_follows_by_sms(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    resident_id, phone = fresh_resident_id(), fresh_phone()
    body = await gql_as(
        client, ASSISTED, _assisted(resident_id, phone, note="女儿陪同"), token=tokens["staff"]
    )
    assert "errors" not in body, body
    number = body["data"]["submitAssistedApplication"]["number"]
    row = await pool.fetchrow(
        """select a.citizen_id, a.submitted_by_staff_id, c.phone, c.channel_preference,
                  c.name, c.resident_id_masked
           from applications a join citizens c on c.id = a.citizen_id where a.number = $1""",
        number,
    )
    assert row is not None
    staff_id = await pool.fetchval(
        "select s.id from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    assert row["submitted_by_staff_id"] == staff_id
    assert (row["phone"], row["channel_preference"], row["name"]) == (phone, "sms", "赵桂兰")
    assert row["resident_id_masked"].startswith("110") and "*" in row["resident_id_masked"]
    consent = await pool.fetchrow(
        "select staff_id, identity_checked, consent_given, identity_document, note "
        "from assisted_consents where citizen_id = $1",
        row["citizen_id"],
    )
    assert consent is not None
    assert dict(consent) == {
        "staff_id": staff_id,
        "identity_checked": True,
        "consent_given": True,
        "identity_document": "居民身份证原件",
        "note": "女儿陪同",
    }
    # SMS updates, plain, with the number and the clerk's unit phone
    sms = await last_sms(pool, phone)
    assert sms["template"] == "sms.plain.application_submitted"
    assert sms["params"]["number"] == number and sms["params"]["phone"] == "010 8599 0020"
    # the clerk's look at the identity is in the citizen's log
    reads = await pool.fetch(
        "select reader_kind, what, purpose from personal_data_reads where citizen_id = $1",
        row["citizen_id"],
    )
    assert [tuple(r) for r in reads] == [("staff", "identity", "assisted_application")]
    # later the citizen logs in with that phone and finds it
    token = await login(client, pool, phone)
    mine = await gql_as(
        client, "{ myApplications { number } myDataAccessLog { purposeLabel } }", token=token
    )
    assert [a["number"] for a in mine["data"]["myApplications"]] == [number]
    assert mine["data"]["myDataAccessLog"][0]["purposeLabel"] == "在窗口帮您提交申请"

    # a second visit needs no phone: the resident ID finds the citizen
    body = await gql_as(client, ASSISTED, _assisted(resident_id, None), token=tokens["staff"])
    again = body["data"]["submitAssistedApplication"]["number"]
    assert (
        await pool.fetchval("select citizen_id from applications where number = $1", again)
        == row["citizen_id"]
    )
    # a known citizen (the demo elder) is found by her ID; her phone stays hers
    elder = next(c for c in demo_data.CITIZENS if c.elder_mode)
    body = await gql_as(
        client, ASSISTED, _assisted(elder.resident_id, None), token=tokens["supervisor"]
    )
    assert "errors" not in body, body
    owner = await pool.fetchval(
        "select c.phone from applications a join citizens c on c.id = a.citizen_id "
        "where a.number = $1",
        body["data"]["submitAssistedApplication"]["number"],
    )
    assert owner == elder.phone


async def test_assisted_bad_input_writes_nothing(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    before = await pool.fetchval("select count(*) from applications")
    cases = [
        (
            _assisted(fresh_resident_id(), fresh_phone(), consentGiven=False),
            "assisted.consent_required",
        ),
        (
            _assisted(fresh_resident_id(), fresh_phone(), identityChecked=False),
            "assisted.consent_required",
        ),
        (
            _assisted(fresh_resident_id(), fresh_phone(), identityDocument="  "),
            "assisted.document_invalid",
        ),
        (_assisted(fresh_resident_id(), None), "assisted.phone_required"),
        (_assisted("110105194402100461", fresh_phone()), "resident_id.checksum"),
        (_assisted(fresh_resident_id(), "12345"), "phone.invalid"),
        (_assisted(fresh_resident_id(), fresh_phone(), language="fr"), "language.unsupported"),
    ]
    for variables, code in cases:
        body = await gql_as(client, ASSISTED, variables, token=tokens["staff"])
        assert error_code(body) == code, (variables, body)
    variables = _assisted(fresh_resident_id(), fresh_phone())
    variables["i"]["application"].pop("residentId")
    body = await gql_as(client, ASSISTED, variables, token=tokens["staff"])
    assert error_code(body) == "assisted.resident_id_required"
    # another person's phone with a new ID: refused, not merged
    body = await gql_as(
        client, ASSISTED, _assisted(fresh_resident_id(), "+8613800138001"), token=tokens["staff"]
    )
    assert error_code(body) == "resident_id.mismatch", body
    assert await pool.fetchval("select count(*) from applications") == before
