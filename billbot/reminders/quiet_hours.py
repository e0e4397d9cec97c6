"""Quiet hours: a nightly window of local wall-clock time in the user's IANA zone.

An instant is quiet when the user's own clock, at that instant, reads a time inside the window
`[start, end)`; a window with `start > end` wraps midnight (the default 21:00–08:00 does). This is
the definition a user can check on their phone, so DST needs no special rule, only care:

- when `end` falls in a spring-forward gap (02:30 in New York on the second Sunday of March), the
  clock never shows it; quiet hours end at the jump itself, when the clock leaps past `end`;
- in a fall-back overlap a wall time happens twice; each pass is judged by what the clock reads,
  so a window ending at 01:30 ends at the first 01:30 and holds again for the repeated half hour;
- a jump back from inside the window to before its start ends the quiet time at the jump.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_QUIET_END",
    "DEFAULT_QUIET_START",
    "QuietHours",
    "in_quiet_hours",
    "quiet_hours_end",
    "wall_crossings",
]

DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A local wall-clock window, `start` inclusive and `end` exclusive; may wrap midnight."""

    start: time = DEFAULT_QUIET_START
    end: time = DEFAULT_QUIET_END
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times without a zone")
        if self.enabled and self.start == self.end:
            raise ValueError("quiet hours need different start and end times (or enabled=False)")

    @property
    def wraps_midnight(self) -> bool:
        """Whether the window runs past midnight into the next day."""
        return self.start > self.end

    def covers(self, wall: time) -> bool:
        """Whether a clock reading `wall` is inside the window."""
        if not self.enabled:
            return False
        if self.wraps_midnight:
            return wall >= self.start or wall < self.end
        return self.start <= wall < self.end

    def label(self) -> str:
        """The window as people write it, e.g. "21:00–08:00"."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def in_quiet_hours(at: datetime, quiet: QuietHours, tz: ZoneInfo) -> bool:
    """Whether the user's clock in `tz` reads a quiet time at the instant `at`."""
    return quiet.covers(at.astimezone(tz).time())


def _transition_between(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The first whole-second instant in `(lo, hi]` with `hi`'s UTC offset (one change between)."""
    # Zone changes fall on whole seconds, so search those (then `lo` may carry microseconds).
    after = hi.astimezone(tz).utcoffset()
    low, high = math.floor(lo.timestamp()) + 1, math.floor(hi.timestamp())
    while low < high:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def wall_crossings(day: date, wall: time, tz: ZoneInfo) -> list[datetime]:
    """When the clock in `tz` reaches `wall` on `day`: twice in an overlap, at the jump in a gap."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return sorted({first, second})
    # A gap: the two readings straddle the jump, which is when the clock leaps past `wall`.
    return [_transition_between(min(first, second), max(first, second), tz)]


def quiet_hours_end(at: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """The first instant at or after `at` whose local time is outside quiet hours."""
    if not in_quiet_hours(at, quiet, tz):
        return at
    today = at.astimezone(tz).date()
    for offset in range(3):
        for crossing in wall_crossings(today + timedelta(days=offset), quiet.end, tz):
            if crossing > at and not in_quiet_hours(crossing, quiet, tz):
                return _earlier_jump_out(at, crossing, quiet, tz)
    raise RuntimeError(f"quiet hours {quiet.label()} never end in {tz.key} after {at.isoformat()}")


def _earlier_jump_out(at: datetime, end: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """`end`, or the DST jump before it if the clock jumps out of the window there."""
    if at.astimezone(tz).utcoffset() == end.astimezone(tz).utcoffset():
        return end
    jump = _transition_between(at, end, tz)
    if jump < end and not in_quiet_hours(jump, quiet, tz):
        return jump
    return end
