"""One light, friendly line per report, never shaming: the first of these that applies.

1. under_pace_streak: two or more weeks in a row, ending with this one, at or under the user's
   own ideal bill spread over a week;
2. saved_vs_average: this week came in under the 4-week average by at least one of the user's
   usual purchases (their most frequent sub-category, at its average price), said as a count of
   them ("about 3 coffee purchases");
3. steady_week: this week within 10% of the 4-week average.

When that kind applies in several of a user's currencies, the one with the most spending this
week speaks (ties go to the currency code). A week that went up a lot simply gets no touch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.runs import run_starts
from insights.weekly_spending import SpendingFrames
from insights.weekly_table import HISTORY, WeekTable, run_numbers, top_in_runs
from insights.weeks import UserWeeks

TOUCH_KINDS = ("under_pace_streak", "saved_vs_average", "steady_week")
STEADY_BPS = 1_000
_INTEGERS = ("user_id", "weeks", "amount_minor", "count", "bps")
TOUCH_COLUMNS = (
    "user_id",
    "kind",
    "currency",
    "weeks",
    "amount_minor",
    "count",
    "category",
    "sub_category",
    "bps",
)


def weekly_totals(
    table: WeekTable, users: UserWeeks, *, history_days: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each user and currency's spending in each week of the history, this week first.

    Returns a frame of user_id, currency and `covered` (how many weeks, counting this one, the
    user's history fully covers) and a matching int64 matrix: column k is the week k weeks back.
    """
    span = history_days // 7 + 1
    first = table.starts(2)
    cell = run_numbers(first, len(table.user)).astype(np.int64)
    cell *= span
    back = table.rel // 7
    np.negative(back, out=back)
    cell += back
    # The oldest week may be only partly inside the history; it is never counted.
    counted = table.has(HISTORY) & (back < span)
    matrix = np.zeros(len(first) * span, dtype=np.int64)
    if counted.all():
        np.add.at(matrix, cell, table.amount)
    else:
        np.add.at(matrix, cell[counted], table.amount[counted])
    user = table.user[first]
    start = users.start[user]
    since = users.history_start[user]
    frame = pd.DataFrame(
        {
            "user_id": users.user_id[user],
            "currency": table.label("currency", first),
            "covered": np.clip(1 + (start - since) // 7, 0, span),
        }
    )
    return frame, matrix.reshape(len(first), span)


def choose_touch(
    *,
    spending: SpendingFrames,
    history: tuple[pd.DataFrame, np.ndarray],
    pace: pd.DataFrame,
) -> pd.DataFrame:
    """Pick at most one friendly touch per user: kind, currency and its few parameters."""
    totals = spending.totals
    parts = [_streaks(*history, pace), _savings(spending), _steady(totals)]
    candidates = pd.concat([_typed(part) for part in parts], ignore_index=True)
    spent = totals[["user_id", "currency", "total_spent_minor"]].astype(
        {"total_spent_minor": "Int64"}
    )
    candidates = candidates.merge(spent, on=["user_id", "currency"], how="left")
    candidates["priority"] = pd.Categorical(candidates["kind"], categories=TOUCH_KINDS).codes
    candidates["spent"] = candidates["total_spent_minor"].fillna(0)
    candidates = candidates.sort_values(
        ["user_id", "priority", "spent", "currency"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    chosen = candidates.drop_duplicates("user_id", keep="first")
    return chosen.loc[:, list(TOUCH_COLUMNS)].reset_index(drop=True)


def _typed(part: pd.DataFrame) -> pd.DataFrame:
    """Give each kind's candidates every column, integers as Int64, so concatenating keeps them."""
    columns = {}
    for name in TOUCH_COLUMNS:
        present = name in part.columns
        if name in _INTEGERS:
            values = part[name] if present else pd.Series(pd.NA, index=part.index)
            columns[name] = values.astype("Int64")
        else:
            columns[name] = (
                part[name] if present else pd.Series(None, index=part.index, dtype=object)
            )
    return pd.DataFrame(columns)


def _streaks(weeks: pd.DataFrame, matrix: np.ndarray, pace: pd.DataFrame) -> pd.DataFrame:
    with_pace = weeks.reset_index().merge(pace, on=["user_id", "currency"], how="inner")
    matrix = matrix[with_pace["index"].to_numpy()]
    span = matrix.shape[1]
    under = matrix <= with_pace["pace_minor"].to_numpy()[:, None]
    under &= np.arange(span)[None, :] < with_pace["covered"].to_numpy()[:, None]
    streak = np.cumprod(under, axis=1).sum(axis=1)
    chosen = with_pace[streak >= 2]
    return pd.DataFrame(
        {
            "user_id": chosen["user_id"],
            "kind": "under_pace_streak",
            "currency": chosen["currency"],
            "weeks": streak[streak >= 2],
            "amount_minor": chosen["pace_minor"],
        }
    )


def _savings(spending: SpendingFrames) -> pd.DataFrame:
    subs, totals = spending.sub_categories, spending.totals
    base_count = subs["base_count"].to_numpy()
    base_minor = subs["base_minor"].to_numpy()
    # The usual purchase: the most frequent sub-category of the base weeks (the cheaper on ties,
    # as the more everyday), at its average price.
    usual = top_in_runs(
        run_starts([spending.sub_total_row]),
        [base_count, -base_minor],
        (base_count > 0) & (base_minor > 0),
        1,
    )
    rows = np.flatnonzero(usual == 0)
    total_row = spending.sub_total_row[rows]
    price = base_minor[rows] // base_count[rows]
    average = totals["average_4w_minor"].to_numpy(dtype=np.int64, na_value=0)[total_row]
    saved = average - totals["total_spent_minor"].to_numpy()[total_row]
    items = saved // np.maximum(price, 1)
    chosen = (saved > 0) & (price > 0) & (items >= 1)
    return pd.DataFrame(
        {
            "user_id": totals["user_id"].to_numpy()[total_row[chosen]],
            "kind": "saved_vs_average",
            "currency": totals["currency"].to_numpy()[total_row[chosen]],
            "amount_minor": saved[chosen],
            "count": items[chosen],
            "category": subs["category"].to_numpy()[rows[chosen]],
            "sub_category": subs["sub_category"].to_numpy()[rows[chosen]],
        }
    )


def _steady(totals: pd.DataFrame) -> pd.DataFrame:
    bps = totals["change_vs_average_bps"]
    steady = (bps.abs() <= STEADY_BPS).fillna(False) & (totals["average_4w_minor"] > 0).fillna(
        False
    )
    chosen = totals[steady.to_numpy()]
    return pd.DataFrame(
        {
            "user_id": chosen["user_id"],
            "kind": "steady_week",
            "currency": chosen["currency"],
            "bps": chosen["change_vs_average_bps"],
        }
    )
