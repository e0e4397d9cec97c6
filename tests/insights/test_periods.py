"""Date ranges for breakdowns: calendar months and the range of the same length before."""

from __future__ import annotations

from datetime import date

import pytest

from insights.periods import (
    DateRange,
    month_range,
    previous_month_range,
    previous_range_same_length,
)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2026-01", DateRange(date(2026, 1, 1), date(2026, 1, 31))),
        ("2026-04", DateRange(date(2026, 4, 1), date(2026, 4, 30))),
        ("2026-02", DateRange(date(2026, 2, 1), date(2026, 2, 28))),
        ("2028-02", DateRange(date(2028, 2, 1), date(2028, 2, 29))),
        ("2100-02", DateRange(date(2100, 2, 1), date(2100, 2, 28))),
        ("2000-02", DateRange(date(2000, 2, 1), date(2000, 2, 29))),
        ("2026-12", DateRange(date(2026, 12, 1), date(2026, 12, 31))),
        (date(2026, 10, 17), DateRange(date(2026, 10, 1), date(2026, 10, 31))),
    ],
)
def test_month_range(month: str | date, expected: DateRange) -> None:
    assert month_range(month) == expected


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2027-01", DateRange(date(2026, 12, 1), date(2026, 12, 31))),
        ("2028-03", DateRange(date(2028, 2, 1), date(2028, 2, 29))),
        ("2026-11", DateRange(date(2026, 10, 1), date(2026, 10, 31))),
        (date(2026, 3, 31), DateRange(date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_previous_month_range(month: str | date, expected: DateRange) -> None:
    assert previous_month_range(month) == expected


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", ""])
def test_malformed_months_are_refused(month: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_range(month)


def test_previous_range_same_length_for_a_statement_cycle() -> None:
    cycle = DateRange(date(2026, 10, 15), date(2026, 11, 14))
    previous = previous_range_same_length(*cycle)
    assert previous == DateRange(date(2026, 9, 14), date(2026, 10, 14))
    assert previous.days == cycle.days == 31


def test_previous_range_same_length_crosses_a_leap_day() -> None:
    assert previous_range_same_length(date(2028, 3, 1), date(2028, 3, 7)) == DateRange(
        date(2028, 2, 23), date(2028, 2, 29)
    )


def test_previous_range_of_one_day_and_across_new_year() -> None:
    assert previous_range_same_length(date(2027, 1, 1), date(2027, 1, 1)) == DateRange(
        date(2026, 12, 31), date(2026, 12, 31)
    )


def test_previous_range_needs_an_ordered_range() -> None:
    with pytest.raises(ValueError, match="before its start"):
        previous_range_same_length(date(2026, 10, 2), date(2026, 10, 1))
