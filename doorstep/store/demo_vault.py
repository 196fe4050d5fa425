"""Demo vault and rules: documents and facts for the demo citizens, and the shipped rules of
services that find people (服务找人), each of which finds someone in the demo data.

Dates are relative to the day the demo is loaded (Asia/Shanghai), so the findings stay true:
the newborn was registered 20 days ago, the elder living alone was last seen 9 days ago.
Loaded by `doorstep.store.seed.load_demo_data`; idempotent (facts are upserted, documents
matched by type and number, a rule is inserted only while its code is unknown, so a version
a supervisor published is never overwritten).

The rules follow current practice in Beijing and nationally (高龄津贴 from 80, the national
育儿补贴 for children under 3 from 2025, newborns insured within 3 months of birth, the two
disability subsidies, 养老助残卡 from 60, 失能老年人护理补贴, 困难老年人养老服务补贴, the
statutory retirement date under the 2025 reform as computed by 人社); the amounts quoted are
illustrative.

Size: seed data, the demo citizens' documents and facts and the shipped rules; no logic.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from doorstep.domain import pii
from doorstep.domain.rules import parse_rule, to_json
from doorstep.domain.vault import FACTS, FactType, mask_document_number, parse_fact_value
from doorstep.store import demo_data
from doorstep.store.rows import Json
from doorstep.store.typed import fetch_int, gives_row, ids_by_code

JsonObject = dict[str, Json]

# a demo fact as written here, before parse_fact_value checks it against its type
DemoFactValue = bool | int | str | date

SHANGHAI = ZoneInfo("Asia/Shanghai")
DOCUMENT_PURPOSE = b"vault_document"  # as doorstep.services.vault


def _not(field: str) -> JsonObject:
    return {"not": {"field": field, "op": "is", "value": True}}


def _texts(zh_hans: str, zh_hant: str, en: str) -> JsonObject:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


_HARDSHIP: JsonObject = {
    "any": [
        {"field": "assistance.dibao", "op": "is", "value": True},
        {"field": "assistance.low_income", "op": "is", "value": True},
        {"field": "assistance.tekun", "op": "is", "value": True},
    ]
}

RULES: tuple[JsonObject, ...] = (
    {
        "code": "longevity-allowance-80",
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "longevity-allowance",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 60,
        "condition": {
            "all": [
                {"field": "citizen.age", "op": "turned_this_month", "value": 80},
                _not("benefit.longevity_allowance"),
            ]
        },
        "title": _texts("高龄津贴", "高齡津貼", "Longevity allowance"),
        "explanation": _texts(
            "您本月年满{citizen.age}周岁，我们没有查到您领取高龄津贴的记录。年满80周岁的本市户籍"
            "老人可以按月领取高龄津贴。",
            "您本月年滿{citizen.age}週歲，我們沒有查到您領取高齡津貼的記錄。年滿80週歲的本市戶籍"
            "老人可以按月領取高齡津貼。",
            "You turned {citizen.age} this month and we find no record of you receiving the "
            "longevity allowance, paid monthly to registered residents aged 80 and over.",
        ),
    },
    {
        "code": "medical-insurance-lapse",
        "kind": "alert",
        "category": "health_insurance",
        "bundle_code": "medical-insurance-payment",
        "owner_unit_code": "cy-medical-security",
        "valid_days": 30,
        "condition": {
            "all": [
                {"field": "medical_insurance.scheme", "op": "=", "value": "resident"},
                {
                    "field": "medical_insurance.paid_until",
                    "op": "months_since_at_least",
                    "value": 2,
                },
            ]
        },
        "title": _texts("医保断缴提醒", "醫保斷繳提醒", "Medical insurance unpaid"),
        "explanation": _texts(
            "您的城乡居民医保缴费截至{medical_insurance.paid_until}，已经"
            "{months_since:medical_insurance.paid_until}个月没有缴费。断缴期间看病不能报销，"
            "请尽快续缴。",
            "您的城鄉居民醫保繳費截至{medical_insurance.paid_until}，已經"
            "{months_since:medical_insurance.paid_until}個月沒有繳費。斷繳期間看病不能報銷，"
            "請盡快續繳。",
            "Your resident medical insurance is paid up to {medical_insurance.paid_until}: "
            "{months_since:medical_insurance.paid_until} months unpaid. Treatment is not "
            "reimbursed while it lapses; please pay soon.",
        ),
    },
    {
        "code": "childcare-subsidy-newborn",
        "kind": "offer",
        "category": "family",
        "bundle_code": "childcare-subsidy",
        "owner_unit_code": "cy-health",
        "valid_days": 90,
        "condition": {
            "all": [
                {
                    "field": "household.newborn_registered_on",
                    "op": "days_since_at_most",
                    "value": 1095,
                },
                _not("benefit.childcare_subsidy"),
            ]
        },
        "title": _texts("育儿补贴", "育兒補貼", "Childcare subsidy"),
        "explanation": _texts(
            "您家的孩子已于{household.newborn_registered_on}登记户口，还没有申领育儿补贴。"
            "3周岁以下的孩子每人每年可以领取3600元。",
            "您家的孩子已於{household.newborn_registered_on}登記戶口，還沒有申領育兒補貼。"
            "3週歲以下的孩子每人每年可以領取3600元。",
            "Your child was registered on {household.newborn_registered_on} and the childcare "
            "subsidy has not been claimed: 3,600 yuan a year for each child under 3.",
        ),
    },
    {
        "code": "newborn-medical-insurance",
        "kind": "offer",
        "category": "family",
        "bundle_code": "newborn-medical-insurance",
        "owner_unit_code": "cy-medical-security",
        "valid_days": 60,
        "condition": {
            "all": [
                {
                    "field": "household.newborn_registered_on",
                    "op": "days_since_at_most",
                    "value": 90,
                },
                _not("household.newborn_insured"),
            ]
        },
        "title": _texts("新生儿医保参保", "新生兒醫保參保", "Insure your newborn"),
        "explanation": _texts(
            "您家的孩子已于{household.newborn_registered_on}登记户口，还没有参加城乡居民医保。"
            "出生后3个月内参保，从出生那天起看病就能报销。",
            "您家的孩子已於{household.newborn_registered_on}登記戶口，還沒有參加城鄉居民醫保。"
            "出生後3個月內參保，從出生那天起看病就能報銷。",
            "Your child was registered on {household.newborn_registered_on} but is not yet in "
            "resident medical insurance. Insured within 3 months of birth, treatment is "
            "covered from the day of birth.",
        ),
    },
    {
        "code": "elder-alone-quiet",
        "kind": "welfare_check",
        "category": "welfare",
        "bundle_code": None,
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 7,
        "condition": {
            "all": [
                {"field": "household.lives_alone", "op": "is", "value": True},
                {"field": "citizen.age", "op": ">=", "value": 75},
                {"field": "activity.last_seen", "op": "days_since_at_least", "value": 7},
            ]
        },
        "title": _texts("独居老人探访", "獨居老人探訪", "Welfare visit"),
        "explanation": _texts(
            "独居老人，{citizen.age}岁，最近一次活动迹象在{activity.last_seen}，已经"
            "{days_since:activity.last_seen}天没有动静，请上门看看。",
            "獨居老人，{citizen.age}歲，最近一次活動跡象在{activity.last_seen}，已經"
            "{days_since:activity.last_seen}天沒有動靜，請上門看看。",
            "Lives alone, aged {citizen.age}; last sign of activity on {activity.last_seen}, "
            "{days_since:activity.last_seen} days ago. Please visit.",
        ),
    },
    {
        "code": "elder-card-60",
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "elder-card",
        "owner_unit_code": "cy-jianwai",
        "valid_days": 90,
        "condition": {
            "all": [{"field": "citizen.age", "op": ">=", "value": 60}, _not("benefit.elder_card")]
        },
        "title": _texts("养老助残卡", "養老助殘卡", "Senior card"),
        "explanation": _texts(
            "您已年满{citizen.age}周岁，还没有办理北京通—养老助残卡。持卡可以免费乘坐市内公交、"
            "免费游览公园等。",
            "您已年滿{citizen.age}週歲，還沒有辦理北京通—養老助殘卡。持卡可以免費乘坐市內公交、"
            "免費遊覽公園等。",
            "You are {citizen.age} and have no Beijing senior card yet: it gives free city "
            "buses, free entry to parks and more.",
        ),
    },
    {
        "code": "retirement-upcoming",
        "kind": "offer",
        "category": "retirement",
        "bundle_code": "retirement",
        "owner_unit_code": "cy-hrss",
        "valid_days": 180,
        "condition": {
            "all": [
                {"field": "pension.retirement_date", "op": "days_until_at_most", "value": 180},
                _not("benefit.pension"),
            ]
        },
        "title": _texts("退休一件事", "退休一件事", "Retiring soon"),
        "explanation": _texts(
            "按您的出生日期和参保记录，您将于{pension.retirement_date}达到法定退休年龄，还有"
            "{days_until:pension.retirement_date}天。养老金申领、医保退休待遇等可以一次办好。",
            "按您的出生日期和參保記錄，您將於{pension.retirement_date}達到法定退休年齡，還有"
            "{days_until:pension.retirement_date}天。養老金申領、醫保退休待遇等可以一次辦好。",
            "By your birth date and contribution record you reach the statutory retirement "
            "age on {pension.retirement_date}, in {days_until:pension.retirement_date} days. "
            "Pension, medical insurance and the rest can be done in one application.",
        ),
    },
    {
        "code": "disability-care-subsidy",
        "kind": "offer",
        "category": "disability",
        "bundle_code": "disability-care-subsidy",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 90,
        "condition": {
            "all": [
                {"field": "disability.level", "op": "<=", "value": 2},
                _not("benefit.disability_care_subsidy"),
            ]
        },
        "title": _texts("重度残疾人护理补贴", "重度殘疾人護理補貼", "Disability care subsidy"),
        "explanation": _texts(
            "您的残疾等级是{disability.level}级，还没有领取重度残疾人护理补贴。一级、二级残疾人"
            "可以按月领取。",
            "您的殘疾等級是{disability.level}級，還沒有領取重度殘疾人護理補貼。一級、二級殘疾人"
            "可以按月領取。",
            "Your disability is grade {disability.level} and you receive no care subsidy, paid "
            "monthly for grades 1 and 2.",
        ),
    },
    {
        "code": "disability-living-subsidy",
        "kind": "offer",
        "category": "disability",
        "bundle_code": "disability-living-subsidy",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 90,
        "condition": {
            "all": [
                {"field": "disability.level", "op": "exists"},
                {
                    "any": [
                        {"field": "assistance.dibao", "op": "is", "value": True},
                        {"field": "assistance.low_income", "op": "is", "value": True},
                    ]
                },
                _not("benefit.disability_living_subsidy"),
            ]
        },
        "title": _texts("困难残疾人生活补贴", "困難殘疾人生活補貼", "Disability living subsidy"),
        "explanation": _texts(
            "您是持证残疾人（{disability.level}级），家庭享受低保或属于低收入家庭，还没有领取"
            "困难残疾人生活补贴。",
            "您是持證殘疾人（{disability.level}級），家庭享受低保或屬於低收入家庭，還沒有領取"
            "困難殘疾人生活補貼。",
            "You hold a disability certificate (grade {disability.level}) in a household on "
            "minimum living support or low income, and receive no living subsidy.",
        ),
    },
    {
        "code": "poor-elder-service-subsidy",
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "poor-elder-service-subsidy",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 90,
        "condition": {
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 60},
                _HARDSHIP,
                _not("benefit.elder_service_subsidy"),
            ]
        },
        "title": _texts("困难老年人养老服务补贴", "困難老年人養老服務補貼", "Elder care allowance"),
        "explanation": _texts(
            "您已年满{citizen.age}周岁，属于低保、低收入或特困人员，还没有领取困难老年人养老"
            "服务补贴。",
            "您已年滿{citizen.age}週歲，屬於低保、低收入或特困人員，還沒有領取困難老年人養老"
            "服務補貼。",
            "You are {citizen.age}, on minimum living support, low income or destitute "
            "support, and receive no elder care allowance.",
        ),
    },
    {
        "code": "disabled-elder-care-subsidy",
        "kind": "offer",
        "category": "elderly",
        "bundle_code": "disabled-elder-care-subsidy",
        "owner_unit_code": "cy-civil-affairs",
        "valid_days": 90,
        "condition": {
            "all": [
                {"field": "citizen.age", "op": ">=", "value": 60},
                {"field": "elder.care_level", "op": ">=", "value": 1},
                _not("benefit.elder_care_subsidy"),
            ]
        },
        "title": _texts("失能老年人护理补贴", "失能老年人護理補貼", "Elder nursing subsidy"),
        "explanation": _texts(
            "老年人能力评估显示您的失能等级为{elder.care_level}级，还没有领取失能老年人护理补贴。",
            "老年人能力評估顯示您的失能等級為{elder.care_level}級，還沒有領取失能老年人護理補貼。",
            "Your care assessment found dependency level {elder.care_level}; you receive no "
            "nursing subsidy for dependent elders.",
        ),
    },
)


def _facts(today: date) -> dict[str, list[tuple[str, DemoFactValue, str]]]:
    """phone -> (key, value, source unit code)."""
    psb, medical, hrss = "cy-psb", "cy-medical-security", "cy-hrss"
    civil, community, street = "cy-civil-affairs", "cy-jianwai-yonganli", "cy-jianwai"
    return {
        # 张伟: a child registered 20 days ago; neither subsidy nor insurance claimed yet
        "+8613800138001": [
            ("household.size", 3, psb),
            ("household.newborn_registered_on", today - timedelta(days=20), psb),
            ("medical_insurance.scheme", "employee", medical),
            ("medical_insurance.paid_until", today, medical),
            ("pension.contributing", True, hrss),
        ],
        "+8613800138002": [
            ("household.size", 3, psb),
            ("medical_insurance.scheme", "employee", medical),
            ("medical_insurance.paid_until", today, medical),
        ],
        # 王秀英, 82, lives alone: the water meter has not moved for 9 days
        "+8613800138003": [
            ("household.size", 1, psb),
            ("household.lives_alone", True, community),
            ("activity.last_seen", today - timedelta(days=9), community),
            ("benefit.longevity_allowance", True, civil),
            ("benefit.elder_card", True, street),
            ("assistance.low_income", True, civil),
            ("elder.care_level", 0, "cy-health"),
        ],
        # 刘建国: statutory retirement date in 100 days
        "+8613800138004": [
            ("pension.retirement_date", today + timedelta(days=100), hrss),
            ("pension.contributing", True, hrss),
            ("medical_insurance.scheme", "employee", medical),
            ("medical_insurance.paid_until", today, medical),
        ],
        # 陈嘉文: resident insurance unpaid since before studying abroad
        "+8613800138005": [
            ("medical_insurance.scheme", "resident", medical),
            ("medical_insurance.paid_until", today - timedelta(days=95), medical),
        ],
        # 赵桂兰: 80 this month, moderately dependent
        "+8613800138006": [
            ("household.lives_alone", False, community),
            ("activity.last_seen", today - timedelta(days=1), community),
            ("benefit.elder_card", True, street),
            ("elder.care_level", 2, "cy-health"),
            ("medical_insurance.scheme", "resident", medical),
            ("medical_insurance.paid_until", today + timedelta(days=200), medical),
        ],
        # 孙志强: grade-2 physical disability, on 低保
        "+8613800138007": [
            ("disability.level", 2, "cy-disabled"),
            ("disability.category", "physical", "cy-disabled"),
            ("assistance.dibao", True, civil),
            ("medical_insurance.scheme", "resident", medical),
            ("medical_insurance.paid_until", today + timedelta(days=30), medical),
        ],
    }


def _documents(citizen: demo_data.DemoCitizen) -> list[tuple[str, str, str, date | None, str]]:
    """(type, number, issuer, valid until, source unit code) held for a demo citizen."""
    rid = citizen.resident_id
    serial = rid[-5:-1]
    docs = [
        ("resident_id_card", rid, "北京市公安局朝阳分局", date(2036, 6, 30), "cy-psb"),
        ("household_register", f"110105{serial}01", "北京市公安局朝阳分局", None, "cy-psb"),
    ]
    if citizen.phone in ("+8613800138001", "+8613800138002"):
        docs.append(
            (
                "marriage_certificate",
                f"J110105-2015-{serial}",
                "北京市朝阳区民政局",
                None,
                "cy-civil-affairs",
            )
        )
    if citizen.phone == "+8613800138001":
        docs.append(("birth_certificate", f"Q110{serial}2026", "朝阳区妇幼保健院", None, "cy-mch"))
    if citizen.phone != "+8613800138005":
        docs.append(
            (
                "social_security_card",
                f"S{rid[:17]}",
                "北京市人力资源和社会保障局",
                date(2034, 12, 31),
                "cy-hrss",
            )
        )
    if citizen.phone in ("+8613800138003", "+8613800138006"):
        docs.append(("elder_card", f"BJT{serial}60", "建外街道办事处", None, "cy-jianwai"))
    if citizen.phone == "+8613800138007":
        docs.append(
            (
                "disability_certificate",
                f"{rid}42",
                "朝阳区残疾人联合会",
                date(2030, 9, 2),
                "cy-disabled",
            )
        )
    return docs


_PUT_FACT = """
insert into vault_facts (citizen_id, key, value_type, flag, num, day, txt, source_unit_id, as_of)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
on conflict (citizen_id, key) do update set
    value_type = excluded.value_type, flag = excluded.flag, num = excluded.num,
    day = excluded.day, txt = excluded.txt, source_unit_id = excluded.source_unit_id,
    as_of = excluded.as_of, recorded_at = now()
