"""What a citizen's SMS reply asks for (pure): an application number, "进度"/"CX" for the latest
status, "TD"/"退订" to stop non-essential SMS. Answers to questions ("1"/"2", "Y"/"N", "0")
belong to the areas that asked them and are tried before these.

Keypad phones and Chinese IMEs send full-width characters, spaces and Chinese numerals: all are
accepted ("１０００ ００１ ２３７", "一〇〇〇〇〇一二三七").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from doorstep.domain.case_numbers import is_valid_case_number

_NUMERALS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_PUNCTUATION = "。.!！?？,，、;；:：\"'“”‘’()（）[]【】"
UNSUBSCRIBE_WORDS = frozenset({"td", "退订", "退定", "t", "n td", "unsubscribe", "stop"})
STATUS_WORDS = frozenset({"cx", "进度", "查询", "查进度", "進度", "查詢", "status"})


class ReplyKind(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    STATUS = "status"
    APPLICATION = "application"
    OTHER = "other"


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
    digits = "".join(cleaned.translate(_NUMERALS).replace("-", " ").split())
    if digits.isascii() and digits.isdigit() and is_valid_case_number(digits):
        return Reply(ReplyKind.APPLICATION, digits)
    return Reply(ReplyKind.OTHER)


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


@dataclass(frozen=True)
class Question:
    kind: QuestionKind
    residue: int

    def asks_about(self, kind: QuestionKind, subject_id: int) -> bool:
        return kind is self.kind and subject_id % SUBJECT_MODULUS == self.residue


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
