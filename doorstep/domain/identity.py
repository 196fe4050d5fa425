"""Resident ID numbers (GB 11643-1999) and phone numbers (E.164): validate, normalise, mask.

Errors are ValueError whose single argument is a stable reason key for the i18n catalogs.
"""

from __future__ import annotations

from datetime import date

import phonenumbers

from doorstep.domain.calendar import today_local

RESIDENT_ID_FORMAT = "resident_id.format"
RESIDENT_ID_CHECKSUM = "resident_id.checksum"
RESIDENT_ID_BIRTH_DATE = "resident_id.birth_date"
PHONE_INVALID = "phone.invalid"

_DIGITS = frozenset("0123456789")
# ISO 7064 MOD 11-2: weight of position i (1-based from the left) is 2^(18-i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11
_EARLIEST_BIRTH = date(1900, 1, 1)


def _resident_id_check_char(body17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(body17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_resident_id(s: str, *, today: date | None = None) -> str:
    """The canonical 18-character ID (check char upper-cased) or ValueError(reason key).

    Checked in the order format, checksum, birth date: a mistyped birth digit almost always
    breaks the checksum first, and "checksum" is the more useful hint for a typo.
    The region code is not checked against GB/T 2260: codes change over time and the foreigners'
    permanent residence ID (2023, leading 9) uses the same format and checksum.
    `today` defaults to the current Asia/Shanghai date.
    """
    value = s.strip().upper()
    if len(value) != 18 or not _DIGITS.issuperset(value[:17]) or value[17] not in _CHECK_CHARS:
        raise ValueError(RESIDENT_ID_FORMAT)
    if _resident_id_check_char(value[:17]) != value[17]:
        raise ValueError(RESIDENT_ID_CHECKSUM)
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError(RESIDENT_ID_BIRTH_DATE) from None
    if today is None:
        today = today_local()
    if not _EARLIEST_BIRTH <= birth <= today:
        raise ValueError(RESIDENT_ID_BIRTH_DATE)
    return value


def birth_date_from_resident_id(s: str, *, today: date | None = None) -> date:
    """Birth date embedded in a resident ID; validates the whole ID first."""
    value = validate_resident_id(s, today=today)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask_resident_id(s: str) -> str:
    """First 3 and last 4 characters kept: "110***********123X"."""
    value = s.strip().upper()
    if len(value) != 18:
        # Refuse rather than guess: masking a malformed value could leak most of it.
        raise ValueError(RESIDENT_ID_FORMAT)
    return value[:3] + "*" * 11 + value[-4:]


def make_resident_id(region: str, birth: date, seq: str) -> str:
    """A well-formed ID for tests and seed data: 6-digit region, birth date, 3-digit sequence."""
    body = f"{region}{birth:%Y%m%d}{seq}"
    if len(region) != 6 or len(seq) != 3 or not _DIGITS.issuperset(body):
        raise ValueError(RESIDENT_ID_FORMAT)
    return body + _resident_id_check_char(body)


def normalize_phone(s: str, default_region: str = "CN") -> str:
    """E.164 form ("+8613800138000") of a number typed in national or international form.

    Rejects, with ValueError("phone.invalid"), anything phonenumbers does not consider a valid
    number, and numbers with an extension (E.164 cannot carry one and SMS cannot reach one).
    """
    try:
        number = phonenumbers.parse(s, default_region)
    except phonenumbers.NumberParseException:
        raise ValueError(PHONE_INVALID) from None
    if number.extension or not phonenumbers.is_valid_number(number):
        raise ValueError(PHONE_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile_phone(e164: str) -> bool:
    """Whether the number can receive SMS as far as the numbering plan tells (mobile ranges)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mask_phone(e164: str) -> str:
    """Country code kept, middle of the national number hidden: "+86 138****8000"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise ValueError(PHONE_INVALID) from None
    national = phonenumbers.national_significant_number(number)
    if len(national) >= 8:
        shown = national[:3] + "*" * (len(national) - 7) + national[-4:]
    else:
        # Short numbers: keep only the last 2 so that most digits stay hidden.
        shown = "*" * max(len(national) - 2, 1) + national[-2:]
    return f"+{number.country_code} {shown}"


def may_receive_login_code(e164: str, regions: tuple[str, ...]) -> bool:
    """A log-in code goes only to a mobile number of an allowed region (SMS pumping: premium,
    satellite and landline numbers, or far-away countries, cost money and log nobody in)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    region = phonenumbers.region_code_for_number(number)
    return bool(region) and region in regions and is_mobile_phone(e164)
