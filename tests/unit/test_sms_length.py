"""SMS length: every sms.* template in every language, rendered with realistic values.

Run with `-s` to see the report: characters (sign name 【…】 included) and parts (70 = one
message; beyond that 67 per part). Free text longer than Aliyun's 35-character variable limit
is cut with "…"; identifiers (application numbers, log-in codes) are never cut, but refused; a
reason or the latest news is never cut: sent whole, or replaced by where to read or hear it.
"""

from __future__ import annotations

import itertools

import pytest

from doorstep.domain.case_numbers import APPLICATION_PREFIX, make_case_number
from doorstep.i18n import LANGUAGES, translate
from doorstep.notify.sms_text import (
    ELLIPSIS,
    IDENTIFIER_PARAMS,
    ONE_PART,
    PARAM_LIMIT,
    WHOLE_PARAMS,
    SmsParamRefused,
    check_identifiers,
    elsewhere,
    fit_sms,
    sms_parts,
    sms_templates,
    template_fields,
)

SIGN = "掌上办"
NUMBER = make_case_number(APPLICATION_PREFIX, 4_183_907)  # 10 digits with its check digit
REALISTIC = {
    "number": NUMBER,
    "code": "483920",
    "item": "《出生医学证明》首次签发登记表",
    "bundle": "新生儿出生一件事（出生医学证明、户口登记、医保参保、社保卡申领）",
    "reason": "父母双方居民身份证正反面照片不清晰，请重新拍照上传，要求四角完整、无反光、无遮挡",
    "due": "12-31",
    "unit": "北京住房公积金管理中心朝阳管理部",
    "count": "4",
    "latest": "城乡居民基本医疗保险参保登记：不予办理（户口簿本人页照片不清晰，请重新上传）",
    # delegation (帮办代办) and plain SMS: the other person, the themes, a number to call
    "name": "欧阳娜娜",
    "themes": "一般办事、社保、医保、老年人补贴",
    "phone": "010 8599 0201",
    # broadcasts (sms.public_notice): what about, and what the reader needs to know
    "subject": "停水通知",
    "detail": "12月3日9时至17时永安里小区停水检修，请提前储水。",
}
SHORT = {**REALISTIC, "item": "生育津贴申领", "reason": "缺少户口簿本人页", "unit": "永安里社区"}


def test_sms_parts_rule() -> None:
    assert sms_parts("字" * 70) == 1
    assert sms_parts("字" * 71) == 2
    assert sms_parts("字" * 134) == 2
    assert sms_parts("字" * 135) == 3


def test_every_variable_has_a_realistic_value() -> None:
    """A new template variable needs a realistic value here, so its length is reported."""
    templates = sms_templates()
    assert templates, "no SMS template found"
    for template, language in itertools.product(templates, LANGUAGES):
        assert set(template_fields(template, language)) <= set(REALISTIC), (template, language)


def test_report_every_template_in_every_language() -> None:
    rows = []
    for template, language in itertools.product(sms_templates(), LANGUAGES):
        for label, values in (("realistic", REALISTIC), ("short", SHORT)):
            fitted = fit_sms(template, values, language, sign_name=SIGN)
            assert fitted.body.startswith(f"【{SIGN}】")
            assert fitted.parts == sms_parts(fitted.body) <= 2
            names = template_fields(template, language)
            for name in names:
                assert len(fitted.params[name]) <= PARAM_LIMIT
                # identifiers whole; a reason whole or where to read it whole; other free
                # text whole or cut with an ellipsis
                if name in IDENTIFIER_PARAMS:
                    assert fitted.params[name] == values[name]
                elif name in WHOLE_PARAMS:
                    assert not fitted.params[name].endswith(ELLIPSIS)
                    assert fitted.params[name] in (
                        values[name],
                        elsewhere(name, language, "phone" in names),
                    )
                elif name in fitted.cut:
                    assert fitted.params[name].endswith(ELLIPSIS)
                    assert values[name].startswith(fitted.params[name][:-1])
                else:
                    assert fitted.params[name] == values[name]
            rows.append(
                (
                    template,
                    language,
                    label,
                    len(fitted.body),
                    fitted.parts,
                    ",".join(fitted.cut) or "-",
                )
            )
    # the report (pytest -s shows it)
    print("\nSMS length report (sign name included)")
    print(f"{'template':38} {'lang':8} {'values':9} {'chars':>5} {'parts':>5}  cut")
    for template, language, label, chars, parts, cut in rows:
        print(f"{template:38} {language:8} {label:9} {chars:5d} {parts:5d}  {cut}")
    assert any(cut != "-" for *_rest, cut in rows)  # the long reason was replaced somewhere
    # with realistic values nothing but a too-long reason is replaced, and nothing is cut
    for template, language, label, _c, _p, cut in rows:
        assert set(cut.split(",")) <= {"-", *WHOLE_PARAMS}, (template, language, label)
    # what must stay a single message: the log-in code, and short status news in Chinese
    single = {
        (t, lang) for t, lang, label, _c, parts, _x in rows if label == "realistic" and parts == 1
    }
    for language in LANGUAGES:
        assert ("sms.login_code", language) in single
    for template in ONE_PART:
        for variant in (template, template.replace("sms.", "sms.plain.")):
            if variant not in sms_templates():
                continue
            assert (variant, "zh_Hans") in single and (variant, "zh_Hant") in single, variant


