"""What a citizen's SMS reply asks for (pure): an application number, "进度"/"CX" for the latest
status, "TD"/"退订" to stop non-essential SMS. Answers to questions ("1"/"2", "Y"/"N", "0")
belong to the areas that asked them and are tried before these.

Keypad phones and Chinese IMEs send full-width characters, spaces and Chinese numerals: all are
accepted ("１０００ ００１ ２３７", "一〇〇〇〇〇一二三七").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

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
