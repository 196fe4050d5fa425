"""The three catalogs hold every message the code uses, with the same placeholders.

The keys are found by reading the source (`doorstep/i18n/extract.py`; the same report:
`uv run python -m doorstep.i18n.extract`). The extractor itself is tested on a small made-up
package, so a way of using a key that it stopped seeing fails here too.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from doorstep.i18n import (
    ELDER_CONTEXT,
    LANGUAGES,
    choose_language,
    normalize_language,
    translate,
)
from doorstep.i18n.extract import FAMILIES, check, placeholders, used_keys
from doorstep.notify.sms_text import sms_templates
from doorstep.services.citizen_sms import PLAIN_PREFIX, choose, display_phone, plain_template


def test_catalogs_hold_every_message_the_code_uses() -> None:
    problems = check()
    assert problems == [], "\n".join(problems)


def _package(tmp_path: Path, source: str) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "errors.py").write_text(
        textwrap.dedent("""
        class DomainError(Exception):
            code = "internal"
        class InvalidInput(DomainError):
            code = "invalid_input"
        class Special(InvalidInput):
            pass
    """)
    )
    (root / "code.py").write_text(textwrap.dedent(source))
    return root


def test_the_extractor_finds_every_way_a_key_is_used(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        """
        CODE = "x.by_constant"

        def helper(flag):
            if flag:
                return "x.from_helper_a"
            return "x.from_helper_b"

        def f(flag, status, action):
            translate("next.literal", "en")
            translate("next.if_a" if flag else "next.if_b", "en")
            translate(f"task_status.{status.value}", "en")
            raise InvalidInput("x.literal")
            raise Special(CODE)
            failure = "x.local_a" if flag else "x.local_b"
            raise InvalidInput(failure)
            raise Special(helper(flag))
            raise InvalidInput()
            notifications.queue(conn, template="sms.literal_template", kind="not.a.key")
            events.append(conn, kind="shown.kind", application_id=1)
            events.append(conn, kind="unshown.kind", citizen_id=1)
            events.append(conn, kind=f"task.{action.value}", **common)
            value = "sms.bare_literal"
            translate(f"unknown_family.{status}", "en")
    """,
    )
    usage = used_keys(root)
    keys = set(usage.keys)
    assert {
        "next.literal",
        "next.if_a",
        "next.if_b",
        "task_status.done",
        "task_status.needs_materials",
        "error.x.literal",
        "error.x.by_constant",
        "error.x.local_a",
        "error.x.local_b",
        "error.x.from_helper_a",
        "error.x.from_helper_b",
        "error.invalid_input",
        "sms.literal_template",
        "event.shown.kind",
        "event.task.accept",
        "event.task.supply_materials",
        "sms.bare_literal",
    } <= keys
    assert "event.unshown.kind" not in keys and "not.a.key" not in keys
    assert any("unknown_family." in p for p in usage.problems), usage.problems


def test_the_check_catches_missing_keys_and_placeholders(tmp_path: Path) -> None:
    root = _package(tmp_path, 'translate("next.used", "en")\n')
    usage = used_keys(root)
    good = {(None, "next.used"): "{n} a", (ELDER_CONTEXT, "next.used"): "{n}"}
    catalogs = {
        "zh_Hans": {
            **good,
            (None, "next.extra"): "x",
            (ELDER_CONTEXT, "next.extra"): "x",
            (ELDER_CONTEXT, "next.orphan"): "y",
        },
        "zh_Hant": {
            (None, "next.used"): "a",
            (ELDER_CONTEXT, "next.used"): "{n}",
            (None, "next.extra"): "x",
            (ELDER_CONTEXT, "next.extra"): "{m}",
        },
        "en": {
            (ELDER_CONTEXT, "next.used"): "{n}",
            (None, "next.extra"): "x",
            (ELDER_CONTEXT, "next.extra"): "x",
            (ELDER_CONTEXT, "next.orphan"): "y",
        },
    }
    problems = "\n".join(check(usage, catalogs))
    assert "en: missing 'next.used'" in problems  # a used key a catalog lacks
    assert "zh_Hant: 'next.used' has placeholders [], zh_Hans has ['n']" in problems  # dropped
    assert "zh_Hant: 'elder|next.extra' has placeholders ['m']" in problems  # added
    assert "elder variant 'next.orphan' has no normal text" in problems
    assert "zh_Hant: lacks 'elder|next.orphan'" in problems


def test_the_check_catches_placeholders_a_refusal_cannot_carry(tmp_path: Path) -> None:
    """InvalidInput("x", language=...) would collide with translate()'s own argument."""
    usage = used_keys(_package(tmp_path, "\n"))
    catalog = {(None, "error.x"): "{code} {elder} {limit}", (ELDER_CONTEXT, "error.x"): "{limit}"}
    problems = "\n".join(check(usage, dict.fromkeys(LANGUAGES, catalog)))
    assert "'error.x' uses reserved placeholder names ['code', 'elder']" in problems
    # key and language are positional-only in translate(): fine as placeholders
    assert translate("error.login.code_wrong", "en", key="k", language="l")


