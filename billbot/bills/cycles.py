"""Statement cycles: pure date arithmetic in the account holder's local calendar.

A cycle ends on its *closing date* (inclusive): the account's closing day in that month, clamped to
the month's last day (a closing day of 31 closes on 30 April and on 28 or 29 February). The next
cycle starts the day after. A transaction belongs to the cycle whose dates contain its local date,
so it lands in exactly one cycle. A cycle closes at the first instant of the local day after its
closing date, which `closes_at` turns into UTC through the user's time zone (DST-safe).

Due dates follow one of two rules:
- `days_after_close`: closing date + N days;
- `fixed_day`: the first date after the closing date whose day of month is N, clamped to the
  month's end (so a fixed day of 31 is due on 30 April), never on the closing date itself.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from billbot.accounts.models import DueRule
from billbot.clock import start_of_local_day


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """What an account says about its cycles."""

    closing_day: int
    due_rule: str
    due_value: int

    def __post_init__(self) -> None:
        if not 1 <= self.closing_day <= 31:
            raise ValueError("closing_day must be between 1 and 31")
        if self.due_rule not in (DueRule.DAYS_AFTER_CLOSE, DueRule.FIXED_DAY):
            raise ValueError(f"unknown due rule {self.due_rule!r}")
        upper = 31 if self.due_rule == DueRule.FIXED_DAY else 60
        if not 1 <= self.due_value <= upper:
            raise ValueError(f"due_value must be between 1 and {upper} for {self.due_rule}")


@dataclass(frozen=True, slots=True)
class Cycle:
    """One billing cycle: local dates, both ends inclusive, and its due date."""

    start_date: date
    end_date: date
    due_date: date

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def closing_date(year: int, month: int, closing_day: int) -> date:
    """The closing date of the cycle that closes in `year`-`month`."""
    return _clamped(year, month, closing_day)


def due_date_for(closing: date, plan: CyclePlan) -> date:
    """The due date of a cycle closing on `closing`."""
    if plan.due_rule == DueRule.DAYS_AFTER_CLOSE:
        return closing + timedelta(days=plan.due_value)
    candidate = _clamped(closing.year, closing.month, plan.due_value)
    if candidate <= closing:
        year, month = _add_months(closing.year, closing.month, 1)
        candidate = _clamped(year, month, plan.due_value)
    return candidate


def cycle_for(day: date, plan: CyclePlan) -> Cycle:
    """The cycle whose dates contain `day`."""
    this_close = closing_date(day.year, day.month, plan.closing_day)
    if day <= this_close:
        end = this_close
    else:
        year, month = _add_months(day.year, day.month, 1)
        end = closing_date(year, month, plan.closing_day)
    prev_year, prev_month = _add_months(end.year, end.month, -1)
    start = closing_date(prev_year, prev_month, plan.closing_day) + timedelta(days=1)
    return Cycle(start_date=start, end_date=end, due_date=due_date_for(end, plan))


def next_cycle(cycle: Cycle, plan: CyclePlan) -> Cycle:
    """The cycle that starts the day after `cycle` closes."""
    return cycle_for(cycle.end_date + timedelta(days=1), plan)


def cycles_between(first: date, last: date, plan: CyclePlan) -> list[Cycle]:
    """Every cycle touching the dates `first`..`last`, in order."""
    if last < first:
        raise ValueError("last must not be before first")
    cycles = [cycle_for(first, plan)]
    while cycles[-1].end_date < last:
        cycles.append(next_cycle(cycles[-1], plan))
    return cycles


def closes_at(cycle: Cycle, tz: ZoneInfo) -> datetime:
    """The UTC instant the cycle closes: the start of the local day after its closing date."""
    return start_of_local_day(cycle.end_date + timedelta(days=1), tz)


def assign_cycles(days: Sequence[date], cycles: Sequence[Cycle]) -> list[int]:
    """For each day, the index of the cycle (sorted, contiguous) that contains it."""
    ends = [c.end_date for c in cycles]
    indexes = [bisect_left(ends, d) for d in days]
    for day, index in zip(days, indexes, strict=True):
        if index >= len(cycles) or not cycles[index].contains(day):
            raise ValueError(f"{day} is outside the given cycles")
    return indexes
