"""Date ranges a breakdown covers: calendar months and "the same length, just before"."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import NamedTuple

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


class DateRange(NamedTuple):
    """An inclusive range of local calendar dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of calendar days in the range, both ends included."""
        return (self.end - self.start).days + 1


def month_range(month: str | date) -> DateRange:
    """Return the first and last day of a month given as "YYYY-MM" or any date inside it."""
    year, month_number = _year_month(month)
    last_day = calendar.monthrange(year, month_number)[1]
    return DateRange(date(year, month_number, 1), date(year, month_number, last_day))


def previous_month_range(month: str | date) -> DateRange:
    """Return the calendar month before the one given as "YYYY-MM" or any date inside it."""
    year, month_number = _year_month(month)
    if month_number == 1:
        return month_range(date(year - 1, 12, 1))
    return month_range(date(year, month_number - 1, 1))


def previous_range_same_length(start: date, end: date) -> DateRange:
    """Return the range of the same number of days that ends the day before `start`."""
    current = _checked_range(start, end)
    previous_end = current.start - timedelta(days=1)
    return DateRange(previous_end - timedelta(days=current.days - 1), previous_end)


def _year_month(month: str | date) -> tuple[int, int]:
    if isinstance(month, date):
        return month.year, month.month
    match = _YEAR_MONTH.fullmatch(month)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {month!r}")
    return int(match.group(1)), int(match.group(2))


def _checked_range(start: date, end: date) -> DateRange:
    if end < start:
        raise ValueError(f"range end {end.isoformat()} is before its start {start.isoformat()}")
    return DateRange(start, end)
