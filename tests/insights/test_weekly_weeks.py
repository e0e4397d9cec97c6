"""Week arithmetic: Monday and Sunday starts, the year boundary, each user's own local weeks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.frames import empty_transactions
from insights.weekly import weekly_report_for_user, weekly_reports
from insights.weeks import MONDAY, SUNDAY, UsersFrameError, week_bounds

MakeTx = Callable[..., pd.DataFrame]


def users(*rows: tuple[int, int]) -> pd.DataFrame:
    """A users frame from (user_id, week_start) pairs, all in English."""
    return pd.DataFrame(
        {
            "user_id": [user_id for user_id, _ in rows],
            "week_start": [start for _, start in rows],
            "locale": ["en"] * len(rows),
        }
    )


def total(report: dict, currency: str = "USD") -> int:
    """This week's total in one currency (0 when nothing was spent in it)."""
    for entry in report["currencies"]:
        if entry["currency"] == currency:
            return int(entry["total_spent_minor"])
    return 0


def test_week_bounds_monday_and_sunday_starts() -> None:
    wednesday = date(2026, 10, 7)
    assert week_bounds(wednesday, MONDAY) == (date(2026, 10, 5), date(2026, 10, 11))
    assert week_bounds(wednesday, SUNDAY) == (date(2026, 10, 4), date(2026, 10, 10))
    # A week's first and last days belong to it.
    assert week_bounds(date(2026, 10, 5), MONDAY)[0] == date(2026, 10, 5)
    assert week_bounds(date(2026, 10, 11), MONDAY)[1] == date(2026, 10, 11)
    assert week_bounds(date(2026, 10, 11), SUNDAY)[0] == date(2026, 10, 11)


def test_week_bounds_across_the_year_in_iso_week_53() -> None:
    # 2026 starts on a Thursday, so it has an ISO week 53: Monday 28 December to Sunday 3 January.
    new_year = date(2027, 1, 1)
    start, end = week_bounds(new_year, MONDAY)
    assert (start, end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert start.isocalendar() == (2026, 53, 1)
    assert week_bounds(new_year, SUNDAY) == (date(2026, 12, 27), date(2027, 1, 2))


def test_week_bounds_takes_the_date_of_a_datetime_and_refuses_bad_starts() -> None:
    assert week_bounds(datetime(2026, 10, 7, 23, 30), MONDAY)[0] == date(2026, 10, 5)
    with pytest.raises(ValueError, match="week_start"):
        week_bounds(date(2026, 10, 7), 7)
    with pytest.raises(ValueError, match="week_start"):
        week_bounds(date(2026, 10, 7), True)


@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    week_start=st.integers(min_value=0, max_value=6),
)
def test_every_day_sits_in_a_seven_day_week_starting_on_its_weekday(
    day: date, week_start: int
) -> None:
    start, end = week_bounds(day, week_start)
    assert start.weekday() == week_start
    assert start <= day <= end
    assert end - start == timedelta(days=6)


def test_each_user_reads_their_own_week(make_tx: MakeTx) -> None:
    # User 1's week starts on Monday, user 2's on Sunday; both see the week of Wednesday 7 October.
    tx = make_tx(
        *(
            {"user_id": user_id, "local_date": day, "amount_minor": amount}
            for user_id in (1, 2)
            for day, amount in (
                (date(2026, 10, 4), 100),  # Sunday: user 2's week, user 1's last week
                (date(2026, 10, 5), 20),  # Monday: both weeks
                (date(2026, 10, 10), 3),  # Saturday: both weeks
                (date(2026, 10, 11), 4000),  # Sunday: user 1's week, user 2's next week
            )
        )
    )
    frames = weekly_reports(tx, users((1, MONDAY), (2, SUNDAY)), week_of=date(2026, 10, 7))
    monday, sunday = weekly_report_for_user(frames, 1), weekly_report_for_user(frames, 2)
    assert monday["week"] == {"start": "2026-10-05", "end": "2026-10-11", "week_start": 0}
    assert sunday["week"] == {"start": "2026-10-04", "end": "2026-10-10", "week_start": 6}
    assert total(monday) == 4023
    assert monday["currencies"][0]["last_week_minor"] == 100
    assert total(sunday) == 123
    assert sunday["currencies"][0]["last_week_minor"] == 0


def test_the_week_across_new_year_sums_both_years(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"local_date": date(2026, 12, 27), "amount_minor": 1},  # last week
        {"local_date": date(2026, 12, 28), "amount_minor": 10},
        {"local_date": date(2026, 12, 31), "amount_minor": 100},
        {"local_date": date(2027, 1, 3), "amount_minor": 1000},
        {"local_date": date(2027, 1, 4), "amount_minor": 10000},  # next week
    )
    frames = weekly_reports(tx, users((1, MONDAY)), week_of=date(2027, 1, 1))
    report = weekly_report_for_user(frames, 1)
    assert report["week"]["start"] == "2026-12-28"
    assert report["week"]["end"] == "2027-01-03"
    assert total(report) == 1110
    assert report["currencies"][0]["last_week_minor"] == 1


def test_local_dates_are_taken_as_they_are(make_tx: MakeTx) -> None:
    # The core hands in each user's local date (time of day, if any, already local); a purchase
    # at 23:30 local on Sunday stays in that Sunday's week.
    tx = make_tx({"local_date": pd.Timestamp("2026-10-11 23:30"), "amount_minor": 700})
    frames = weekly_reports(tx, users((1, MONDAY)), week_of=date(2026, 10, 5))
    assert total(weekly_report_for_user(frames, 1)) == 700


def test_users_frame_is_checked() -> None:
    with pytest.raises(UsersFrameError, match="missing columns: locale"):
        weekly_reports(
            empty_transactions(),
            pd.DataFrame({"user_id": [1], "week_start": [0]}),
            week_of=date(2026, 10, 5),
        )
    bad = [
        ({"user_id": [1], "week_start": [7], "locale": ["en"]}, "week_start"),
        ({"user_id": [1, 1], "week_start": [0, 0], "locale": ["en", "en"]}, "unique"),
        ({"user_id": [1], "week_start": [0], "locale": ["fr"]}, "locale"),
        ({"user_id": [1.5], "week_start": [0], "locale": ["en"]}, "user_id"),
    ]
    for columns, message in bad:
        with pytest.raises(UsersFrameError, match=message):
            weekly_reports(empty_transactions(), pd.DataFrame(columns), week_of=date(2026, 10, 5))


def test_arguments_are_checked_and_unknown_users_have_no_report() -> None:
    frames = weekly_reports(empty_transactions(), users((5, SUNDAY)), week_of=date(2026, 10, 7))
    assert weekly_report_for_user(frames, 5)["currencies"] == []
    with pytest.raises(KeyError, match="user 6"):
        weekly_report_for_user(frames, 6)
    with pytest.raises(ValueError, match="history_days"):
        weekly_reports(
            empty_transactions(), users((5, SUNDAY)), week_of=date(2026, 10, 7), history_days=7
        )
    with pytest.raises(TypeError, match="expected a date"):
        weekly_reports(empty_transactions(), users((5, SUNDAY)), week_of="2026-10-07")  # type: ignore[arg-type]
