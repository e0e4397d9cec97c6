"""Week arithmetic on local calendar dates, and the users frame that says where each week starts.

A user's week starts on their own `week_start` (0 = Monday ... 6 = Sunday, as `date.weekday()`),
and every date here is already the user's local date, so a week is plain date arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

MONDAY, SUNDAY = 0, 6
LOCALES = ("en", "zh-CN")
USER_COLUMNS = ("user_id", "week_start", "locale")
# Days since 1970-01-01, the unit every vectorised date below is counted in.
_EPOCH = date(1970, 1, 1)


class UsersFrameError(ValueError):
    """A users frame that does not follow the schema; the message names what is wrong."""


def week_bounds(day: date, week_start: int = MONDAY) -> tuple[date, date]:
    """Return the first and last day of the week holding `day`, weeks starting on `week_start`."""
    _check_week_start(week_start)
    day = _as_date(day)
    start = day - timedelta(days=(day.weekday() - week_start) % 7)
    return start, start + timedelta(days=6)


def day_number(day: date) -> int:
    """Return `day` as a count of days since 1970-01-01."""
    return (_as_date(day) - _EPOCH).days


def day_numbers(values: pd.Series) -> np.ndarray:
    """Return a datetime64 column as int64 days since 1970-01-01."""
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)


def as_dates(days: np.ndarray) -> np.ndarray:
    """Return day numbers as a datetime64 array of local dates."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


@dataclass(frozen=True)
class UserWeeks:
    """One row per user, sorted by user_id: where their report week starts and ends, in day numbers.

    `base_weeks` is how many of the four weeks before the report week the user's data covers
    (fewer for someone who joined recently), so their 4-week average is not diluted by weeks
    they were not here.
    """

    user_id: np.ndarray
    week_start: np.ndarray
    locale: np.ndarray
    start: np.ndarray
    end: np.ndarray
    as_of: np.ndarray
    base_weeks: np.ndarray
    history_start: np.ndarray

    def positions(self, user_ids: np.ndarray) -> np.ndarray:
        """Return each id's row in this table, or -1 for ids that are not here."""
        ids = np.asarray(user_ids, dtype=np.int64)
        if not len(self.user_id) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        low, high = int(self.user_id[0]), int(self.user_id[-1])
        if low >= 0 and high < 4 * len(self.user_id) + 1_000_000:
            # Compact ids: one lookup table beats a binary search per row.
            table = np.full(high + 1, -1, dtype=np.int32 if len(self.user_id) < 2**31 else np.int64)
            table[self.user_id] = np.arange(len(self.user_id))
            if ids.min() >= 0 and ids.max() <= high:
                return table[ids]
            inside = (ids >= 0) & (ids <= high)
            return np.where(inside, table[np.clip(ids, 0, high)], -1)
        found = np.searchsorted(self.user_id, ids)
        found = np.minimum(found, len(self.user_id) - 1)
        return np.where(self.user_id[found] == ids, found, -1)


def user_weeks(
    users: pd.DataFrame, *, week_of: date, as_of: date | None, history_days: int
) -> UserWeeks:
    """Validate the users frame and place each user's report week around `week_of`.

    `users` holds user_id, week_start (0-6) and locale ("en" or "zh-CN"), and may hold
    `history_start`, the first local date the user's data is complete from (someone who joined
    recently). Otherwise the transaction frame is taken to cover `history_days` before the week.
    """
    if not isinstance(users, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of users, got {type(users).__name__}")
    missing = [column for column in USER_COLUMNS if column not in users.columns]
    if missing:
        raise UsersFrameError("users frame is missing columns: " + ", ".join(missing))
    user_id = _integers(users["user_id"], "user_id")
    week_start = _integers(users["week_start"], "week_start")
    if len(week_start) and (week_start.min() < MONDAY or week_start.max() > SUNDAY):
        raise UsersFrameError("week_start must be 0 (Monday) to 6 (Sunday)")
    locale = users["locale"].to_numpy(dtype=object)
    unknown = sorted({str(value) for value in pd.unique(locale)} - set(LOCALES))
    if unknown:
        raise UsersFrameError(f"locale must be one of {', '.join(LOCALES)}, got {unknown}")
    order = np.argsort(user_id, kind="stable")
    user_id, week_start, locale = user_id[order], week_start[order], locale[order]
    if len(user_id) and (user_id[1:] == user_id[:-1]).any():
        raise UsersFrameError("user_id must be unique in the users frame")
    reference = day_number(week_of)
    # 1970-01-01 was a Thursday (weekday 3).
    start = reference - (reference + 3 - week_start) % 7
    history_start = _history_start(users, order, start - history_days)
    weeks_before = np.clip((start - history_start) // 7, 0, 4)
    if as_of is None:
        # A weekly report covers a finished week and is read the morning after it.
        as_of_days = start + 7
    else:
        as_of_days = np.full(len(user_id), day_number(as_of), dtype=np.int64)
    return UserWeeks(
        user_id=user_id,
        week_start=week_start,
        locale=locale,
        start=start,
        end=start + 6,
        as_of=as_of_days,
        base_weeks=weeks_before,
        history_start=history_start,
    )


def _history_start(users: pd.DataFrame, order: np.ndarray, floor: np.ndarray) -> np.ndarray:
    if "history_start" not in users.columns:
        return floor
    values = users["history_start"]
    missing = values.isna().to_numpy()[order]
    filled = pd.to_datetime(values.where(values.notna(), pd.Timestamp(_EPOCH)))
    days = day_numbers(filled)[order]
    return np.maximum(np.where(missing, floor, days), floor)


def _integers(values: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) or values.isna().any():
        raise UsersFrameError(f"{name} must hold integers")
    if not pd.api.types.is_integer_dtype(values.dtype) and pd.api.types.infer_dtype(values) not in (
        "integer",
        "empty",
    ):
        raise UsersFrameError(f"{name} must hold integers, got {values.dtype}")
    return values.to_numpy(dtype=np.int64)


def _check_week_start(week_start: int) -> None:
    if isinstance(week_start, bool) or week_start not in range(MONDAY, SUNDAY + 1):
        raise ValueError(f"week_start must be 0 (Monday) to 6 (Sunday), got {week_start!r}")


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value
