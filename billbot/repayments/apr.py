"""Effective APR of a repayment option, from its cash flows.

The amount financed is what paying in full on the statement's due date would cost. Each payment
sits at its distance from the due date in months: whole months (stepped as `add_months` does)
plus the elapsed share of the next month's days; payments on or before the due date sit at 0 (paying
early earns nothing). The monthly rate r solves: present value of the payments at r = amount
financed. It is the one place money meets float: r is found in floating point by safeguarded
Newton iteration on the discount factor v = 1 / (1 + r), then reported as two `Decimal`
percentages rounded half up to 0.01 percentage points:

- `nominal_percent` = 12 × r, the APR as lenders quote it;
- `annual_effective_percent` = (1 + r)^12 − 1, what a year of monthly compounding really costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from billbot.repayments.accrual import months_after

_CENT = Decimal("0.01")
_MAX_ITERATIONS = 200


@dataclass(frozen=True, slots=True)
class EffectiveApr:
    """An option's cost as yearly rates in percent, both rounded half up to 0.01."""

    nominal_percent: Decimal
    annual_effective_percent: Decimal

    @classmethod
    def zero(cls) -> EffectiveApr:
        """The rate of an option that costs nothing."""
        return cls(Decimal("0.00"), Decimal("0.00"))

    @classmethod
    def from_monthly_rate(cls, monthly_rate: float) -> EffectiveApr:
        """Both yearly figures for a monthly rate."""
        nominal = Decimal(monthly_rate * 1200).quantize(_CENT, rounding=ROUND_HALF_UP)
        annual = Decimal(((1.0 + monthly_rate) ** 12 - 1.0) * 100).quantize(
            _CENT, rounding=ROUND_HALF_UP
        )
        return cls(nominal, annual)


def _integer_periods(
    financed: int, payments: Sequence[tuple[int | float, int]]
) -> Callable[[float], tuple[float, float]]:
    coefficients = [0] * (int(max(t for t, _ in payments)) + 1)
    for period, amount in payments:
        coefficients[int(period)] += amount
    coefficients.reverse()

    def value_and_slope(v: float) -> tuple[float, float]:
        # Horner's rule for the polynomial and its derivative together.
        value = 0.0
        slope = 0.0
        for coefficient in coefficients:
            slope = slope * v + value
            value = value * v + coefficient
        return value - financed, slope

    return value_and_slope


def _fractional_periods(
    financed: int, payments: Sequence[tuple[int | float, int]]
) -> Callable[[float], tuple[float, float]]:
    def value_and_slope(v: float) -> tuple[float, float]:
        value = 0.0
        slope = 0.0
        for period, amount in payments:
            value += amount * v**period
            if period:
                slope += amount * period * v ** (period - 1)
        return value - financed, slope

    return value_and_slope


def monthly_rate(financed_minor: int, payments: Sequence[tuple[int | float, int]]) -> float:
    """The monthly rate at which `(months after start, amount)` payments repay `financed_minor`."""
    if financed_minor <= 0:
        raise ValueError("the amount financed must be positive")
    if any(amount < 0 or period < 0 for period, amount in payments):
        raise ValueError("payments and their periods must not be negative")
    cost = sum(amount for _, amount in payments) - financed_minor
    if cost < 0:
        raise ValueError("the payments do not repay the amount financed")
    if cost == 0:
        return 0.0
    upfront = sum(amount for period, amount in payments if period == 0)
    if upfront >= financed_minor:
        raise ValueError("the amount financed is repaid at once; the cost has no finite rate")
    integral = all(isinstance(period, int) for period, _ in payments)
    value_and_slope = (_integer_periods if integral else _fractional_periods)(
        financed_minor, payments
    )
    # PV(v) - financed rises with v on (0, 1]: negative at 0, positive (the cost) at 1.
    # A first guess from PV(r) ≈ total - r × Σ amount × months, which stays above the root's v.
    weighted = sum(amount * period for period, amount in payments)
    low, high = 0.0, 1.0
    v = 1.0 / (1.0 + cost / weighted)
    for _ in range(_MAX_ITERATIONS):
        value, slope = value_and_slope(v)
        if value > 0:
            high = v
        else:
            low = v
        step = value / slope if slope > 0 else 2.0
        if abs(step) <= 1e-14 * v or high - low <= 1e-15:
            break
        v -= step
        if not low < v < high:
            v = (low + high) / 2
    return 1.0 / v - 1.0


def effective_apr(
    financed_minor: int, payments: Iterable[tuple[date, int]], *, start_date: date
) -> EffectiveApr:
    """The effective APR of `payments` (date, amount) repaying `financed_minor` due `start_date`."""
    periods = [(months_after(start_date, day), amount) for day, amount in payments]
    return EffectiveApr.from_monthly_rate(monthly_rate(financed_minor, periods))
