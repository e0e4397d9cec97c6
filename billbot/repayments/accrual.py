"""How interest accrues and rounds, in integer minor units.

- Monthly interest on a balance: balance × APR / 12, rounded half up to the minor unit.
- Late interest on amounts paid after the due date: each amount × APR / 365 for each day late,
  summed exactly and rounded half up once at the end.
- Schedules step a month at a time: the same day of the month, clamped to the month's last day
  (31 January → 28 or 29 February → 31 March, always counted from the first date).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from billbot.bills.balances import minimum_due
from billbot.money import apply_rate_bps

_BPS = 10_000
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def div_half_up(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded half up, for a non-negative numerator."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("div_half_up needs a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


# `amount × rate` in basis points, rounded half up: the one rule, kept in billbot.money.
share_bps = apply_rate_bps


def monthly_interest(balance_minor: int, apr_bps: int) -> int:
    """One month's interest on a balance: balance × APR / 12, rounded half up."""
    if balance_minor <= 0:
        return 0
    return div_half_up(balance_minor * apr_bps, 12 * _BPS)


def late_interest(amounts_and_days: Iterable[tuple[int, int]], apr_bps: int) -> int:
    """Daily interest (APR / 365) on each amount for its days late, rounded half up once."""
    amount_days = sum(amount * max(days, 0) for amount, days in amounts_and_days)
    return div_half_up(amount_days * apr_bps, 365 * _BPS)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to that month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def monthly_dates(start_date: date) -> Iterator[date]:
    """`add_months(start_date, 1)`, `add_months(start_date, 2)`, ... without end."""
    year, month, day = start_date.year, start_date.month, start_date.day
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        yield date(year, month, min(day, _days_in_month(year, month)))


def months_after(start_date: date, day: date) -> int | float:
    """How many months `day` is after `start_date` (whole, or with a share of days); 0 if before."""
    if day <= start_date:
        return 0
    months = (day.year - start_date.year) * 12 + day.month - start_date.month
    if day.day == start_date.day:
        return months
    anchor_day = min(start_date.day, _days_in_month(day.year, day.month))
    if day.day == anchor_day:
        return months
    if day.day < anchor_day:
        months -= 1
    anchor = add_months(start_date, months)
    following = add_months(start_date, months + 1)
    return months + (day - anchor).days / (following - anchor).days


@dataclass(frozen=True, slots=True)
class MinimumRule:
    """The issuer's minimum payment: the larger of a share of the balance and a floor, capped."""

    rate_bps: int
    floor_minor: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.rate_bps <= _BPS:
            raise ValueError("rate_bps must be between 0 and 10000")
        if self.floor_minor < 0:
            raise ValueError("floor_minor must not be negative")

    def due(self, balance_minor: int) -> int:
        """The minimum payment on `balance_minor`, by the same rule statements use."""
        return minimum_due(balance_minor, rate_bps=self.rate_bps, floor_minor=self.floor_minor)
