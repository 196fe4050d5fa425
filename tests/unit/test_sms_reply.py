"""SMS replies as keypad phones send them."""

from __future__ import annotations

import pytest

from doorstep.domain.case_numbers import APPLICATION_PREFIX, make_case_number
from doorstep.domain.sms_reply import ReplyKind, parse

NUMBER = make_case_number(APPLICATION_PREFIX, 123)


@pytest.mark.parametrize("text", [
    NUMBER, f" {NUMBER} ", NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    f"{NUMBER[:4]} {NUMBER[4:7]} {NUMBER[7:]}", f"{NUMBER[:4]}-{NUMBER[4:]}", f"{NUMBER}。",
    NUMBER.translate(str.maketrans("0123456789", "〇一二三四五六七八九")),
    NUMBER.translate(str.maketrans("0123456789", "零一二三四五六七八九")),
])
def test_application_numbers(text: str) -> None:
    assert parse(text).kind is ReplyKind.APPLICATION
    assert parse(text).number == NUMBER


@pytest.mark.parametrize(("text", "kind"), [
    ("进度", ReplyKind.STATUS), ("CX", ReplyKind.STATUS), ("ｃｘ", ReplyKind.STATUS),
    (" 查询！", ReplyKind.STATUS), ("進度", ReplyKind.STATUS),
    ("TD", ReplyKind.UNSUBSCRIBE), ("退订", ReplyKind.UNSUBSCRIBE), ("ｔｄ", ReplyKind.UNSUBSCRIBE),
    ("td。", ReplyKind.UNSUBSCRIBE),
    ("你好", ReplyKind.OTHER), ("", ReplyKind.OTHER), ("1", ReplyKind.OTHER),
    (NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10), ReplyKind.OTHER),  # a mistyped number
    ("12345678901234567890", ReplyKind.OTHER), ("²³", ReplyKind.OTHER),
])
def test_other_replies(text: str, kind: ReplyKind) -> None:
    assert parse(text).kind is kind
