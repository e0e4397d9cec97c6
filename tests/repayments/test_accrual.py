"""Interest accrual and rounding: half up in integers, monthly steps clamped to month ends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbot.bills.balances import minimum_due
from billbot.money import apply_rate_bps
from billbot.repayments.accrual import (
    MinimumRule,
    add_months,
    div_half_up,
    late_interest,
    monthly_dates,
    monthly_interest,
    months_after,
)

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(st.integers(0, 10**15), st.integers(1, 10**9))
def test_div_half_up_matches_decimal(numerator: int, denominator: int) -> None:
    expected = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert div_half_up(numerator, denominator) == int(expected)


def test_div_half_up_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError):
        div_half_up(-1, 2)


@given(st.integers(0, 10**12), st.integers(0, 10_000), st.integers(0, 10**6))
def test_minimum_rule_matches_the_statement_minimum(balance: int, rate: int, floor: int) -> None:
    rule = MinimumRule(rate, floor)
    assert rule.due(balance) == minimum_due(balance, rate_bps=rate, floor_minor=floor)


@given(st.integers(0, 10**12), st.integers(0, 100_000))
def test_monthly_interest_is_a_twelfth_of_the_apr_rounded_half_up(balance: int, apr: int) -> None:
    exact = Decimal(balance) * apr / 10_000 / 12
    assert monthly_interest(balance, apr) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert monthly_interest(balance * 12, apr) == apply_rate_bps(balance, apr)


def test_late_interest_rounds_once_over_all_days() -> None:
    # 1.00 at 36.5% earns 0.1 cent a day: one day alone rounds to 0, ten days to 1 cent.
    assert late_interest([(100, 1)], 3650) == 0
    assert late_interest([(100, 10)], 3650) == 1
    assert late_interest([(100, 1)] * 10, 3650) == 1
    assert late_interest([(100, 5)], 3650) == 1  # half a cent rounds up
    assert late_interest([(300_000, 15)], 2400) == 2959  # 300000 × 0.24 × 15 / 365 = 2958.9
    assert late_interest([(5_000, -3)], 2400) == 0


def test_months_clamp_to_month_ends_from_the_first_date() -> None:
    start = date(2027, 1, 31)
    assert [add_months(start, n) for n in range(1, 4)] == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)


@given(DAYS)
def test_monthly_dates_step_like_add_months(start: date) -> None:
    assert list(islice(monthly_dates(start), 30)) == [add_months(start, n) for n in range(1, 31)]


@given(DAYS, st.integers(0, 400))
def test_whole_months_are_integers(start: date, months: int) -> None:
    assert months_after(start, add_months(start, months)) == months
    assert isinstance(months_after(start, add_months(start, months)), int)


@given(DAYS, st.integers(1, 5000))
def test_months_after_grows_with_the_date(start: date, days: int) -> None:
    day = start + timedelta(days=days)
    months = months_after(start, day)
    assert months_after(start, day - timedelta(days=1)) < months
    whole = int(months)
    assert add_months(start, whole) <= day < add_months(start, whole + 1)


def test_half_a_month_and_dates_before_the_start() -> None:
    assert months_after(date(2027, 4, 1), date(2027, 4, 16)) == 0.5
    assert months_after(date(2027, 4, 1), date(2027, 3, 1)) == 0
