"""SMS replies as keypad phones send them."""

from __future__ import annotations

import pytest

from doorstep.domain.case_numbers import APPLICATION_PREFIX, TICKET_PREFIX, make_case_number
from doorstep.domain.sms_reply import (
    CategoryWords,
    Guess,
    ReplyKind,
    guess_category,
    parse,
    parse_rating,
)

NUMBER = make_case_number(APPLICATION_PREFIX, 123)


@pytest.mark.parametrize(
    "text",
    [
        NUMBER,
        f" {NUMBER} ",
        NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{NUMBER[:4]} {NUMBER[4:7]} {NUMBER[7:]}",
        f"{NUMBER[:4]}-{NUMBER[4:]}",
        f"{NUMBER}。",
        NUMBER.translate(str.maketrans("0123456789", "〇一二三四五六七八九")),
        NUMBER.translate(str.maketrans("0123456789", "零一二三四五六七八九")),
    ],
)
def test_application_numbers(text: str) -> None:
    assert parse(text).kind is ReplyKind.APPLICATION
    assert parse(text).number == NUMBER


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("进度", ReplyKind.STATUS),
        ("CX", ReplyKind.STATUS),
        ("ｃｘ", ReplyKind.STATUS),
        (" 查询！", ReplyKind.STATUS),
        ("進度", ReplyKind.STATUS),
        ("TD", ReplyKind.UNSUBSCRIBE),
        ("退订", ReplyKind.UNSUBSCRIBE),
        ("ｔｄ", ReplyKind.UNSUBSCRIBE),
        ("td。", ReplyKind.UNSUBSCRIBE),
        ("你好", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
        ("1", ReplyKind.OTHER),
        # a mistyped number is said to be wrong, never matched to another
        (NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10), ReplyKind.BAD_NUMBER),
        ("12345678901234567890", ReplyKind.BAD_NUMBER),
        ("1234567", ReplyKind.OTHER),  # too short to be meant as one
        ("²³", ReplyKind.OTHER),
        ("谢谢", ReplyKind.OTHER),
        ("ok!!", ReplyKind.OTHER),
        # words enough to describe a problem: a ticket
        ("楼下路灯坏了好几天", ReplyKind.FREE_TEXT),
        ("street light broken", ReplyKind.FREE_TEXT),
        (make_case_number(TICKET_PREFIX, 12), ReplyKind.TICKET),
    ],
)
def test_other_replies(text: str, kind: ReplyKind) -> None:
    assert parse(text).kind is kind


def test_a_question_code_names_its_kind_and_subject() -> None:
    from doorstep.domain.sms_reply import Question, QuestionKind, question_code, question_of

    code = question_code(QuestionKind.CONFIRMATION, 123_457)
    assert code == "23457"
    assert question_of(code) == Question(QuestionKind.CONFIRMATION, 3457)
    # Aliyun puts the sign's own extension before ours
    assert question_of("10690" + code) == Question(QuestionKind.CONFIRMATION, 3457)
    assert question_of(" 1069" + question_code(QuestionKind.TICKET_FOLLOW_UP, 7) + " ") == Question(
        QuestionKind.TICKET_FOLLOW_UP, 7
    )
    question = question_of(question_code(QuestionKind.DELEGATION_REQUEST, 10_042))
    assert question is not None
    assert question.asks_about(QuestionKind.DELEGATION_REQUEST, 42)
    assert question.asks_about(QuestionKind.DELEGATION_REQUEST, 20_042)
    assert not question.asks_about(QuestionKind.DELEGATION_REQUEST, 43)
    assert not question.asks_about(QuestionKind.CONFIRMATION, 42)


def test_what_is_no_question_code() -> None:
    from doorstep.domain.sms_reply import question_of

    for dest_code in (None, "", "1234", "90999", "00001", "１２３４５", "12a45", "-1234"):
        assert question_of(dest_code) is None, dest_code


def test_a_rating_is_one_digit_in_any_form() -> None:
    assert [parse_rating(t) for t in ("5", "５", "五", " 1。", "0", "9")] == [5, 5, 5, 1, 0, 9]
    assert [parse_rating(t) for t in ("12", "好", "", "5分")] == [None, None, None, None]


WORDS = [
    CategoryWords("heating", ("暖气", "供暖")),
    CategoryWords("streetlight", ("路灯", "灯杆")),
    CategoryWords("noise", ("噪音", "吵")),
    CategoryWords("other", ()),
]


@pytest.mark.parametrize(
    ("text", "category", "strong"),
    [
        ("家里暖气不热，已经三天了", "heating", True),
        ("楼下路灯坏了，灯杆也歪了", "streetlight", True),
        ("ＳＴＲＥＥＴ路灯不亮", "streetlight", True),
        # words of two categories: the one with more, but a person checks it
        ("晚上施工太吵，噪音大，路灯也不亮", "noise", False),
        # no keyword at all: nothing guessed (the caller files it under "other" for review)
        ("小区门口有个大坑", None, False),
    ],
)
def test_a_category_is_guessed_from_the_catalogs_keywords(
    text: str, category: str | None, strong: bool
) -> None:
    assert guess_category(text, WORDS) == Guess(category, strong)
