"""Demo data for tickets (诉求): the regions of the demo district, the categories citizens pick,
the units that serve them (including a utility and a social organisation), and the first
published dispatch rules.

Like `demo_data`, everything is keyed by a stable code so the loader can upsert it any number
of times. Names and codes are realistic but illustrative, not an official catalogue. Staff
phones continue the demo range (+86 139 0013 9116 ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.store.demo_data import (
    COMMUNITY_REGION,
    DISTRICT_REGION,
    STREET_REGION,
    DemoStaff,
    DemoUnit,
)

OTHER_STREET_REGION = "110105002"  # 朝外街道: no street office unit in the demo


@dataclass(frozen=True, slots=True)
class DemoRegion:
    code: str
    name: str
    parent_code: str | None
    fallback_unit_code: str | None  # None: the nearest region above decides


@dataclass(frozen=True, slots=True)
class DemoCategory:
    code: str
    name: str
    description: str
    group: str = ""
    # words a citizen uses for it (Open311 `keywords`; an SMS is matched against them)
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoRule:
    rule_no: int
    priority: int
    lead_unit_code: str
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    assisting_unit_codes: tuple[str, ...] = ()
    deadline_profile: str | None = None
    note: str = ""


UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("cy-heating", "朝阳区供热办", "department", DISTRICT_REGION, "+861085990110"),
    DemoUnit(
        "cy-city-management", "朝阳区城市管理委员会", "department", DISTRICT_REGION, "+861085990120"
    ),
    DemoUnit(
        "bj-water-cy", "北京市自来水集团朝阳分公司", "enterprise", DISTRICT_REGION, "+861085990130"
    ),
    DemoUnit(
        "cy-elder-association",
        "朝阳区老龄协会",
        "social_organisation",
        DISTRICT_REGION,
        "+861085990140",
    ),
)

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("+8613900139116", "韩冬梅", "staff", "cy-heating"),
    DemoStaff("+8613900139117", "曹志刚", "staff", "cy-city-management"),
    DemoStaff("+8613900139118", "邓丽", "staff", "bj-water-cy"),
    DemoStaff("+8613900139119", "许文", "staff", "cy-elder-association"),
)

REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion(DISTRICT_REGION, "朝阳区", None, "cy-service-center"),
    DemoRegion(STREET_REGION, "建外街道", DISTRICT_REGION, "cy-jianwai"),
    DemoRegion(COMMUNITY_REGION, "永安里社区", STREET_REGION, None),
    DemoRegion("110105001002", "光华里社区", STREET_REGION, None),
    DemoRegion(OTHER_STREET_REGION, "朝外街道", DISTRICT_REGION, None),
    DemoRegion("110105002001", "吉祥里社区", OTHER_STREET_REGION, None),
)

CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory(
        "heating",
        "供暖",
        "暖气不热、停暖、供暖管道漏水",
        "市政设施",
        ("暖气", "供暖", "供热", "停暖"),
    ),
    DemoCategory(
        "streetlight", "路灯", "路灯不亮、灯杆损坏", "市政设施", ("路灯", "灯杆", "灯不亮")
    ),
    DemoCategory(
        "water", "供水", "停水、水压低、水质问题", "市政设施", ("停水", "水压", "自来水", "水质")
    ),
    DemoCategory(
        "noise", "噪音", "施工、商业、邻里噪音扰民", "环境", ("噪音", "吵", "施工", "扰民")
    ),
    DemoCategory(
        "pension", "养老金", "养老金发放、待遇核定", "社会保障", ("养老金", "退休金", "待遇")
    ),
    DemoCategory(
        "elder_care",
        "养老服务",
        "居家养老、助餐助浴、独居老人照护",
        "社会保障",
        ("助餐", "助浴", "独居", "养老服务"),
    ),
    DemoCategory(
        "medical_insurance",
        "医疗保障",
        "医保报销、参保登记、异地就医",
        "社会保障",
        ("医保", "报销", "参保", "就医"),
    ),
    DemoCategory(
        "sanitation", "环境卫生", "垃圾清运、道路保洁", "环境", ("垃圾", "保洁", "卫生", "清运")
    ),
    DemoCategory(
        "property", "物业管理", "物业服务、小区公共设施", "社区", ("物业", "电梯", "小区")
    ),
    DemoCategory(
        "public_security", "治安", "治安隐患、可疑情况", "社区", ("治安", "可疑", "小偷", "盗窃")
    ),
    DemoCategory("other", "其他", "以上都不是", "其他"),
)

# unit code -> (category, region prefix) it serves
SERVICE_AREAS: tuple[tuple[str, str, str], ...] = (
    ("cy-heating", "heating", DISTRICT_REGION),
    ("cy-city-management", "streetlight", DISTRICT_REGION),
    ("cy-city-management", "sanitation", DISTRICT_REGION),
    ("bj-water-cy", "water", DISTRICT_REGION),
    ("cy-psb", "noise", DISTRICT_REGION),
    ("cy-psb", "public_security", DISTRICT_REGION),
    ("cy-housing", "noise", DISTRICT_REGION),
    ("cy-housing", "property", DISTRICT_REGION),
    ("cy-hrss", "pension", DISTRICT_REGION),
    ("cy-civil-affairs", "elder_care", DISTRICT_REGION),
    ("cy-elder-association", "elder_care", DISTRICT_REGION),
    ("cy-medical-security", "medical_insurance", DISTRICT_REGION),
    ("cy-jianwai", "sanitation", STREET_REGION),
    ("cy-jianwai", "property", STREET_REGION),
    ("cy-jianwai", "elder_care", STREET_REGION),
    ("cy-jianwai", "other", STREET_REGION),
    ("cy-jianwai-yonganli", "elder_care", COMMUNITY_REGION),
    ("cy-jianwai-yonganli", "property", COMMUNITY_REGION),
    ("cy-service-center", "other", DISTRICT_REGION),
)

# The first published rule set. Priority 1 is tried first; rules with keywords and no category
# are guesses that send a ticket to review with a suggestion.
RULES: tuple[DemoRule, ...] = (
    DemoRule(
        1,
        10,
        "cy-heating",
        categories=("heating",),
        urgencies=("danger",),
        assisting_unit_codes=("cy-jianwai",),
        deadline_profile="urgent",
        note="供暖险情:当日处置,街道协办",
    ),
    DemoRule(
        2,
        20,
        "cy-heating",
        categories=("heating",),
        region_prefixes=(DISTRICT_REGION,),
        deadline_profile="help",
    ),
    DemoRule(
        3,
        30,
        "bj-water-cy",
        categories=("water",),
        region_prefixes=(DISTRICT_REGION,),
        deadline_profile="help",
    ),
    DemoRule(
        4,
        40,
        "cy-city-management",
        categories=("streetlight",),
        region_prefixes=(DISTRICT_REGION,),
        deadline_profile="help",
    ),
    DemoRule(
        5,
        50,
        "cy-housing",
        categories=("noise",),
        keywords=("施工", "工地"),
        note="建筑施工噪音由住建委处理",
    ),
    DemoRule(6, 60, "cy-psb", categories=("noise",), note="其他噪音扰民由公安处理"),
    DemoRule(7, 70, "cy-hrss", categories=("pension",)),
    DemoRule(
        8,
        80,
        "cy-jianwai-yonganli",
        categories=("elder_care",),
        region_prefixes=(COMMUNITY_REGION,),
        assisting_unit_codes=("cy-civil-affairs",),
    ),
    DemoRule(
        9,
        90,
        "cy-civil-affairs",
        categories=("elder_care",),
        region_prefixes=(DISTRICT_REGION,),
        assisting_unit_codes=("cy-elder-association",),
    ),
    DemoRule(10, 100, "cy-medical-security", categories=("medical_insurance",)),
    DemoRule(11, 110, "cy-city-management", categories=("sanitation",)),
    DemoRule(12, 120, "cy-housing", categories=("property",)),
    DemoRule(13, 130, "cy-psb", categories=("public_security",)),
    DemoRule(
        14, 900, "cy-city-management", keywords=("路灯", "灯不亮"), note="按关键词猜测,需人工复核"
    ),
    DemoRule(15, 910, "cy-heating", keywords=("暖气", "供暖")),
    DemoRule(16, 920, "bj-water-cy", keywords=("停水", "没水", "水压")),
)
