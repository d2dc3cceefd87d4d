"""The one reader of typed numbers: ASCII digits only, within a column's range."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizapp.domain.numbers import INT_MAX, parse_decimal, parse_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 42 ", 42), ("0", 0), (str(INT_MAX), INT_MAX), ("-3", None), ("", None)],
)
def test_parse_int_reads_ascii_whole_numbers_within_bounds(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["²", "1²", "٣", "１", str(2**31), str(2**63), "9" * 5000, "x" * 100_000, "1.5", "\x00", "+1"],
)
def test_parse_int_refuses_what_isdigit_or_int_would_let_through(raw):
    assert parse_int(raw) is None


def test_parse_int_refuses_other_types_and_honours_bounds():
    assert parse_int(None) is None and parse_int(["1"]) is None and parse_int(3) is None
    assert parse_int("-3", minimum=-5) == -3
    assert parse_int("366", maximum=365) is None and parse_int("0", minimum=1) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.5", Decimal("1.5")),
        ("1,5", Decimal("1.5")),
        (" 2 ", Decimal(2)),
        ("0.25", Decimal("0.25")),
    ],
)
def test_parse_decimal_reads_a_point_or_a_comma(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    "raw", ["nan", "inf", "1e309", "-1", "²", "1.5.5", "x" * 100_000, None, ["1"]]
)
def test_parse_decimal_refuses_non_numbers(raw):
    assert parse_decimal(raw) is None
