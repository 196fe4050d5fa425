"""Case numbers a citizen can read out or type on a keypad phone.

Digits only: kind prefix + serial (zero-padded to 7 digits) + one Damm check digit. Damm catches
every single-digit substitution and every adjacent transposition, so a mistyped number is
rejected instead of silently pointing at someone else's case.
"""

from __future__ import annotations

from doorstep.domain.errors import InvalidInput

APPLICATION_PREFIX = "10"
TICKET_PREFIX = "20"

MIN_LENGTH = 9
MAX_LENGTH = 16
_SERIAL_WIDTH = 7
_DIGITS = frozenset("0123456789")

# The order-10 totally anti-symmetric quasigroup from Damm (2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# What people type around digits: spaces and dashes, half- or full-width (Chinese IMEs).
_SEPARATORS = frozenset(" \t\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _is_ascii_digits(s: str) -> bool:
    # str.isdigit() also accepts "²" and Arabic-Indic digits; only 0-9 is a case number.
    return bool(s) and _DIGITS.issuperset(s)


def _damm_interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def damm_check_digit(digits: str) -> str:
    """The Damm check digit for a non-empty string of ASCII digits."""
    if not _is_ascii_digits(digits):
        raise ValueError("case_number.format")
    return str(_damm_interim(digits))


def make_case_number(prefix: str, serial: int) -> str:
    """`prefix` + serial zero-padded to 7 digits + check digit, e.g. ("10", 123) -> "1000001237".

    The prefix may not start with 0: a leading zero does not change a Damm check digit, so
    forbidding it lets `is_valid_case_number` reject a stray zero typed in front.
    """
    if not _is_ascii_digits(prefix) or prefix[0] == "0":
        raise ValueError("prefix must be digits not starting with 0")
    if serial < 0:
        raise ValueError("serial must be >= 0")
    body = f"{prefix}{serial:0{_SERIAL_WIDTH}d}"
    if len(body) + 1 > MAX_LENGTH:
        raise ValueError("case number would be longer than 16 digits")
    return body + damm_check_digit(body)


def is_valid_case_number(s: str) -> bool:
    """All ASCII digits, 9..16 long, no leading zero, check digit correct."""
    return (
        MIN_LENGTH <= len(s) <= MAX_LENGTH
        and _is_ascii_digits(s)
        and s[0] != "0"
        and _damm_interim(s) == 0
    )


def normalize_case_number(s: str) -> str:
    """Canonical form of what a user typed ("1000-0012 37" -> "1000001237").

    Strips spaces and dashes and maps full-width digits; raises ValueError("case_number.format")
    for any other character or a wrong length and ValueError("case_number.checksum") for a
    number whose check digit does not match.
    """
    cleaned = "".join(ch for ch in s.translate(_FULLWIDTH_DIGITS) if ch not in _SEPARATORS)
    if not _is_ascii_digits(cleaned) or not MIN_LENGTH <= len(cleaned) <= MAX_LENGTH:
        raise ValueError("case_number.format")
    if cleaned[0] == "0" or _damm_interim(cleaned) != 0:
        raise ValueError("case_number.checksum")
    return cleaned


def parse_case_number(raw: str, prefix: str, invalid: str) -> str:
    """What a user typed as the canonical number of a case of one kind (its prefix);
    InvalidInput(invalid) for a mistyped number or another kind's."""
    try:
        number = normalize_case_number(raw)
    except ValueError:
        raise InvalidInput(invalid) from None
    if not number.startswith(prefix):
        raise InvalidInput(invalid)
    return number


def case_kind(number: str) -> str | None:
    """Kind by prefix: "application", "ticket", or None (the number is not validated here)."""
    if number.startswith(APPLICATION_PREFIX):
        return "application"
    if number.startswith(TICKET_PREFIX):
        return "ticket"
    return None
