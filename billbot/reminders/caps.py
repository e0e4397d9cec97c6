"""Contact caps counted from the user's recent history.

- **Per day** is the user's *local* calendar day in their IANA zone (a DST day has 23 or 25 hours);
  a full day frees at the next local midnight (or the first instant of that day when midnight is
  skipped).
- **Per week** is a rolling window of 7×24 hours: a contact sent at `s` counts at `t` while
  `t - 7 days < s <= t`, so a full week frees exactly seven days after the oldest contact in it.
  Rolling (not calendar) weeks mean no burst of ten at a week boundary.
- **Per debt**: at most 7 repayment contacts about one debt in any rolling 7 days, whatever the
  user's settings.

Only nudges count: repayment and spending messages. Replies, digests, security notices and the
STOP confirmation neither count nor are capped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from billbot.reminders.decision import Reason
from billbot.reminders.model import Category, ContactPrefs, SentContact
from billbot.reminders.quiet_hours import wall_crossings

__all__ = [
    "DEBT_CEILING",
    "HISTORY_LOOKBACK",
    "NUDGE_CATEGORIES",
    "ROLLING_WEEK",
    "CapBlock",
    "cap_block",
]

NUDGE_CATEGORIES = frozenset({Category.REPAYMENT, Category.SPENDING})
ROLLING_WEEK = timedelta(days=7)
DEBT_CEILING = 7
# How much history the gate reads: a rolling week plus the longest local day, with room to spare.
HISTORY_LOOKBACK = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class CapBlock:
    """A cap that is full at some instant, and when it frees (None: never, the cap is zero)."""

    reason: Reason
    frees_at: datetime | None
    limit: int


def _rolling_frees_at(sent: list[datetime], at: datetime, limit: int) -> datetime | None:
    """When under `limit` of `sent` lie in the rolling week ending at `at` (None: already)."""
    window = sorted(s for s in sent if at - ROLLING_WEEK < s <= at)
    if len(window) < limit:
        return None
    return window[len(window) - limit] + ROLLING_WEEK


def cap_block(
    *,
    at: datetime,
    category: Category,
    debt_key: str | None,
    prefs: ContactPrefs,
    history: Iterable[SentContact],
    tz: ZoneInfo,
) -> CapBlock | None:
    """The cap that keeps a message of `category` from going at `at`, the one freeing last."""
    if category not in NUDGE_CATEGORIES:
        return None
    daily, weekly = prefs.effective_daily_cap, prefs.effective_weekly_cap
    if daily == 0:
        return CapBlock(Reason.DAILY_CAP, None, 0)
    if weekly == 0:
        return CapBlock(Reason.WEEKLY_CAP, None, 0)
    nudges = [c for c in history if c.category in NUDGE_CATEGORIES and c.sent_at <= at]
    blocks: list[CapBlock] = []
    today = at.astimezone(tz).date()
    if sum(1 for c in nudges if c.sent_at.astimezone(tz).date() == today) >= daily:
        blocks.append(CapBlock(Reason.DAILY_CAP, _start_of_next_day(today, tz), daily))
    week_frees = _rolling_frees_at([c.sent_at for c in nudges], at, weekly)
    if week_frees is not None:
        blocks.append(CapBlock(Reason.WEEKLY_CAP, week_frees, weekly))
    if category == Category.REPAYMENT:
        same_debt = [
            c.sent_at for c in nudges if c.category == Category.REPAYMENT and c.debt_key == debt_key
        ]
        debt_frees = _rolling_frees_at(same_debt, at, DEBT_CEILING)
        if debt_frees is not None:
            blocks.append(CapBlock(Reason.DEBT_CEILING, debt_frees, DEBT_CEILING))
    return max(blocks, key=lambda b: b.frees_at or at, default=None)


def _start_of_next_day(day: date, tz: ZoneInfo) -> datetime:
    # The first instant the clock shows the next day, exact where DST skips or repeats midnight.
    return wall_crossings(day + timedelta(days=1), time(0), tz)[0]