"""


async def load_demo_vault(
    conn: asyncpg.Connection[asyncpg.Record],
    *,
    data_key: bytes,
    index_key: bytes,
    unit_ids: dict[str, int],
    today: date | None = None,
) -> None:
    """Documents, facts and shipped rules for the demo (inside the caller's transaction)."""
    day = today or datetime.now(SHANGHAI).date()
    as_of = datetime.combine(day, time(8, 0), SHANGHAI)
    citizen_ids = await ids_by_code(
        conn,
        "select phone as code, id from citizens where phone = any($1::text[])",
        [c.phone for c in demo_data.CITIZENS],
    )
    for phone, facts in _facts(day).items():
        for key, raw, unit in facts:
            value = parse_fact_value(key, raw)
            kind = FACTS[key].type
            await conn.execute(
                _PUT_FACT,
                citizen_ids[phone],
                key,
                kind.value,
                value if kind is FactType.BOOL else None,
                value if kind is FactType.INT else None,
                value if kind is FactType.DATE else None,
                value if kind is FactType.TEXT else None,
                unit_ids[unit],
                as_of,
            )
    for citizen in demo_data.CITIZENS:
        for doc_type, number, issuer, valid_until, unit in _documents(citizen):
            index = pii.blind_index(f"{doc_type}:{number}", index_key)
            exists = await gives_row(
                conn,
                """select 1 from vault_documents where citizen_id = $1 and doc_type = $2
                   and number_index = $3 and revoked_at is null""",
                citizen_ids[citizen.phone],
                doc_type,
                index,
            )
            if exists:
                continue
            await conn.execute(
                """insert into vault_documents (citizen_id, doc_type, number_enc, number_index,
                                                number_masked, issuer, valid_until,
                                                source_unit_id)
                   values ($1, $2, $3, $4, $5, $6, $7, $8)""",
                citizen_ids[citizen.phone],
                doc_type,
                pii.encrypt(number, data_key, purpose=DOCUMENT_PURPOSE),
                index,
                mask_document_number(number),
                issuer,
                valid_until,
                unit_ids[unit],
            )
    for raw_rule in RULES:
        rule = parse_rule(raw_rule)
        known = await gives_row(conn, "select 1 from offer_rules where code = $1", rule.code)
        if known:
            continue
        rule_id = await fetch_int(
            conn,
            "insert into offer_rules (code, current_version) values ($1, 1) returning id",
            rule.code,
        )
        condition: dict[str, object] = to_json(rule.condition)  # the domain's Any, bounded
        # text casts: works whether or not the connection has the jsonb codec
        await conn.execute(
            """insert into offer_rule_versions (rule_id, version, kind, category, bundle_code,
                   owner_unit_id, condition, title, explanation, valid_days, fact_keys)
               values ($1, 1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb,
                       $8::text::jsonb, $9, $10)""",
            rule_id,
            rule.kind.value,
            rule.category.value,
            rule.bundle_code,
            unit_ids[rule.owner_unit_code],
            json.dumps(condition),
            json.dumps(rule.title, ensure_ascii=False),
            json.dumps(rule.explanation, ensure_ascii=False),
            rule.valid_days,
            list(rule.fact_keys),
        )
