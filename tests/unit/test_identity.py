"""Resident IDs (GB 11643-1999) and phone numbers."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.domain.identity import (
    birth_date_from_resident_id,
    is_mobile_phone,
    make_resident_id,
    mask_phone,
    mask_resident_id,
    normalize_phone,
    validate_resident_id,
)

# The worked example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"
TODAY = date(2025, 6, 1)


def reference_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 written out independently of the module under test."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=True))
    return "10X98765432"[total % 11]


def with_check(body17: str) -> str:
    return body17 + reference_check_char(body17)


def test_standard_example_is_valid() -> None:
    assert validate_resident_id(STANDARD_EXAMPLE, today=TODAY) == STANDARD_EXAMPLE
    assert birth_date_from_resident_id(STANDARD_EXAMPLE, today=TODAY) == date(1949, 12, 31)


def test_lowercase_x_and_whitespace_are_normalised() -> None:
    assert validate_resident_id(" 11010519491231002x ", today=TODAY) == STANDARD_EXAMPLE


def test_default_today_accepts_a_past_birth_date() -> None:
    assert validate_resident_id(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_make_resident_id_round_trips() -> None:
    made = make_resident_id("440305", date(1990, 3, 7), "123")
    assert made[:17] == "44030519900307123"
    assert made[17] == reference_check_char(made[:17])
    assert validate_resident_id(made, today=TODAY) == made
    assert birth_date_from_resident_id(made, today=TODAY) == date(1990, 3, 7)
    with pytest.raises(ValueError, match=r"resident_id\.format"):
        make_resident_id("4403", date(1990, 3, 7), "123")


def test_every_wrong_check_char_is_rejected() -> None:
    for ch in "0123456789X":
        candidate = STANDARD_EXAMPLE[:17] + ch
        if candidate != STANDARD_EXAMPLE:
            with pytest.raises(ValueError, match=r"resident_id\.checksum"):
                validate_resident_id(candidate, today=TODAY)


def test_single_digit_typo_is_rejected() -> None:
    typo = "11010619491231002X"
    with pytest.raises(ValueError, match=r"resident_id\.checksum"):
        validate_resident_id(typo, today=TODAY)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002XX",
        "1101051949123100X2",  # X only allowed last
        "11010519491231002Y",
        "1101051949１231002X",  # full-width digit
        "11010519491231 02X",
        "110105194912310",  # old 15-digit IDs are not accepted
    ],
)
def test_format_errors(value: str) -> None:
    with pytest.raises(ValueError, match=r"resident_id\.format"):
        validate_resident_id(value, today=TODAY)


@pytest.mark.parametrize(
    "birth",
    [
        "19900230",  # no 30 February
        "19901301",  # no month 13
        "19900000",
        "18991231",  # before 1900
        "20250602",  # after TODAY
    ],
)
def test_birth_date_errors(birth: str) -> None:
    value = with_check("110105" + birth + "123")
    with pytest.raises(ValueError, match=r"resident_id\.birth_date"):
        validate_resident_id(value, today=TODAY)


def test_birth_date_on_the_edges() -> None:
    assert validate_resident_id(with_check("11010519000101123"), today=TODAY)
    assert validate_resident_id(with_check("11010520250601123"), today=TODAY)


def test_mask_resident_id() -> None:
    assert mask_resident_id(STANDARD_EXAMPLE) == "110***********002X"
    assert mask_resident_id("11010519491231002x") == "110***********002X"
    with pytest.raises(ValueError):
        mask_resident_id("1101051949")


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "+86 138 0013 8000",
        "+8613800138000",
        "138-0013-8000",
        "(+86) 138 0013 8000",
        "008613800138000",
        "１３８００１３８０００",
    ],
)
def test_normalize_phone_forms(typed: str) -> None:
    assert normalize_phone(typed) == "+8613800138000"


def test_normalize_foreign_and_landline() -> None:
    assert normalize_phone("+1 650 253 0000") == "+16502530000"
    assert normalize_phone("010 6552 9988") == "+861065529988"


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "12345", "138001380001", "1380013800", "10086", "+86 13800138000 ext 12"],
)
def test_normalize_phone_rejects(typed: str) -> None:
    with pytest.raises(ValueError, match=r"phone\.invalid"):
        normalize_phone(typed)


def test_is_mobile_phone() -> None:
    assert is_mobile_phone("+8613800138000")
    assert not is_mobile_phone("+861065529988")
    assert not is_mobile_phone("garbage")


def test_mask_phone() -> None:
    assert mask_phone("+8613800138000") == "+86 138****8000"
    assert mask_phone("+16502530000") == "+1 650***0000"
    with pytest.raises(ValueError, match=r"phone\.invalid"):
        mask_phone("nonsense")
