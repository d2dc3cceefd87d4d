"""The typed-number readers on both sides of every bound (issue 23: numbers.py)."""

from __future__ import annotations

from decimal import Decimal

from quizapp.domain.numbers import INT_MAX, parse_decimal, parse_int


def test_int_max_is_postgresqls_integer_column():
    assert INT_MAX == 2_147_483_647


def test_parse_int_default_bounds_are_0_and_int_max_inclusive():
    assert parse_int("0") == 0 and parse_int("-1") is None
    assert parse_int("2147483647") == 2_147_483_647 and parse_int("2147483648") is None


def test_parse_int_given_bounds_are_inclusive_on_both_sides():
    assert parse_int("5", minimum=5) == 5 and parse_int("4", minimum=5) is None
    assert parse_int("9", maximum=9) == 9 and parse_int("10", maximum=9) is None
    assert parse_int(" -7 ", minimum=-7, maximum=-7) == -7


def test_parse_decimal_default_bounds_are_0_and_a_billion_inclusive():
    assert parse_decimal("0") == Decimal(0)
    assert parse_decimal("1000000000") == Decimal(10**9)
    assert parse_decimal("1000000000.000001") is None


def test_parse_decimal_given_bounds_are_inclusive_on_both_sides():
    low, high = Decimal("0.5"), Decimal("2.5")
    assert parse_decimal("0,5", minimum=low, maximum=high) == Decimal("0.5")
    assert parse_decimal("0.499999", minimum=low, maximum=high) is None
    assert parse_decimal(" 2.5 ", minimum=low, maximum=high) == Decimal("2.5")
    assert parse_decimal("2.500001", minimum=low, maximum=high) is None


def test_parse_decimal_reads_exactly_what_was_typed():
    assert parse_decimal("12,345678") == Decimal("12.345678")
    assert parse_decimal(12) is None and parse_decimal(Decimal(1)) is None