@pytest.mark.parametrize(
    ("template", "language"), list(itertools.product(sms_templates(), LANGUAGES))
)
def test_worst_case_fits_and_keeps_the_number(template: str, language: str) -> None:
    huge = {
        "number": "9" * 20,
        "code": "999999",
        "item": "项" * 300,
        "bundle": "事" * 300,
        "reason": "因" * 2000,
        "due": "日" * 300,
        "unit": "单" * 300,
        "count": "99",
        "latest": "新" * 300,
        "name": "名" * 300,
        "themes": "题" * 300,
        "phone": "9" * 20,
        "subject": "题" * 300,
        "detail": "详" * 300,
    }
    fitted = fit_sms(template, huge, language, sign_name=SIGN)
    assert fitted.parts <= 2
    assert ELLIPSIS not in "".join(fitted.params.get(n, "") for n in WHOLE_PARAMS)
    if "number" in template_fields(template, language):
        assert "9" * 20 in fitted.body


def test_free_text_is_cut_to_the_variable_limit() -> None:
    item = "材" * 100
    fitted = fit_sms("sms.task_rejected", {**SHORT, "item": item}, "zh_Hans", sign_name=SIGN)
    assert fitted.params["item"].endswith(ELLIPSIS) and fitted.params["reason"] == SHORT["reason"]
    assert fitted.cut == ("item",)


def test_a_reason_is_never_cut_but_said_where_to_read_it() -> None:
    """Half a reason misleads; a long one gives way to where to read or hear it."""
    fitted = fit_sms(
        "sms.materials_requested", {**REALISTIC, "reason": "材" * 100}, "zh_Hans", sign_name=SIGN
    )
    assert fitted.params["reason"] == "详见掌上办或办事窗口" and fitted.cut == ("reason",)
    assert fitted.body == f"【{SIGN}】办件{NUMBER}需补充材料：详见掌上办或办事窗口"
    # a reason that fits alone but not in the one part a status text has
    reason = REALISTIC["reason"][:PARAM_LIMIT]
    one = fit_sms("sms.task_rejected", {**REALISTIC, "reason": reason}, "zh_Hans", sign_name=SIGN)
    assert one.parts == 1 and one.params["reason"] == "详见掌上办或办事窗口"
    # the plain variant gives a number: the reason is heard there
    plain = fit_sms(
        "sms.plain.materials_requested", {**REALISTIC, "reason": "材" * 100}, "en", sign_name=SIGN
    )
    assert plain.params["reason"] == "call us for the details" and "010 8599 0201" in plain.body
    # a short one goes whole, its full stop left to the template
    whole = fit_sms("sms.offer", {**SHORT, "reason": "您家有新生儿。"}, "zh_Hans", sign_name=SIGN)
    assert whole.body.endswith("：您家有新生儿。回复1即可申请。")
    # whitespace runs (line breaks a clerk typed) become single spaces
    messy = fit_sms(
        "sms.materials_requested",
        {**REALISTIC, "reason": "缺少\n\n户口簿   本人页"},
        "zh_Hans",
        sign_name=SIGN,
    )
    assert messy.params["reason"] == "缺少 户口簿 本人页"


def test_a_tighter_budget_cuts_the_longest_text_first() -> None:
    values = {**REALISTIC, "unit": "北京市朝阳区人力资源和社会保障局社会保险事业管理中心"}
    fitted = fit_sms("sms.escalation", values, "zh_Hans", sign_name=SIGN, max_parts=1)
    assert len(fitted.body) <= 70 and fitted.parts == 1
    assert NUMBER in fitted.body
    assert fitted.params["unit"].endswith(ELLIPSIS)
    assert "unit" in fitted.cut


@pytest.mark.parametrize(
    "params",
    [
        {"number": "1" * 21},
        {"number": "10A0001237"},
        {"number": ""},
        {"code": "12345678"},
        {"code": "12 34"},
        {"number": "１０００００１２３７"},  # full-width digits are not ASCII
    ],
)
def test_identifiers_are_refused_not_cut(params: dict[str, str]) -> None:
    with pytest.raises(SmsParamRefused):
        check_identifiers(params)
    template = "sms.login_code" if "code" in params else "sms.application_completed"
    with pytest.raises(SmsParamRefused):
        fit_sms(template, params, "zh_Hans", sign_name=SIGN)


def test_a_text_that_cannot_fit_is_refused() -> None:
    with pytest.raises(SmsParamRefused):
        fit_sms(
            "sms.application_completed",
            {"number": "9" * 20},
            "en",
            sign_name="签" * 60,
            max_parts=1,
        )


def test_missing_and_unknown() -> None:
    with pytest.raises(KeyError):
        fit_sms("sms.task_rejected", {"number": NUMBER}, "zh_Hans", sign_name=SIGN)
    with pytest.raises(KeyError):
        fit_sms("sms.no_such_template", {}, "zh_Hans", sign_name=SIGN)
    # an unknown language falls back to the default catalog
    assert fit_sms("sms.login_code", {"code": "123456"}, "fr", sign_name=SIGN).body == (
        f"【{SIGN}】" + translate("sms.login_code", "zh_Hans", code="123456")
    )
