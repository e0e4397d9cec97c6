"""Quiet hours in the user's own clock, across midnight, DST gaps and overlaps, and far-off zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.reminders import QuietHours, in_quiet_hours, quiet_hours_end
from billbot.reminders.quiet_hours import wall_crossings

NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")
BEIRUT = ZoneInfo("Asia/Beirut")
LONDON = ZoneInfo("Europe/London")
TONGA = ZoneInfo("Pacific/Tongatapu")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
HONOLULU = ZoneInfo("Pacific/Honolulu")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
DEFAULT = QuietHours()


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


def test_the_default_window_wraps_midnight() -> None:
    assert DEFAULT.label() == "21:00–08:00" and DEFAULT.wraps_midnight
    assert DEFAULT.covers(time(21, 0)) and DEFAULT.covers(time(23, 59)) and DEFAULT.covers(time(0))
    assert DEFAULT.covers(time(7, 59, 59))
    assert not DEFAULT.covers(time(8, 0)) and not DEFAULT.covers(time(20, 59))


def test_a_window_within_one_day_and_a_disabled_one() -> None:
    afternoon = QuietHours(time(13), time(15))
    assert afternoon.covers(time(14)) and not afternoon.covers(time(15))
    assert not afternoon.covers(time(2))
    assert not QuietHours(enabled=False).covers(time(3))


def test_a_window_needs_two_different_local_times() -> None:
    with pytest.raises(ValueError, match="different"):
        QuietHours(time(8), time(8))
    with pytest.raises(ValueError, match="local"):
        QuietHours(time(21, tzinfo=UTC), time(8))
    assert not QuietHours(time(8), time(8), enabled=False).covers(time(8))


def test_quiet_hours_end_at_the_next_local_morning() -> None:
    at = local(NEW_YORK, 2024, 6, 3, 23, 15)
    assert in_quiet_hours(at, DEFAULT, NEW_YORK)
    assert quiet_hours_end(at, DEFAULT, NEW_YORK) == local(NEW_YORK, 2024, 6, 4, 8, 0)
    early = local(NEW_YORK, 2024, 6, 4, 3, 0)
    assert quiet_hours_end(early, DEFAULT, NEW_YORK) == local(NEW_YORK, 2024, 6, 4, 8, 0)
    noon = local(NEW_YORK, 2024, 6, 4, 12, 0)
    assert not in_quiet_hours(noon, DEFAULT, NEW_YORK)
    assert quiet_hours_end(noon, DEFAULT, NEW_YORK) == noon


def test_an_end_in_the_spring_forward_gap_ends_at_the_jump() -> None:
    # New York, 10 March 2024: 01:59:59 EST is followed by 03:00 EDT; 02:30 never happens.
    quiet = QuietHours(time(22), time(2, 30))
    at = local(NEW_YORK, 2024, 3, 10, 0, 30)
    end = quiet_hours_end(at, quiet, NEW_YORK)
    assert end == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)
    assert end.astimezone(NEW_YORK).time() == time(3, 0)
    assert in_quiet_hours(end - timedelta(seconds=1), quiet, NEW_YORK)


def test_the_default_morning_after_spring_forward_is_eight_oclock_summer_time() -> None:
    end = quiet_hours_end(local(NEW_YORK, 2024, 3, 9, 22, 0), DEFAULT, NEW_YORK)
    assert end == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT, not 08:00 EST


@pytest.mark.parametrize(
    ("tz", "day", "jump_utc"),
    [
        # Santiago springs forward at midnight: 7 Sept 23:59:59 (-04) is followed by 01:00 (-03).
        (SANTIAGO, date(2024, 9, 8), datetime(2024, 9, 8, 4, 0, tzinfo=UTC)),
        # Beirut too: 30 March 23:59:59 (+02) is followed by 31 March 01:00 (+03).
        (BEIRUT, date(2024, 3, 31), datetime(2024, 3, 30, 22, 0, tzinfo=UTC)),
    ],
)
def test_an_end_at_a_skipped_midnight_ends_when_the_day_begins(
    tz: ZoneInfo, day: date, jump_utc: datetime
) -> None:
    for quiet in (QuietHours(time(20), time(0)), QuietHours(time(22), time(0, 30))):
        at = jump_utc - timedelta(hours=1)
        assert in_quiet_hours(at, quiet, tz)
        end = quiet_hours_end(at, quiet, tz)
        assert end == jump_utc
        assert end.astimezone(tz).date() == day
        assert end.astimezone(tz).time() == time(1, 0)
    assert wall_crossings(day, time(0), tz) == [jump_utc]


def test_an_end_in_the_fall_back_overlap_is_judged_by_each_pass_of_the_clock() -> None:
    # New York, 3 Nov 2024: 01:00-02:00 happens twice (EDT, then EST).
    quiet = QuietHours(time(21), time(1, 30))
    first_pass = local(NEW_YORK, 2024, 11, 3, 1, 10)
    assert quiet_hours_end(first_pass, quiet, NEW_YORK) == datetime(
        2024, 11, 3, 5, 30, tzinfo=UTC
    )  # 01:30 EDT
    second_pass = local(NEW_YORK, 2024, 11, 3, 1, 10, fold=1)
    assert in_quiet_hours(second_pass, quiet, NEW_YORK)
    assert quiet_hours_end(second_pass, quiet, NEW_YORK) == datetime(
        2024, 11, 3, 6, 30, tzinfo=UTC
    )  # 01:30 EST
    assert wall_crossings(date(2024, 11, 3), time(1, 30), NEW_YORK) == [
        datetime(2024, 11, 3, 5, 30, tzinfo=UTC),
        datetime(2024, 11, 3, 6, 30, tzinfo=UTC),
    ]


def test_the_default_morning_after_fall_back_is_eight_oclock_winter_time() -> None:
    end = quiet_hours_end(local(LONDON, 2024, 10, 26, 23, 0), DEFAULT, LONDON)
    assert end == datetime(2024, 10, 27, 8, 0, tzinfo=UTC)  # 08:00 GMT, a 25-hour day


def test_a_jump_back_to_before_the_window_ends_it_at_the_jump() -> None:
    # Quiet from 01:30; at 02:00 EDT the clock goes back to 01:00 EST, before the window.
    quiet = QuietHours(time(1, 30), time(8))
    at = local(NEW_YORK, 2024, 11, 3, 1, 45)
    end = quiet_hours_end(at, quiet, NEW_YORK)
    assert end == datetime(2024, 11, 3, 6, 0, tzinfo=UTC)
    assert end.astimezone(NEW_YORK).time() == time(1, 0)
    later = local(NEW_YORK, 2024, 11, 3, 1, 40, fold=1)
    assert quiet_hours_end(later, quiet, NEW_YORK) == local(NEW_YORK, 2024, 11, 3, 8, 0)


@pytest.mark.parametrize(
    ("tz", "utc_evening"),
    [
        # 21:30 local is 08:30 UTC in Tonga (+13), 07:30 UTC in Kiritimati (+14, a day ahead)
        # and 07:30 UTC the *next* UTC day in Honolulu (-10).
        (TONGA, datetime(2024, 7, 1, 8, 30, tzinfo=UTC)),
        (KIRITIMATI, datetime(2024, 7, 1, 7, 30, tzinfo=UTC)),
        (HONOLULU, datetime(2024, 7, 2, 7, 30, tzinfo=UTC)),
    ],
)
def test_far_off_zones_use_their_own_clock(tz: ZoneInfo, utc_evening: datetime) -> None:
    assert utc_evening.astimezone(tz).time() == time(21, 30)
    assert in_quiet_hours(utc_evening, DEFAULT, tz)
    end = quiet_hours_end(utc_evening, DEFAULT, tz)
    assert end - utc_evening == timedelta(hours=10, minutes=30)
    assert end.astimezone(tz).time() == time(8, 0)


def test_a_half_hour_dst_shift_lord_howe() -> None:
    # Lord Howe springs forward 02:00 -> 02:30 on 6 Oct 2024 (local); 02:15 never happens.
    quiet = QuietHours(time(23), time(2, 15))
    end = quiet_hours_end(local(LORD_HOWE, 2024, 10, 6, 1, 0), quiet, LORD_HOWE)
    assert end.astimezone(LORD_HOWE).time() == time(2, 30)
    assert in_quiet_hours(end - timedelta(seconds=1), quiet, LORD_HOWE)


ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "America/Santiago",
        "Asia/Beirut",
        "America/Havana",
        "Australia/Lord_Howe",
        "Pacific/Auckland",
        "Pacific/Tongatapu",
        "Pacific/Honolulu",
    ]
)
wall_times = st.builds(
    lambda h, m: time(h, m), st.integers(0, 23), st.sampled_from((0, 15, 30, 45))
)


@settings(max_examples=150, deadline=None)
@given(
    tz_name=ZONES,
    start=wall_times,
    end=wall_times,
    at=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2025, 1, 1), timezones=st.just(UTC)
    ),
)
def test_quiet_hours_end_is_the_first_moment_the_clock_leaves_the_window(
    tz_name: str, start: time, end: time, at: datetime
) -> None:
    if start == end:
        return
    tz, quiet = ZoneInfo(tz_name), QuietHours(start, end)
    leaves = quiet_hours_end(at, quiet, tz)
    assert leaves >= at
    assert not in_quiet_hours(leaves, quiet, tz)
    assert leaves - at <= timedelta(hours=25)
    # Checked minute by minute in local wall time, apart from the code under test.
    step = at
    while step < leaves:
        wall = step.astimezone(tz).time()
        inside = start <= wall < end if start < end else (wall >= start or wall < end)
        assert inside, (step, leaves)
        step += timedelta(minutes=1)
