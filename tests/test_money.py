"""Money: exact minor units, ISO exponents, explicit rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbot.money import (
    MoneyError,
    apply_rate_bps,
    exponent,
    format_money,
    split_evenly,
    to_major,
    to_minor,
)


def test_exponents_follow_iso_4217() -> None:
    assert (exponent("USD"), exponent("jpy"), exponent("KWD"), exponent("CNY")) == (2, 0, 3, 2)
    for bad in ("XYZ", "US", "12$"):
        with pytest.raises(MoneyError):
            exponent(bad)


def test_parsing_refuses_what_the_currency_cannot_hold() -> None:
    assert to_minor("12.34", "USD") == 1234 and to_minor("1500", "JPY") == 1500
    assert to_minor("1.234", "KWD") == 1234 and to_minor("-0.5", "USD") == -50
    for value, currency in (("12.345", "USD"), ("1.5", "JPY"), ("abc", "USD"), ("NaN", "USD")):
        with pytest.raises(MoneyError):
            to_minor(value, currency)


@given(st.integers(-(10**12), 10**12), st.sampled_from(["USD", "JPY", "KWD"]))
def test_major_minor_round_trip(amount: int, currency: str) -> None:
    assert to_minor(to_major(amount, currency), currency) == amount


@given(st.integers(-(10**12), 10**12), st.integers(1, 400))
def test_split_evenly_sums_exactly(total: int, parts: int) -> None:
    shares = split_evenly(total, parts)
    assert sum(shares) == total and max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)  # earlier parts carry the remainder


@given(st.integers(-(10**12), 10**12), st.integers(0, 100_000))
def test_rate_matches_decimal_half_up(amount: int, rate: int) -> None:
    expected = (Decimal(amount) * Decimal(rate) / Decimal(10_000)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert apply_rate_bps(amount, rate) == int(expected)


def test_formatting_per_locale() -> None:
    assert format_money(123_450, "CNY", "zh-CN") == "¥1,234.50"
    assert format_money(-5_000, "USD", "en") == "-$50.00"
    assert format_money(1500, "JPY", "en") == "¥1,500"
