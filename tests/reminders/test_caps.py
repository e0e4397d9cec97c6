"""Caps: per local day, per rolling week, and the hard per-debt ceiling; only nudges count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from billbot.reminders import (
    Category,
    ContactPrefs,
    Reason,
    SentContact,
    next_allowed_moment,
)
from billbot.reminders.caps import CapBlock, cap_block
from billbot.reminders.quiet_hours import QuietHours

TONGA = ZoneInfo("Pacific/Tongatapu")
SANTIAGO = ZoneInfo("America/Santiago")
NO_QUIET = QuietHours(enabled=False)


def sent(at: datetime, category: str = "spending", debt: str | None = None) -> SentContact:
    return SentContact(at, "sms", Category(category), "limit_threshold", debt)


def block(
    prefs: ContactPrefs,
    history: list[SentContact],
    at: datetime,
    category: Category = Category.SPENDING,
    debt_key: str | None = None,
) -> CapBlock | None:
    tz = ZoneInfo(prefs.time_zone)
    return cap_block(
        at=at, category=category, debt_key=debt_key, prefs=prefs, history=history, tz=tz
    )


def test_the_daily_cap_counts_the_users_local_day_not_the_utc_day() -> None:
    prefs = ContactPrefs(time_zone="Pacific/Tongatapu", quiet_hours=NO_QUIET)
    # 1 July 2024 in Tonga (+13) runs from 30 June 11:00 UTC to 1 July 11:00 UTC.
    history = [sent(datetime(2024, 6, 30, 12, tzinfo=UTC) + timedelta(hours=h)) for h in (0, 5, 10)]
    at = datetime(2024, 7, 1, 9, tzinfo=UTC)
    capped = block(prefs, history, at)
    assert capped is not None and capped.reason == Reason.DAILY_CAP and capped.limit == 3
    assert capped.frees_at == datetime(2024, 7, 1, 11, tzinfo=UTC)
    assert capped.frees_at.astimezone(TONGA).hour == 0
    # Same UTC date, but already 2 July in Tonga: a fresh day.
    assert block(prefs, history, datetime(2024, 7, 1, 12, tzinfo=UTC)) is None


def test_a_full_day_frees_at_a_midnight_that_dst_skips() -> None:
    prefs = ContactPrefs(time_zone="America/Santiago", quiet_hours=NO_QUIET, daily_cap=1)
    evening = datetime(2024, 9, 7, 12, tzinfo=SANTIAGO).astimezone(UTC)
    capped = block(prefs, [sent(evening)], evening + timedelta(hours=1))
    assert capped is not None and capped.reason == Reason.DAILY_CAP
    # 8 Sept begins at 01:00 local: 23:59:59 (-04) jumps to 01:00 (-03).
    assert capped.frees_at == datetime(2024, 9, 8, 4, tzinfo=UTC)
    assert capped.frees_at.astimezone(SANTIAGO).isoformat() == "2024-09-08T01:00:00-03:00"


def test_the_weekly_cap_is_a_rolling_seven_days() -> None:
    prefs = ContactPrefs(quiet_hours=NO_QUIET, weekly_cap=4)
    start = datetime(2024, 5, 1, 10, tzinfo=UTC)
    history = [sent(start + timedelta(days=d)) for d in (0, 1, 2, 3)]
    at = start + timedelta(days=4)
    capped = block(prefs, history, at)
    assert capped is not None and capped.reason == Reason.WEEKLY_CAP and capped.limit == 4
    assert capped.frees_at == start + timedelta(days=7)  # when the oldest leaves the window
    assert block(prefs, history, start + timedelta(days=7)) is None


def test_the_debt_ceiling_holds_whatever_the_user_allows() -> None:
    prefs = ContactPrefs(quiet_hours=NO_QUIET)
    start = datetime(2024, 5, 1, 9, tzinfo=UTC)
    history = [sent(start + timedelta(days=d), "repayment", "stmt-1") for d in range(7)]
    at = start + timedelta(days=6, hours=6)
    capped = block(prefs, history, at, category=Category.REPAYMENT, debt_key="stmt-1")
    assert capped is not None and capped.reason == Reason.DEBT_CEILING and capped.limit == 7
    assert capped.frees_at == start + timedelta(days=7)
    # Another debt is not held by this one's ceiling (though the weekly cap of 10 still counts both).
    assert block(prefs, history, at, category=Category.REPAYMENT, debt_key="stmt-2") is None


def test_the_cap_that_frees_last_is_the_one_reported() -> None:
    prefs = ContactPrefs(quiet_hours=NO_QUIET, daily_cap=1, weekly_cap=2)
    start = datetime(2024, 5, 1, 9, tzinfo=UTC)
    history = [sent(start), sent(start + timedelta(days=2))]
    capped = block(prefs, history, start + timedelta(days=2, hours=1))
    assert capped is not None and capped.reason == Reason.WEEKLY_CAP
    assert capped.frees_at == start + timedelta(days=7)


def test_only_nudges_count_and_only_nudges_are_capped() -> None:
    prefs = ContactPrefs(quiet_hours=NO_QUIET, daily_cap=1)
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    others = [
        sent(at - timedelta(hours=h), c) for h, c in ((1, "reply"), (2, "security"), (3, "digest"))
    ]
    assert block(prefs, others, at) is None
    nudged = [sent(at - timedelta(hours=1))]
    for category in (Category.REPLY, Category.SECURITY, Category.DIGEST):
        assert block(prefs, nudged, at, category=category) is None


def test_users_may_only_lower_their_caps() -> None:
    generous = ContactPrefs(daily_cap=50, weekly_cap=100)
    assert (generous.effective_daily_cap, generous.effective_weekly_cap) == (3, 10)
    assert ContactPrefs(daily_cap=1, weekly_cap=4).effective_weekly_cap == 4
    with pytest.raises(ValueError, match="negative"):
        ContactPrefs(daily_cap=-1)


def test_a_zero_cap_never_frees() -> None:
    prefs = ContactPrefs(quiet_hours=NO_QUIET, weekly_cap=0)
    capped = block(prefs, [], datetime(2024, 5, 1, tzinfo=UTC))
    assert capped is not None and capped.frees_at is None
    assert next_allowed_moment(prefs, [], datetime(2024, 5, 1, tzinfo=UTC), "spending") is None


def test_next_allowed_moment_combines_caps_and_quiet_hours() -> None:
    prefs = ContactPrefs(time_zone="Pacific/Honolulu", daily_cap=2)
    honolulu = ZoneInfo("Pacific/Honolulu")
    morning = datetime(2024, 8, 5, 9, tzinfo=honolulu).astimezone(UTC)
    history = [sent(morning), sent(morning + timedelta(hours=1))]
    now = morning + timedelta(hours=2)
    # The day is full; it frees at local midnight, which is quiet until 08:00.
    expected = datetime(2024, 8, 6, 8, tzinfo=honolulu).astimezone(UTC)
    assert next_allowed_moment(prefs, history, now, Category.SPENDING) == expected
    assert next_allowed_moment(prefs, history, now, Category.REPLY) == now
    assert next_allowed_moment(prefs, history, now, Category.SECURITY) == now
    night = datetime(2024, 8, 5, 23, tzinfo=honolulu).astimezone(UTC)
    assert next_allowed_moment(prefs, [], night, "security") == night
    assert next_allowed_moment(prefs, [], night, "digest") == expected
