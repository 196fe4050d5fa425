"""Case numbers: format, Damm check digit, and rejection of the typos people actually make."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.case_numbers import (
    APPLICATION_PREFIX,
    TICKET_PREFIX,
    case_kind,
    damm_check_digit,
    is_valid_case_number,
    make_case_number,
    normalize_case_number,
)

numbers = st.builds(
    make_case_number,
    st.sampled_from([APPLICATION_PREFIX, TICKET_PREFIX, "3", "4567"]),
    st.integers(min_value=0, max_value=10**9),
)


def test_known_values() -> None:
    # Reference vector from the Damm algorithm literature.
    assert damm_check_digit("572") == "4"
    assert make_case_number(APPLICATION_PREFIX, 123) == "1000001237"
    assert make_case_number(TICKET_PREFIX, 1) == "2000000016"
    assert len(make_case_number(APPLICATION_PREFIX, 9_999_999)) == 10
    assert len(make_case_number(APPLICATION_PREFIX, 12_345_678)) == 11


def test_make_refuses_bad_input() -> None:
    for prefix in ("", "1a", "01", "１０"):
        with pytest.raises(ValueError):
            make_case_number(prefix, 1)
    with pytest.raises(ValueError):
        make_case_number(APPLICATION_PREFIX, -1)
    with pytest.raises(ValueError):
        make_case_number("123456789", 1)  # 9 + 7 + 1 = 17 digits
    assert len(make_case_number("12345678", 1)) == 16


def test_is_valid_rejects_wrong_shapes() -> None:
    good = make_case_number(APPLICATION_PREFIX, 123)
    assert is_valid_case_number(good)
    assert not is_valid_case_number("")
    assert not is_valid_case_number(good + " ")
    assert not is_valid_case_number("0" + good)  # a leading zero keeps the Damm digit
    assert not is_valid_case_number("٠" * 10)  # Arabic-Indic digits are not digits here
    short = "1" + "0" * 6
    assert not is_valid_case_number(short + damm_check_digit(short))  # 8 digits
    long = "1" * 16
    assert not is_valid_case_number(long + damm_check_digit(long))  # 17 digits


@given(numbers)
def test_made_numbers_are_valid(number: str) -> None:
    assert is_valid_case_number(number)
    assert normalize_case_number(number) == number


@given(numbers)
def test_every_single_digit_substitution_is_rejected(number: str) -> None:
    for i, original in enumerate(number):
        for digit in "0123456789":
            if digit != original:
                typo = number[:i] + digit + number[i + 1 :]
                assert not is_valid_case_number(typo), typo


@given(numbers)
def test_every_adjacent_transposition_is_rejected(number: str) -> None:
    for i in range(len(number) - 1):
        a, b = number[i], number[i + 1]
        if a != b:
            typo = number[:i] + b + a + number[i + 2 :]
            assert not is_valid_case_number(typo), typo


@given(numbers, st.lists(st.sampled_from([" ", "-", "　", "－"]), min_size=1, max_size=4))
def test_normalize_strips_separators(number: str, seps: list[str]) -> None:
    typed = number
    for k, sep in enumerate(seps):
        pos = (k * 3 + 1) % len(typed)
        typed = typed[:pos] + sep + typed[pos:]
    assert normalize_case_number(typed) == number


def test_normalize_examples() -> None:
    assert normalize_case_number("1000-0012 37") == "1000001237"
    assert normalize_case_number(" 1000 001 237 ") == "1000001237"
    assert normalize_case_number("１０００００１２３７") == "1000001237"  # full-width IME digits


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1000001238", "case_number.checksum"),
        ("1000010237", "case_number.checksum"),
        ("01000001237", "case_number.checksum"),
        ("1000001237a", "case_number.format"),
        ("1000.001.237", "case_number.format"),
        ("10000", "case_number.format"),
        ("", "case_number.format"),
        ("- -", "case_number.format"),
    ],
)
def test_normalize_rejects(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        normalize_case_number(typed)


def test_case_kind() -> None:
    assert case_kind(make_case_number(APPLICATION_PREFIX, 5)) == "application"
    assert case_kind(make_case_number(TICKET_PREFIX, 5)) == "ticket"
    assert case_kind("3000000000") is None
