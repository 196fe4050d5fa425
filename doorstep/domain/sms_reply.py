"""What a citizen's SMS reply asks for (pure): an application or ticket number, "进度"/"CX" for
the latest status, "TD"/"退订" to stop non-essential SMS, or free text describing a problem (a
ticket). Answers to questions ("1"/"2", "Y"/"N", "0", a rating 1-5, "1" to apply) belong to the
areas that asked them and are tried before these.

Keypad phones and Chinese IMEs send full-width characters, spaces and Chinese numerals: all are
accepted ("１０００ ００１ ２３７", "一〇〇〇〇〇一二三七").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol, TypeVar

from doorstep.domain.case_numbers import TICKET_PREFIX, is_valid_case_number

_NUMERALS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_PUNCTUATION = "。.!！?？,，、;；:：\"'“”‘’()（）[]【】"
UNSUBSCRIBE_WORDS = frozenset({"td", "退订", "退定", "t", "n td", "unsubscribe", "stop"})
STATUS_WORDS = frozenset({"cx", "进度", "查询", "查进度", "進度", "查詢", "status"})
# 陪同办 by SMS: the next free slot is offered ("reply 1 to book")
ESCORT_WORDS = frozenset({"陪同", "陪同办", "陪同辦", "pt", "escort"})


class ReplyKind(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    STATUS = "status"
    ESCORT = "escort"
    APPLICATION = "application"
    TICKET = "ticket"
    # digits that look like a number but fail its check digit: rejected, never matched
    BAD_NUMBER = "bad_number"
    # words enough to describe a problem: filed as a ticket
    FREE_TEXT = "free_text"
    OTHER = "other"


# a case number is 10 digits; fewer than 8 digits are no attempt at one ("1", "2", "12")
_NUMBER_ATTEMPT_DIGITS = 8
# a problem needs a few words: "你好", "?" and "ok" are no ticket
MIN_FREE_TEXT_CHARS = 6


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    number: str | None = None


def normalize(text: str) -> str:
    """Half-width, lower case, no surrounding punctuation, inner spaces collapsed."""
    cleaned = unicodedata.normalize("NFKC", text).casefold()
    cleaned = " ".join(cleaned.split()).strip(_PUNCTUATION + " ")
    return cleaned


def parse(text: str) -> Reply:
    cleaned = normalize(text)
    if cleaned in UNSUBSCRIBE_WORDS:
        return Reply(ReplyKind.UNSUBSCRIBE)
    if cleaned in STATUS_WORDS:
        return Reply(ReplyKind.STATUS)
    if cleaned in ESCORT_WORDS:
        return Reply(ReplyKind.ESCORT)
    digits = "".join(cleaned.translate(_NUMERALS).replace("-", " ").split())
    if digits.isascii() and digits.isdigit():
        if is_valid_case_number(digits):
            kind = ReplyKind.TICKET if digits.startswith(TICKET_PREFIX) else ReplyKind.APPLICATION
            return Reply(kind, digits)
        if len(digits) >= _NUMBER_ATTEMPT_DIGITS:
            return Reply(ReplyKind.BAD_NUMBER)
        return Reply(ReplyKind.OTHER)
    words = [ch for ch in cleaned if ch.isalpha()]
    if len(words) >= MIN_FREE_TEXT_CHARS:
        return Reply(ReplyKind.FREE_TEXT)
    return Reply(ReplyKind.OTHER)


def parse_rating(text: str) -> int | None:
    """A one-digit answer to a rating question ("5", "５", "五"), whatever its value; None
    when the text is no single digit (then it is not meant as a rating)."""
    digits = normalize(text).translate(_NUMERALS)
    return int(digits) if len(digits) == 1 and digits.isascii() and digits.isdigit() else None


# --- guessing a ticket's category from an SMS ---------------------------------------------------


@dataclass(frozen=True)
class CategoryWords:
    code: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Guess:
    category: str | None  # None: no keyword matched
    # strong: one category alone matched; weak (none, or several): a person checks it
    strong: bool


def guess_category(text: str, categories: list[CategoryWords]) -> Guess:
    """The category whose keywords the text uses most (catalog order breaks ties)."""
    cleaned = normalize(text)
    hits = [
        (sum(1 for k in c.keywords if k and normalize(k) in cleaned), -i, c.code)
        for i, c in enumerate(categories)
    ]
    matched = [h for h in hits if h[0] > 0]
    if not matched:
        return Guess(None, strong=False)
    best = max(matched)
    return Guess(best[2], strong=len(matched) == 1)


# --- which question a reply answers (the SMS up-link extend code) -------------------------------
#
# An SMS that asks something carries an extend code (Aliyun `SmsUpExtendCode`): one digit for the
# kind of question, four for its subject (the row id modulo 10,000). The reply comes back with
# the number it was sent to (`dest_code`), whose last five digits are that code; the sign's own
# extension, when Aliyun adds one, comes before it. Four digits cannot tell apart two questions
# of one kind whose ids are 10,000 apart, so a code only narrows the questions in flight for
# the replying number: when none of them matches, the reply goes to the newest question as if
# it came without a code.

EXTEND_CODE_DIGITS = 5
SUBJECT_MODULUS = 10_000


class QuestionKind(IntEnum):
    DELEGATION_REQUEST = 1
    CONFIRMATION = 2
    TICKET_FOLLOW_UP = 3
    # "rate it 1-5" after a ticket closed
    TICKET_RATING = 4
    # "reply 1 to apply" in an offer
    OFFER = 5
    # "rate it 1-5" after an application completed (answered by the applications' ratings)
    APPLICATION_RATING = 6
    # 陪同办's day-before reminder: 1 confirm, 2 cancel, 3 move to the next free slot
    ESCORT = 7
    # 陪同办 by SMS: "reply 1 to book" the slot offered
    ESCORT_OFFER = 8


@dataclass(frozen=True)
class Question:
    kind: QuestionKind
    residue: int

    def asks_about(self, kind: QuestionKind, subject_id: int) -> bool:
        return kind is self.kind and subject_id % SUBJECT_MODULUS == self.residue


class Subject(Protocol):
    """What a question can ask about: anything with an id (a request, a ticket, an offer)."""

    @property
    def id(self) -> int: ...


S = TypeVar("S", bound=Subject)


def named_by(
    question: Question | None, rows: Iterable[S], kind: QuestionKind | None = None
) -> list[S]:
    """The rows a reply's question names (by the extend code of the SMS it answers), when it
    asks about `kind` (None: its own kind); none without a question."""
    if question is None:
        return []
    return [r for r in rows if question.asks_about(kind or question.kind, r.id)]


def question_code(kind: QuestionKind, subject_id: int) -> str:
    return f"{kind.value}{subject_id % SUBJECT_MODULUS:04d}"


def question_of(dest_code: str | None) -> Question | None:
    """The question a reply's `dest_code` names, or None (no code, or not one of ours)."""
    digits = (dest_code or "").strip()
    if len(digits) < EXTEND_CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    tail = digits[-EXTEND_CODE_DIGITS:]
    try:
        kind = QuestionKind(int(tail[0]))
    except ValueError:
        return None
    return Question(kind, int(tail[1:]))
