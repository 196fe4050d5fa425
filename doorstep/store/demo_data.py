"""Demo data: one district (北京市朝阳区, 110105), its departments, a street office and a
community, the service items (事项) they handle, the life-event bundles (一件事) that combine
them, and a handful of citizen and staff accounts to log in with.

Everything is keyed by a stable code (units, items, bundles) or phone (people), so
`doorstep.store.seed.load_demo_data` can upsert it any number of times.

The bundles follow the State Council's "高效办成一件事" key-item lists; the items, materials and
time limits are realistic but illustrative, not an official catalogue. All phone numbers are
fictitious: citizens use +86 138 0013 8xxx, staff +86 139 0013 9xxx, units +86 10 8599 xxxx.

Size: seed data, one demo district as rows; no logic to split.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from doorstep.domain.identity import make_resident_id

UnitKind = Literal["department", "street_office", "community", "enterprise", "social_organisation"]
Language = Literal["zh_Hans", "zh_Hant", "en"]
Channel = Literal["push", "sms"]
StaffRole = Literal["staff", "supervisor", "admin"]

DISTRICT_REGION = "110105"  # 北京市朝阳区
STREET_REGION = "110105001"  # 建外街道
COMMUNITY_REGION = "110105001001"  # a community of 建外街道


@dataclass(frozen=True, slots=True)
class DemoUnit:
    code: str
    name: str
    kind: UnitKind
    region_code: str
    phone: str
    parent_code: str | None = None  # must come earlier in UNITS


@dataclass(frozen=True, slots=True)
class Material:
    code: str
    name: str
    required: bool = True

    def as_json(self) -> dict[str, str | bool]:
        return {"code": self.code, "name": self.name, "required": self.required}


@dataclass(frozen=True, slots=True)
class DemoServiceItem:
    code: str
    name: str
    unit_code: str
    description: str
    materials: tuple[Material, ...]
    legal_days: int  # 法定办结时限, working days
    promised_days: int  # 承诺办结时限, working days (<= legal_days)


@dataclass(frozen=True, slots=True)
class DemoBundle:
    code: str
    name: str
    description: str
    item_codes: tuple[str, ...]  # in the order the tasks are shown
    is_single: bool = False


@dataclass(frozen=True, slots=True)
class DemoCitizen:
    phone: str
    name: str
    resident_id: str
    birth_date: date
    region_code: str
    language: Language
    channel_preference: Channel
    elder_mode: bool = False


@dataclass(frozen=True, slots=True)
class DemoStaff:
    phone: str
    name: str
    role: StaffRole
    unit_code: str | None
    region_code: str | None = None  # supervisors oversee units under this prefix


# --- units (单位) -------------------------------------------------------------------------------

UNITS: tuple[DemoUnit, ...] = (
    DemoUnit(
        "cy-service-center", "朝阳区政务服务中心", "department", DISTRICT_REGION, "+861085990001"
    ),
    DemoUnit("cy-health", "朝阳区卫生健康委员会", "department", DISTRICT_REGION, "+861085990010"),
    DemoUnit(
        "cy-mch",
        "朝阳区妇幼保健院",
        "department",
        DISTRICT_REGION,
        "+861085990011",
        parent_code="cy-health",
    ),
    DemoUnit(
        "cy-cdc",
        "朝阳区疾病预防控制中心",
        "department",
        DISTRICT_REGION,
        "+861085990012",
        parent_code="cy-health",
    ),
    DemoUnit("cy-psb", "北京市公安局朝阳分局", "department", DISTRICT_REGION, "+861085990020"),
    DemoUnit(
        "cy-medical-security", "朝阳区医疗保障局", "department", DISTRICT_REGION, "+861085990030"
    ),
    DemoUnit(
        "cy-hrss", "朝阳区人力资源和社会保障局", "department", DISTRICT_REGION, "+861085990040"
    ),
    DemoUnit("cy-education", "朝阳区教育委员会", "department", DISTRICT_REGION, "+861085990050"),
    DemoUnit("cy-civil-affairs", "朝阳区民政局", "department", DISTRICT_REGION, "+861085990060"),
    DemoUnit("cy-disabled", "朝阳区残疾人联合会", "department", DISTRICT_REGION, "+861085990070"),
    DemoUnit(
        "cy-housing", "朝阳区住房和城乡建设委员会", "department", DISTRICT_REGION, "+861085990080"
    ),
    DemoUnit(
        "cy-housing-fund",
        "北京住房公积金管理中心朝阳管理部",
        "department",
        DISTRICT_REGION,
        "+861085990090",
    ),
    DemoUnit("cy-culture", "朝阳区文化和旅游局", "department", DISTRICT_REGION, "+861085990100"),
    DemoUnit("cy-jianwai", "建外街道办事处", "street_office", STREET_REGION, "+861085990200"),
    DemoUnit(
        "cy-jianwai-yonganli",
        "永安里社区居委会",
        "community",
        COMMUNITY_REGION,
        "+861085990201",
        parent_code="cy-jianwai",
    ),
)


# --- service items (事项) -----------------------------------------------------------------------

_ID_CARD = Material("id-card", "申请人居民身份证")
_HOUSEHOLD = Material("household-register", "居民户口簿")
_PARENT_IDS = Material("parent-id-cards", "父母双方居民身份证")
_GUARDIAN_ID = Material("guardian-id-card", "监护人居民身份证")
_MARRIAGE_OPT = Material("marriage-certificate", "结婚证(如有)", required=False)
_BIRTH_CERT = Material("birth-certificate", "出生医学证明")
_PHOTO = Material("photo", "近期二寸白底免冠证件照")
_SOCIAL_CARD = Material("social-security-card", "社会保障卡")
_BANK_CARD = Material("bank-card", "本人银行卡(待遇发放账户)")
_DEATH_CERT = Material("death-certificate", "居民死亡医学证明(推断)书")
_DISABILITY_CARD = Material("disability-card", "中华人民共和国残疾人证")

SERVICE_ITEMS: tuple[DemoServiceItem, ...] = (
    # 新生儿出生
    DemoServiceItem(
        "birth-certificate",
        "出生医学证明办理",
        "cy-mch",
        "为在本院分娩的新生儿签发《出生医学证明》。",
        (
            _PARENT_IDS,
            _MARRIAGE_OPT,
            Material("delivery-record", "住院分娩记录"),
            Material("birth-cert-form", "《出生医学证明》首次签发登记表"),
        ),
        legal_days=10,
        promised_days=3,
    ),
    DemoServiceItem(
        "vaccination-certificate",
        "预防接种证办理",
        "cy-cdc",
        "为新生儿建立预防接种档案并发放预防接种证。",
        (
            _BIRTH_CERT,
            _GUARDIAN_ID,
            Material("newborn-vaccine-record", "新生儿乙肝疫苗、卡介苗首针接种记录"),
        ),
        legal_days=5,
        promised_days=1,
    ),
    DemoServiceItem(
        "birth-registration",
        "出生户口登记",
        "cy-psb",
        "为新生儿在父亲或母亲户口所在地申报常住户口。",
        (
            _BIRTH_CERT,
            _PARENT_IDS,
            Material("parent-household-register", "父亲或母亲的居民户口簿"),
            _MARRIAGE_OPT,
        ),
        legal_days=20,
        promised_days=5,
    ),
    DemoServiceItem(
        "resident-medical-insurance",
        "城乡居民基本医疗保险参保登记",
        "cy-medical-security",
        "为本市户籍人员办理城乡居民基本医疗保险参保登记。",
        (Material("insured-household-register", "参保人居民户口簿或出生医学证明"), _GUARDIAN_ID),
        legal_days=10,
        promised_days=3,
    ),
    DemoServiceItem(
        "social-card-apply",
        "社会保障卡申领",
        "cy-hrss",
        "为参保人员申领社会保障卡,卡面集成就医结算与金融功能。",
        (
            Material("card-id-document", "居民身份证或居民户口簿"),
            _PHOTO,
            Material("card-guardian-id", "监护人居民身份证(未成年人申领时)", required=False),
        ),
        legal_days=20,
        promised_days=10,
    ),
    # 教育入学
    DemoServiceItem(
        "school-enrolment",
        "义务教育阶段入学登记",
        "cy-education",
        "为适龄儿童办理小学或初中入学信息登记与学位分配。",
        (
            _HOUSEHOLD,
            _PARENT_IDS,
            _BIRTH_CERT,
            Material("housing-proof", "房屋产权证明或住房租赁登记备案证明"),
        ),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "enrolment-household-check",
        "入学户籍信息核验",
        "cy-psb",
        "核验适龄儿童及其父母的户籍信息,供入学资格审核使用。",
        (_HOUSEHOLD,),
        legal_days=5,
        promised_days=2,
    ),
    DemoServiceItem(
        "enrolment-housing-check",
        "入学住房信息核验",
        "cy-housing",
        "核验适龄儿童家庭的房屋产权或住房租赁登记备案信息。",
        (Material("property-or-lease", "不动产权证书或住房租赁登记备案证明"),),
        legal_days=10,
        promised_days=3,
    ),
    DemoServiceItem(
        "enrolment-social-insurance-check",
        "入学社保缴纳信息核验",
        "cy-hrss",
        "核验非本市户籍适龄儿童父母在本市连续缴纳社会保险的情况。",
        (_PARENT_IDS,),
        legal_days=10,
        promised_days=3,
    ),
    DemoServiceItem(
        "vaccination-check",
        "入托入学预防接种证查验",
        "cy-cdc",
        "查验儿童预防接种证,出具查验证明并安排补种。",
        (Material("vaccination-certificate", "儿童预防接种证"), _GUARDIAN_ID),
        legal_days=5,
        promised_days=2,
    ),
    # 社会保障卡居民服务"一卡通"
    DemoServiceItem(
        "social-card-medical",
        "社会保障卡就医购药结算开通",
        "cy-medical-security",
        "开通社会保障卡在定点医药机构就医购药的直接结算功能。",
        (_SOCIAL_CARD, _ID_CARD),
        legal_days=5,
        promised_days=1,
    ),
    DemoServiceItem(
        "social-card-library",
        "社会保障卡公共图书馆借阅开通",
        "cy-culture",
        "开通社会保障卡在区图书馆及分馆借阅图书的功能。",
        (_SOCIAL_CARD,),
        legal_days=5,
        promised_days=1,
    ),
    # 残疾人服务
    DemoServiceItem(
        "disability-assessment",
        "残疾评定",
        "cy-health",
        "由指定医疗机构对申请人的残疾类别和等级进行评定。",
        (_ID_CARD, _PHOTO, Material("medical-records", "既往病历及检查报告", required=False)),
        legal_days=20,
        promised_days=15,
    ),
    DemoServiceItem(
        "disability-card",
        "残疾人证新办",
        "cy-disabled",
        "根据残疾评定结果为符合条件的申请人核发第三代智能化残疾人证。",
        (_HOUSEHOLD, _ID_CARD, _PHOTO, Material("assessment-form", "残疾评定表")),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "disability-living-subsidy",
        "困难残疾人生活补贴",
        "cy-civil-affairs",
        "为低保家庭等困难残疾人按月发放生活补贴。",
        (
            _ID_CARD,
            _DISABILITY_CARD,
            Material("low-income-proof", "最低生活保障或低收入家庭证明"),
            _BANK_CARD,
        ),
        legal_days=30,
        promised_days=15,
    ),
    DemoServiceItem(
        "disability-care-subsidy",
        "重度残疾人护理补贴",
        "cy-civil-affairs",
        "为残疾等级一级、二级且需要长期照护的重度残疾人按月发放护理补贴。",
        (_ID_CARD, _DISABILITY_CARD, _BANK_CARD),
        legal_days=30,
        promised_days=15,
    ),
    DemoServiceItem(
        "disability-insurance-subsidy",
        "残疾人城乡居民医保个人缴费资助",
        "cy-medical-security",
        "为符合条件的残疾人资助城乡居民基本医疗保险个人缴费部分。",
        (_ID_CARD, _DISABILITY_CARD),
        legal_days=20,
        promised_days=10,
    ),
    # 退休
    DemoServiceItem(
        "pension-claim",
        "职工基本养老保险待遇申领",
        "cy-hrss",
        "为达到法定退休年龄的参保职工核定并发放基本养老金。",
        (
            _ID_CARD,
            _SOCIAL_CARD,
            Material("personnel-file", "本人档案或出生时间认定材料"),
            _BANK_CARD,
        ),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "retiree-medical-benefit",
        "退休人员医保待遇核定",
        "cy-medical-security",
        "核定退休人员的基本医疗保险缴费年限并转入退休人员医保待遇。",
        (_ID_CARD, Material("retirement-approval", "退休审批表")),
        legal_days=10,
        promised_days=5,
    ),
    DemoServiceItem(
        "housing-fund-retirement",
        "住房公积金退休提取",
        "cy-housing-fund",
        "为退休职工一次性提取住房公积金账户余额并销户。",
        (_ID_CARD, Material("retirement-proof", "退休证明"), _BANK_CARD),
        legal_days=5,
        promised_days=3,
    ),
    DemoServiceItem(
        "retiree-community-registration",
        "退休人员社会化管理服务登记",
        "cy-jianwai",
        "将新退休人员纳入居住地街道社区的社会化管理服务。",
        (_ID_CARD, Material("retirement-approval", "退休审批表")),
        legal_days=10,
        promised_days=5,
    ),
    # 身后
    DemoServiceItem(
        "death-certificate",
        "居民死亡医学证明(推断)书签发",
        "cy-health",
        "由医疗卫生机构为死亡人员签发居民死亡医学证明(推断)书。",
        (
            Material("deceased-id", "死者居民身份证"),
            Material("treatment-records", "医疗机构诊疗记录或现场调查记录"),
            Material("declarant-id", "申报人居民身份证"),
        ),
        legal_days=5,
        promised_days=1,
    ),
    DemoServiceItem(
        "household-cancellation",
        "死亡户口注销",
        "cy-psb",
        "凭死亡证明注销死亡人员的常住户口并收回居民身份证。",
        (
            _DEATH_CERT,
            Material("deceased-household-register", "死者居民户口簿"),
            Material("deceased-id", "死者居民身份证"),
            Material("declarant-id", "申报人居民身份证"),
        ),
        legal_days=20,
        promised_days=5,
    ),
    DemoServiceItem(
        "cremation",
        "遗体火化",
        "cy-civil-affairs",
        "由殡仪馆接运遗体并办理火化,出具火化证明。",
        (_DEATH_CERT, Material("family-id", "丧属居民身份证")),
        legal_days=5,
        promised_days=1,
    ),
    DemoServiceItem(
        "funeral-grant",
        "丧葬补助金、抚恤金申领",
        "cy-hrss",
        "为参保人员的遗属核发丧葬补助金和一次性抚恤金,并停发养老金。",
        (
            _DEATH_CERT,
            Material("cancellation-proof", "户口注销证明"),
            Material("claimant-id", "领取人居民身份证"),
            Material("kinship-proof", "与死者的亲属关系证明"),
            _BANK_CARD,
        ),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "medical-insurance-termination",
        "医疗保险参保关系注销",
        "cy-medical-security",
        "终止死亡人员的基本医疗保险参保关系,退还个人账户余额。",
        (_DEATH_CERT, Material("claimant-id", "领取人居民身份证")),
        legal_days=10,
        promised_days=3,
    ),
    DemoServiceItem(
        "housing-fund-inheritance",
        "住房公积金继承提取",
        "cy-housing-fund",
        "由继承人或受遗赠人提取死亡职工的住房公积金账户余额。",
        (
            _DEATH_CERT,
            Material("heir-id", "继承人居民身份证"),
            Material("inheritance-proof", "继承权公证书或人民法院判决书"),
        ),
        legal_days=10,
        promised_days=5,
    ),
    # 老年人福利补贴
    DemoServiceItem(
        "elder-care-assessment",
        "老年人能力综合评估",
        "cy-health",
        "对申请人的日常生活活动、认知、感知觉与沟通能力进行评估,确定失能等级。",
        (_ID_CARD, Material("elder-medical-records", "近期病历及诊断证明", required=False)),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "longevity-allowance",
        "高龄老年人津贴申领",
        "cy-civil-affairs",
        "为年满80周岁的本市户籍老年人按月发放高龄津贴。",
        (_ID_CARD, _HOUSEHOLD, _BANK_CARD),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "disabled-elder-care-subsidy",
        "失能老年人护理补贴",
        "cy-civil-affairs",
        "为经评估为失能的老年人按失能等级发放护理补贴。",
        (_ID_CARD, Material("assessment-result", "老年人能力综合评估结论"), _BANK_CARD),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "poor-elder-service-subsidy",
        "困难老年人养老服务补贴",
        "cy-civil-affairs",
        "为低保、低收入及特困老年人发放养老服务补贴。",
        (_ID_CARD, Material("low-income-proof", "最低生活保障、低收入或特困人员证明")),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "elder-card",
        "北京通—养老助残卡申领",
        "cy-jianwai",
        "为年满60周岁的常住老年人办理养老助残卡,享受公交、公园等优待。",
        (_ID_CARD, _HOUSEHOLD, _PHOTO),
        legal_days=20,
        promised_days=10,
    ),
    # 单项
    DemoServiceItem(
        "remote-medical-filing",
        "异地就医备案",
        "cy-medical-security",
        "为异地长期居住或临时外出就医的参保人员办理跨省异地就医直接结算备案。",
        (
            _ID_CARD,
            Material(
                "residence-proof", "异地长期居住证明或个人承诺书(长期居住备案)", required=False
            ),
            Material("referral", "转诊转院证明(转诊备案)", required=False),
        ),
        legal_days=5,
        promised_days=1,
    ),
    DemoServiceItem(
        "temporary-relief",
        "临时救助申请",
        "cy-jianwai",
        "为遭遇突发事件、意外伤害、重大疾病等导致基本生活暂时困难的家庭给予临时救助。",
        (
            _ID_CARD,
            _HOUSEHOLD,
            Material("hardship-statement", "家庭困难情况说明及收入证明"),
            Material("medical-bills", "医疗费用票据(因病申请时)", required=False),
        ),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "kindergarten-enrolment",
        "幼儿园入园登记",
        "cy-education",
        "为3至6周岁适龄幼儿办理公办及普惠性幼儿园入园登记。",
        (
            _HOUSEHOLD,
            _BIRTH_CERT,
            _GUARDIAN_ID,
            Material("vaccination-check-proof", "预防接种证查验证明"),
            Material("health-check", "儿童入园健康检查表"),
        ),
        legal_days=20,
        promised_days=10,
    ),
    # offered by the rules that find people (doorstep.store.demo_vault)
    DemoServiceItem(
        "childcare-subsidy",
        "育儿补贴申领",
        "cy-health",
        "为3周岁以下婴幼儿按年发放育儿补贴(国家基础标准每孩每年3600元),由父母一方申领。",
        (_ID_CARD, _BIRTH_CERT, _HOUSEHOLD, _BANK_CARD),
        legal_days=20,
        promised_days=10,
    ),
    DemoServiceItem(
        "medical-insurance-payment",
        "城乡居民基本医疗保险缴费",
        "cy-medical-security",
        "缴纳或补缴城乡居民基本医疗保险费,中断缴费后及时续缴可尽快恢复医保待遇。",
        (_ID_CARD, Material("payment-account", "缴费银行卡或社会保障卡", required=False)),
        legal_days=5,
        promised_days=1,
    ),
)


# --- bundles (一件事) ---------------------------------------------------------------------------

BUNDLES: tuple[DemoBundle, ...] = (
    DemoBundle(
        "newborn",
        "新生儿出生一件事",
        "一次申请办理出生医学证明、预防接种证、出生户口登记、医保参保和社保卡申领。",
        (
            "birth-certificate",
            "vaccination-certificate",
            "birth-registration",
            "resident-medical-insurance",
            "social-card-apply",
        ),
    ),
    DemoBundle(
        "school-entry",
        "教育入学一件事",
        "义务教育入学报名,户籍、住房、社保和预防接种信息由部门核验,无需重复提交。",
        (
            "school-enrolment",
            "enrolment-household-check",
            "enrolment-housing-check",
            "enrolment-social-insurance-check",
            "vaccination-check",
        ),
    ),
    DemoBundle(
        "social-card",
        "社会保障卡居民服务“一卡通”一件事",
        "申领社会保障卡并一次开通就医购药结算和公共图书馆借阅等居民服务。",
        ("social-card-apply", "social-card-medical", "social-card-library"),
    ),
    DemoBundle(
        "disability",
        "残疾人服务一件事",
        "残疾评定、残疾人证新办与残疾人两项补贴、医保缴费资助一次申请。",
        (
            "disability-assessment",
            "disability-card",
            "disability-living-subsidy",
            "disability-care-subsidy",
            "disability-insurance-subsidy",
        ),
    ),
    DemoBundle(
        "retirement",
        "退休一件事",
        "养老金申领、医保退休待遇核定、公积金提取和社区社会化管理一次办理。",
        (
            "pension-claim",
            "retiree-medical-benefit",
            "housing-fund-retirement",
            "retiree-community-registration",
        ),
    ),
    DemoBundle(
        "after-death",
        "身后一件事",
        "亲人离世后一次办理死亡证明、户口注销、火化、待遇申领和参保关系注销等事项。",
        (
            "death-certificate",
            "household-cancellation",
            "cremation",
            "funeral-grant",
            "medical-insurance-termination",
            "housing-fund-inheritance",
        ),
    ),
    DemoBundle(
        "elderly-subsidy",
        "老年人福利补贴申请一件事",
        "一次申请高龄津贴、失能护理补贴、困难老年人养老服务补贴和养老助残卡。",
        (
            "elder-care-assessment",
            "longevity-allowance",
            "disabled-elder-care-subsidy",
            "poor-elder-service-subsidy",
            "elder-card",
        ),
    ),
    DemoBundle(
        "remote-medical-filing",
        "异地就医备案",
        "跨省异地就医前在线备案,就医时直接结算。",
        ("remote-medical-filing",),
        is_single=True,
    ),
    DemoBundle(
        "hardship-relief",
        "临时救助申请",
        "家庭基本生活遇到暂时困难时申请临时救助。",
        ("temporary-relief",),
        is_single=True,
    ),
    DemoBundle(
        "kindergarten",
        "幼儿园入园",
        "为适龄幼儿办理幼儿园入园登记。",
        ("kindergarten-enrolment",),
        is_single=True,
    ),
    # single items the proactive offers (服务找人) lead to: accepting applies for exactly it
    DemoBundle(
        "childcare-subsidy",
        "育儿补贴申领",
        "为3周岁以下婴幼儿申领育儿补贴。",
        ("childcare-subsidy",),
        is_single=True,
    ),
    DemoBundle(
        "newborn-medical-insurance",
        "新生儿医保参保",
        "新生儿出生后3个月内参加城乡居民医保,自出生之日起享受待遇。",
        ("resident-medical-insurance",),
        is_single=True,
    ),
    DemoBundle(
        "medical-insurance-payment",
        "城乡居民医保缴费",
        "缴纳或补缴城乡居民医保费。",
        ("medical-insurance-payment",),
        is_single=True,
    ),
    DemoBundle(
        "longevity-allowance",
        "高龄津贴申领",
        "年满80周岁的老年人申领高龄津贴。",
        ("longevity-allowance",),
        is_single=True,
    ),
    DemoBundle(
        "elder-card",
        "养老助残卡申领",
        "年满60周岁的老年人办理北京通—养老助残卡。",
        ("elder-card",),
        is_single=True,
    ),
    DemoBundle(
        "disability-care-subsidy",
        "重度残疾人护理补贴",
        "一、二级残疾人申领护理补贴。",
        ("disability-care-subsidy",),
        is_single=True,
    ),
    DemoBundle(
        "disability-living-subsidy",
        "困难残疾人生活补贴",
        "低保、低收入家庭的残疾人申领生活补贴。",
        ("disability-living-subsidy",),
        is_single=True,
    ),
    DemoBundle(
        "poor-elder-service-subsidy",
        "困难老年人养老服务补贴",
        "低保、低收入及特困老年人申领养老服务补贴。",
        ("poor-elder-service-subsidy",),
        is_single=True,
    ),
    DemoBundle(
        "disabled-elder-care-subsidy",
        "失能老年人护理补贴",
        "经评估失能的老年人申领护理补贴。",
        ("disabled-elder-care-subsidy",),
        is_single=True,
    ),
)


# --- people -------------------------------------------------------------------------------------

_ZHANG_WEI_BIRTH = date(1988, 3, 15)
_LI_NA_BIRTH = date(1990, 7, 22)
_WANG_XIUYING_BIRTH = date(1944, 2, 10)
_LIU_JIANGUO_BIRTH = date(1966, 5, 8)
_CHEN_JIAWEN_BIRTH = date(1995, 11, 20)
# turned 80 on the first of this month (Asia/Shanghai), whenever the demo is loaded: the
# "turned 80 this month, no 高龄津贴" rule finds her all month
_TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
_ZHAO_GUILAN_BIRTH = date(_TODAY.year - 80, _TODAY.month, 1)
_SUN_ZHIQIANG_BIRTH = date(1971, 9, 3)

CITIZENS: tuple[DemoCitizen, ...] = (
    # a young father: the newborn and kindergarten bundles
    DemoCitizen(
        "+8613800138001",
        "张伟",
        make_resident_id(DISTRICT_REGION, _ZHANG_WEI_BIRTH, "013"),
        _ZHANG_WEI_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "push",
    ),
    # his wife
    DemoCitizen(
        "+8613800138002",
        "李娜",
        make_resident_id(DISTRICT_REGION, _LI_NA_BIRTH, "024"),
        _LI_NA_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "push",
    ),
    # an 82-year-old on a keypad phone: SMS, elder mode, elderly-subsidy bundle
    DemoCitizen(
        "+8613800138003",
        "王秀英",
        make_resident_id(DISTRICT_REGION, _WANG_XIUYING_BIRTH, "046"),
        _WANG_XIUYING_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "sms",
        elder_mode=True,
    ),
    # close to retirement
    DemoCitizen(
        "+8613800138004",
        "刘建国",
        make_resident_id(DISTRICT_REGION, _LIU_JIANGUO_BIRTH, "031"),
        _LIU_JIANGUO_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "push",
    ),
    # back from studying abroad, prefers English
    DemoCitizen(
        "+8613800138005",
        "陈嘉文",
        make_resident_id(DISTRICT_REGION, _CHEN_JIAWEN_BIRTH, "028"),
        _CHEN_JIAWEN_BIRTH,
        COMMUNITY_REGION,
        "en",
        "push",
    ),
    # turned 80 this month: the longevity allowance and elder care offers
    DemoCitizen(
        "+8613800138006",
        "赵桂兰",
        make_resident_id(DISTRICT_REGION, _ZHAO_GUILAN_BIRTH, "062"),
        _ZHAO_GUILAN_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "push",
    ),
    # grade-2 physical disability, on 低保: the disability subsidies
    DemoCitizen(
        "+8613800138007",
        "孙志强",
        make_resident_id(DISTRICT_REGION, _SUN_ZHIQIANG_BIRTH, "057"),
        _SUN_ZHIQIANG_BIRTH,
        COMMUNITY_REGION,
        "zh_Hans",
        "push",
    ),
)

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("+8613900139000", "周建华", "admin", None),
    DemoStaff(
        "+8613900139001", "孙丽华", "supervisor", "cy-service-center", region_code=DISTRICT_REGION
    ),
    DemoStaff("+8613900139101", "马晓燕", "staff", "cy-service-center"),
    DemoStaff("+8613900139102", "赵敏", "staff", "cy-health"),
    DemoStaff("+8613900139103", "钱雪梅", "staff", "cy-mch"),
    DemoStaff("+8613900139104", "郑海涛", "staff", "cy-cdc"),
    DemoStaff("+8613900139105", "王强", "staff", "cy-psb"),
    DemoStaff("+8613900139106", "吴静", "staff", "cy-medical-security"),
    DemoStaff("+8613900139107", "冯磊", "staff", "cy-hrss"),
    DemoStaff("+8613900139108", "陈晓红", "staff", "cy-education"),
    DemoStaff("+8613900139109", "杨帆", "staff", "cy-civil-affairs"),
    DemoStaff("+8613900139110", "朱文斌", "staff", "cy-disabled"),
    DemoStaff("+8613900139111", "胡建军", "staff", "cy-housing"),
    DemoStaff("+8613900139112", "林芳", "staff", "cy-housing-fund"),
    DemoStaff("+8613900139113", "何俊", "staff", "cy-culture"),
    DemoStaff("+8613900139114", "高秀兰", "staff", "cy-jianwai"),
    DemoStaff("+8613900139115", "罗桂芝", "staff", "cy-jianwai-yonganli"),
)
