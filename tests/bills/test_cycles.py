"""Statement cycles: closing days past month ends, leap years, due rules, time zones."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbot.bills.cycles import (
    Cycle,
    CyclePlan,
    assign_cycles,
    closes_at,
    cycle_for,
    cycles_between,
    due_date_for,
    next_cycle,
)

ZONES = [
    "UTC",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Tongatapu",
    "Pacific/Honolulu",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "America/Santiago",
]

plans = st.builds(
    CyclePlan,
    closing_day=st.integers(1, 31),
    due_rule=st.sampled_from(["days_after_close", "fixed_day"]),
    due_value=st.integers(1, 28),
)
days = st.dates(min_value=date(1999, 1, 1), max_value=date(2101, 12, 31))


@given(day=days, plan=plans)
def test_every_day_lands_in_exactly_one_cycle(day: date, plan: CyclePlan) -> None:
    cycle = cycle_for(day, plan)
    assert cycle.contains(day)
    before = cycle_for(cycle.start_date - timedelta(days=1), plan)
    after = next_cycle(cycle, plan)
    assert not before.contains(day) and not after.contains(day)
    assert before.end_date + timedelta(days=1) == cycle.start_date
    assert cycle.end_date + timedelta(days=1) == after.start_date


@given(day=days, plan=plans)
def test_cycle_closes_on_the_closing_day_or_the_month_end(day: date, plan: CyclePlan) -> None:
    cycle = cycle_for(day, plan)
    last_day = calendar.monthrange(cycle.end_date.year, cycle.end_date.month)[1]
    assert cycle.end_date.day == min(plan.closing_day, last_day)
    assert 28 <= (cycle.end_date - cycle.start_date).days + 1 <= 31


@given(day=days, plan=plans)
def test_due_date_comes_after_the_close(day: date, plan: CyclePlan) -> None:
    cycle = cycle_for(day, plan)
    assert cycle.due_date > cycle.end_date
    if plan.due_rule == "days_after_close":
        assert cycle.due_date == cycle.end_date + timedelta(days=plan.due_value)
    else:
        last_day = calendar.monthrange(cycle.due_date.year, cycle.due_date.month)[1]
        assert cycle.due_date.day == min(plan.due_value, last_day)
        assert (cycle.due_date - cycle.end_date).days <= 31


@given(first=days, span=st.integers(0, 800), plan=plans)
def test_cycles_between_are_contiguous_and_assign_each_day_once(
    first: date, span: int, plan: CyclePlan
) -> None:
    last = first + timedelta(days=span)
    cycles = cycles_between(first, last, plan)
    assert cycles[0].contains(first) and cycles[-1].contains(last)
    for a, b in itertools.pairwise(cycles):
        assert a.end_date + timedelta(days=1) == b.start_date
    probe = [first + timedelta(days=k) for k in range(0, span + 1, max(1, span // 20))]
    for day, index in zip(probe, assign_cycles(probe, cycles), strict=True):
        assert cycles[index].contains(day)


@given(day=days, plan=plans, tz_name=st.sampled_from(ZONES))
def test_close_instant_is_local_midnight_after_closing_date(
    day: date, plan: CyclePlan, tz_name: str
) -> None:
    tz = ZoneInfo(tz_name)
    cycle = cycle_for(day, plan)
    instant = closes_at(cycle, tz)
    assert instant.tzinfo == UTC
    local = instant.astimezone(tz)
    # The first instant of the next local day (a DST gap at midnight may push it to 01:00).
    assert local.date() == cycle.end_date + timedelta(days=1)
    assert local.hour <= 1
    assert (instant - timedelta(seconds=1)).astimezone(tz).date() == cycle.end_date


def test_closing_day_31_in_short_months_and_leap_february() -> None:
    plan = CyclePlan(closing_day=31, due_rule="days_after_close", due_value=20)
    assert cycle_for(date(2024, 2, 15), plan) == Cycle(
        date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 20)
    )
    assert cycle_for(date(2023, 2, 15), plan).end_date == date(2023, 2, 28)
    assert cycle_for(date(2026, 4, 30), plan).end_date == date(2026, 4, 30)
    assert cycle_for(date(2026, 5, 1), plan).start_date == date(2026, 5, 1)
    assert cycle_for(date(2026, 3, 1), plan).start_date == date(2026, 3, 1)


def test_closing_day_30_after_february() -> None:
    plan = CyclePlan(closing_day=30, due_rule="fixed_day", due_value=31)
    march = cycle_for(date(2026, 3, 10), plan)
    assert march.start_date == date(2026, 3, 1)  # February closed on the 28th
    assert march.end_date == date(2026, 3, 30)
    assert march.due_date == date(2026, 3, 31)  # the 31st comes after the 30th in the same month
    april = next_cycle(march, plan)
    assert april.due_date == date(
        2026, 5, 31
    )  # 30 April closes; the 30th (clamped 31) is the close itself


def test_fixed_due_day_is_never_the_closing_day() -> None:
    plan = CyclePlan(closing_day=15, due_rule="fixed_day", due_value=15)
    assert due_date_for(date(2026, 1, 15), plan) == date(2026, 2, 15)
    plan = CyclePlan(closing_day=5, due_rule="fixed_day", due_value=25)
    assert due_date_for(date(2026, 1, 5), plan) == date(2026, 1, 25)


def test_close_instant_across_dst_in_both_hemispheres() -> None:
    plan = CyclePlan(closing_day=28, due_rule="days_after_close", due_value=21)
    # New York springs forward on 8 March 2026; Sydney falls back on 5 April 2026.
    new_york = ZoneInfo("America/New_York")
    winter = closes_at(cycle_for(date(2026, 2, 10), plan), new_york)
    assert winter == datetime(2026, 3, 1, 5, tzinfo=UTC)  # still EST (UTC-5) on 1 March
    spring = closes_at(cycle_for(date(2026, 3, 7), plan), new_york)
    assert spring == datetime(2026, 3, 29, 4, tzinfo=UTC)  # EDT (UTC-4) by 29 March
    sydney = closes_at(cycle_for(date(2026, 4, 20), plan), ZoneInfo("Australia/Sydney"))
    assert sydney == datetime(2026, 4, 28, 14, tzinfo=UTC)  # AEST, UTC+10, after the change
    tonga = closes_at(cycle_for(date(2026, 1, 2), plan), ZoneInfo("Pacific/Tongatapu"))
    assert tonga == datetime(2026, 1, 28, 11, tzinfo=UTC)  # UTC+13


def test_bad_plans_are_refused() -> None:
    with pytest.raises(ValueError, match="closing_day"):
        CyclePlan(closing_day=0, due_rule="fixed_day", due_value=1)
    with pytest.raises(ValueError, match="due rule"):
        CyclePlan(closing_day=1, due_rule="whenever", due_value=1)
    with pytest.raises(ValueError, match="due_value"):
        CyclePlan(closing_day=1, due_rule="fixed_day", due_value=40)
