"""Whole and decimal numbers as text: ASCII digits or nothing, within a bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.numbers import INT64, MAX_DIGITS, decimal_number, whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("7", 7), ("-3", -3), ("-0", 0), ("007", 7), ("9" * MAX_DIGITS, int("9" * 19))],
)
def test_whole_numbers(text: str, number: int) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "--5",
        "+5",
        " 7",
        "7 ",
        "7\n",
        "1_000",
        "1.0",
        "1e3",
        "0x1f",
        "¹",
        "٣",
        "٣٠",
        "\uff13\uff10",  # fullwidth 30
        "9" * (MAX_DIGITS + 1),
        "9" * 5000,
    ],
)
def test_what_is_not_a_whole_number(text: str) -> None:
    assert whole_number(text) is None


@given(st.integers(min_value=INT64.start, max_value=INT64.stop - 1))
def test_every_64_bit_integer_reads_back(number: int) -> None:
    assert whole_number(str(number)) == number


@given(st.text())
def test_whole_numbers_are_exactly_ascii_digits_after_an_optional_minus(text: str) -> None:
    digits = text.removeprefix("-")
    plain = 0 < len(digits) <= MAX_DIGITS and all(c in "0123456789" for c in digits)
    assert (whole_number(text) is not None) == plain


@pytest.mark.parametrize(
    ("text", "number"), [("1.5", 1.5), ("-.5", -0.5), ("2e3", 2000.0), ("7", 7.0), ("1.", 1.0)]
)
def test_decimal_numbers(text: str, number: float) -> None:
    assert decimal_number(text) == number


@pytest.mark.parametrize(
    "text", ["", ".", "nan", "inf", "-Infinity", "1e400", "+1", " 1", "1_0", "٣", "1e", "0x1p3"]
)
def test_what_is_not_a_decimal_number(text: str) -> None:
    assert decimal_number(text) is None
