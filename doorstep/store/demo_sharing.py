"""The demo district's data-sharing responsibility list (数据共享责任清单), published as version 1
by `doorstep seed` when no list exists yet (a list an admin published is never overwritten).

Owners follow who keeps the record in Beijing: 公安 the household register and identity, 医保
medical insurance, 人社 pensions and the social security card, 残联 disability, 民政 social
assistance and the elder and disability allowances it pays, 卫健 the elder care assessment and
the childcare subsidy, 妇幼保健院 the birth certificate, 疾控 vaccination, 住建 property, the
community its signs of life. Who may read what is derived from the demo catalog (each item's
unit reads the vault items its materials name, for that item) and from the shipped rules of
services that find people (each rule's unit reads the facts it tests, for its bundle, or for
welfare visits when it is a risk alert), so every shipped flow is on the list and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from doorstep.domain.rules import parse_rule
from doorstep.domain.sharing import Known, ListRow, SubjectKind, build_list
from doorstep.domain.vault import MATERIAL_SOURCES
from doorstep.store import demo_data
from doorstep.store import sharing as store
from doorstep.store.demo_vault import RULES
from doorstep.store.typed import gives_row

EFFECTIVE_FROM = date(2025, 8, 1)  # 《政务数据共享条例》 in force
SHARING_BASIS = "《政务数据共享条例》(国务院令第809号)第十三条 按清单共享, 用于{what}"

_HUKOU = "《中华人民共和国户口登记条例》"
_ID = "《中华人民共和国居民身份证法》"
_SOCIAL_INSURANCE = "《中华人民共和国社会保险法》"
_ASSISTANCE = "《社会救助暂行办法》"
_ELDER = "《北京市老年人权益保障条例》"
_DISABILITY = "《中华人民共和国残疾人保障法》"

# subject -> (owner unit, legal basis of keeping it)
OWNERS: dict[tuple[SubjectKind, str], tuple[str, str]] = {
    **{
        (SubjectKind.FACT, k): ("cy-psb", _HUKOU)
        for k in ("household.size", "household.newborn_registered_on")
    },
    (SubjectKind.FACT, "household.newborn_insured"): ("cy-medical-security", _SOCIAL_INSURANCE),
    **{
        (SubjectKind.FACT, k): ("cy-jianwai-yonganli", "《北京市居家养老服务条例》")
        for k in ("household.lives_alone", "activity.last_seen")
    },
    **{
        (SubjectKind.FACT, k): ("cy-medical-security", _SOCIAL_INSURANCE + "第三章 基本医疗保险")
        for k in ("medical_insurance.scheme", "medical_insurance.paid_until")
    },
    **{
        (SubjectKind.FACT, k): ("cy-hrss", _SOCIAL_INSURANCE + "第二章 基本养老保险")
        for k in ("pension.retirement_date", "pension.contributing", "benefit.pension")
    },
    **{
        (SubjectKind.FACT, k): ("cy-disabled", _DISABILITY + "; 《残疾人证管理办法》")
        for k in ("disability.level", "disability.category")
    },
    (SubjectKind.FACT, "elder.care_level"): (
        "cy-health",
        "《老年人能力评估规范》(GB/T 42195-2022)",
    ),
    # 优先办 reads it (domain.priority): the maternal health hospital records the pregnancy
    (SubjectKind.FACT, "maternity.expected_on"): (
        "cy-mch",
        "《中华人民共和国母婴保健法》; 《孕产期保健工作管理办法》",
    ),
    **{
        (SubjectKind.FACT, k): ("cy-civil-affairs", _ASSISTANCE + "; 《最低生活保障审核确认办法》")
        for k in ("assistance.dibao", "assistance.low_income", "assistance.tekun")
    },
    **{
        (SubjectKind.FACT, k): ("cy-civil-affairs", _ELDER)
        for k in (
            "benefit.longevity_allowance",
            "benefit.elder_care_subsidy",
            "benefit.elder_service_subsidy",
        )
    },
    **{
        (SubjectKind.FACT, k): (
            "cy-civil-affairs",
            "《关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
        )
        for k in ("benefit.disability_care_subsidy", "benefit.disability_living_subsidy")
    },
    (SubjectKind.FACT, "benefit.childcare_subsidy"): ("cy-health", "《育儿补贴制度实施方案》"),
    (SubjectKind.FACT, "benefit.elder_card"): ("cy-jianwai", _ELDER),
    (SubjectKind.DOCUMENT, "resident_id_card"): ("cy-psb", _ID),
    (SubjectKind.DOCUMENT, "household_register"): ("cy-psb", _HUKOU),
    (SubjectKind.DOCUMENT, "birth_certificate"): (
        "cy-mch",
        "《中华人民共和国母婴保健法》第二十三条",
    ),
    (SubjectKind.DOCUMENT, "marriage_certificate"): ("cy-civil-affairs", "《婚姻登记条例》"),
    (SubjectKind.DOCUMENT, "social_security_card"): ("cy-hrss", "《社会保障卡管理办法》"),
    (SubjectKind.DOCUMENT, "disability_certificate"): ("cy-disabled", "《残疾人证管理办法》"),
    (SubjectKind.DOCUMENT, "vaccination_certificate"): (
        "cy-cdc",
        "《中华人民共和国疫苗管理法》第四十七条",
    ),
    (SubjectKind.DOCUMENT, "property_certificate"): ("cy-housing", "《不动产登记暂行条例》"),
    (SubjectKind.DOCUMENT, "elder_card"): ("cy-jianwai", _ELDER),
    (SubjectKind.DOCUMENT, "retirement_certificate"): ("cy-hrss", _SOCIAL_INSURANCE),
    # bank accounts and ID photos are the citizen's own: no unit states or shares them
}


def _subjects_of_material(code: str) -> list[tuple[SubjectKind, str]]:
    source = MATERIAL_SOURCES.get(code)
    if source is None:
        return []
    kind = SubjectKind(source[0])
    return [(kind, k) for k in source[1].split("|")]


_NAMES = {i.code: i.name for i in demo_data.SERVICE_ITEMS}
_BUNDLE_NAMES = {b.code: b.name for b in demo_data.BUNDLES}


@dataclass
class _Grant:
    """What one reader unit may read one subject for: items, bundles, welfare checks."""

    items: set[str] = field(default_factory=set)
    bundles: set[str] = field(default_factory=set)
    welfare: bool = False


def demo_rows() -> list[ListRow]:
    grants: dict[tuple[SubjectKind, str, str], _Grant] = {}

    def grant(subject: tuple[SubjectKind, str], reader: str) -> _Grant:
        return grants.setdefault((subject[0], subject[1], reader), _Grant())

    for item in demo_data.SERVICE_ITEMS:
        for material in item.materials:
            for subject in _subjects_of_material(material.code):
                owner = OWNERS.get(subject)
                if owner is not None and owner[0] != item.unit_code:
                    grant(subject, item.unit_code).items.add(item.code)
    for raw in RULES:
        rule = parse_rule(raw)
        for key in rule.fact_keys:
            subject = (SubjectKind.FACT, key)
            owner = OWNERS.get(subject)
            if owner is None or owner[0] == rule.owner_unit_code:
                continue
            found = grant(subject, rule.owner_unit_code)
            if rule.bundle_code is None:
                found.welfare = True
            else:
                found.bundles.add(rule.bundle_code)
    rows = [
        ListRow(line=n, kind=kind.value, key=key, owner=owner, legal_basis=basis)
        for n, ((kind, key), (owner, basis)) in enumerate(OWNERS.items(), start=1)
    ]
    for (kind, key, reader), g in sorted(grants.items()):
        what = "、".join(
            [_NAMES[c] for c in sorted(g.items)]
            + [_BUNDLE_NAMES[c] for c in sorted(g.bundles)]
            + (["独居老人探访关爱"] if g.welfare else [])
        )
        rows.append(
            ListRow(
                line=len(rows) + 1,
                kind=kind.value,
                key=key,
                owner=OWNERS[(kind, key)][0],
                reader=reader,
                items=tuple(sorted(g.items)),
                bundles=tuple(sorted(g.bundles)),
                welfare_check=g.welfare,
                legal_basis=SHARING_BASIS.format(what=what),
            )
        )
    return rows


async def load_demo_sharing(conn: asyncpg.Connection[asyncpg.Record]) -> int:
    """Publish the demo list as the first version unless a list exists; rows written."""
    if await gives_row(conn, "select 1 from sharing_list_versions limit 1"):
        return 0
    units = await store.units_by_code(conn)
    items, bundles = await store.item_and_bundle_codes(conn)
    known = Known(frozenset(u.code for u in units), frozenset(items), frozenset(bundles))
    entries, problems = build_list(demo_rows(), known)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise ValueError(f"demo sharing list: {errors}")
    await store.insert_version(
        conn,
        effective_from=EFFECTIVE_FROM,
        note="示范区数据共享责任清单",
        staff_id=None,
        entries=entries,
        unit_ids={u.code: u.id for u in units},
    )
    return len(entries)