def test_statuses_next_steps_and_errors_all_have_an_elder_variant() -> None:
    from doorstep.i18n import _catalog
    from doorstep.i18n.extract import ELDER_REQUIRED

    for language in LANGUAGES:
        messages = _catalog(language)
        for ctx, key in messages:
            if ctx is None and key.startswith(ELDER_REQUIRED):
                assert (ELDER_CONTEXT, key) in messages, (language, key)
                normal = translate(key, language)
                plain = translate(key, language, elder=True)
                assert placeholders(plain) <= placeholders(normal), (language, key)


def test_every_family_of_built_keys_can_be_enumerated() -> None:
    for prefix, values in FAMILIES.items():
        assert values(), prefix


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zh_Hans", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("ZH_HANT", "zh_Hant"),
        (" en ", "en"),
        ("fr", None),
        ("en-US", None),
        ("zh", None),
        ("", None),
        ("zh_Hans; drop table", None),
    ],
)
def test_language_codes(raw: str, expected: str | None) -> None:
    assert normalize_language(raw) == expected


def test_language_choice_order() -> None:
    assert choose_language("en", "zh-CN,zh;q=0.9") == "en"  # the citizen's choice first
    assert choose_language(None, "zh-TW,en;q=0.5") == "zh_Hant"  # then Accept-Language
    assert choose_language(None, "fr-FR,en;q=0.3") == "en"
    assert choose_language(None, "fr-FR") == "zh_Hans"  # else the default
    assert choose_language(None, None) == "zh_Hans"


# -- SMS to elder-mode and SMS-only citizens -------------------------------------------------

URL = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(com|cn|net|org|gov)\b|/[a-z]", re.I)
# a plain reader has a keypad phone: no app to open, nothing to sign in to
APP_WORDS = re.compile(r"登录|登入|sign in|log in|\bapp\b|点击|點擊|click", re.I)
# SMS about a citizen's application, sent through services.citizen_sms
CITIZEN_APPLICATION_TEMPLATES = (
    "sms.application_submitted",
    "sms.materials_requested",
    "sms.task_rejected",
    "sms.application_completed",
    "sms.application_partially_completed",
    "sms.application_rejected",
    "sms.deadline_extended",
)
VALUES: dict[str, Any] = {
    "number": "1000004183",
    "code": "483920",
    "item": "出生户口登记",
    "bundle": "新生儿出生一件事",
    "reason": "缺少户口簿本人页",
    "due": "12-31",
    "unit": "永安里社区",
    "count": "2",
    "latest": "出生户口登记：已办结",
    "name": "李娜",
    "themes": "社保、医保",
    "phone": "12345",
    "subject": "停水通知",
    "detail": "12月3日9时至17时永安里小区停水，请提前储水。",
}
ELDER = SimpleNamespace(
    id=1,
    phone="+8613800138003",
    language="zh_Hans",
    elder_mode=True,
    channel_preference="push",
)
SMS_ONLY = SimpleNamespace(**{**vars(ELDER), "elder_mode": False, "channel_preference": "sms"})


@pytest.mark.parametrize("contact", [ELDER, SMS_ONLY], ids=["elder", "sms_only"])
def test_no_sms_a_plain_reader_gets_carries_a_link(contact: SimpleNamespace) -> None:
    for template, language in itertools.product(sms_templates(), LANGUAGES):
        if template.startswith(PLAIN_PREFIX):
            continue
        chosen, params = choose(contact, template, VALUES, "+861085990201")
        text = translate(chosen, language, **{**VALUES, **params})
        assert not URL.search(text), (template, language, text)
        if chosen != template:
            assert not APP_WORDS.search(text), (template, language, text)


def test_plain_variants_carry_the_number_and_a_phone_to_call() -> None:
    for template in CITIZEN_APPLICATION_TEMPLATES:
        chosen, params = choose(ELDER, template, VALUES, "+861085990201")
        assert chosen == plain_template(template)
        assert params["phone"] == "010 8599 0201"
        for language in LANGUAGES:
            text = translate(chosen, language, **{**VALUES, **params})
            assert VALUES["number"] in text and "010 8599 0201" in text, (language, text)
    # others get the usual text
    normal = SimpleNamespace(**{**vars(ELDER), "elder_mode": False})
    assert choose(normal, "sms.application_submitted", VALUES, "12345")[0] == (
        "sms.application_submitted"
    )


def test_the_hotline_is_shown_as_dialled() -> None:
    assert display_phone("12345") == "12345"
    assert display_phone("+861085990201") == "010 8599 0201"
    assert display_phone("+8613800138003") == "138 0013 8003"


def test_agent_notices_end_with_reply_0_to_stop() -> None:
    endings = {"zh_Hans": "回复0停止代办。", "zh_Hant": "回覆0停止代辦。", "en": "Reply 0 to stop."}
    for template in ("sms.agent_applied", "sms.agent_supplied", "sms.agent_viewed"):
        for language in LANGUAGES:
            text = translate(template, language, **VALUES)
            assert text.endswith(endings[language]), (template, language, text)
