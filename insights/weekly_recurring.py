"""Recurring charges that are new this week or cost more than last time, found in the history.

A series is one merchant's posted purchases for a user, in one currency and sub-category, in date
order (charges on the same day count as one). Two consecutive charges form a regular step when
they are a week (6-8 days) or a month (26-35 days) apart. One charge alone says nothing about a
cadence, so a series is *new* when its first regular step with a similar amount (within ±10%)
ends this week, the charge before it is the series' first, and the history reaches far enough
back that an earlier charge would have been seen. A *price rise* is a regular step ending this
week whose amount rose (by up to 50%), after a regular, similar step at the same cadence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.basis_points import BPS_PER_UNIT, ratio_bps
from insights.runs import run_starts
from insights.weekly_table import CANDIDATE, WeekTable, ordered, run_numbers
from insights.weeks import UserWeeks, as_dates

WEEKLY, MONTHLY = 1, 2
CADENCES = pd.Index(["weekly", "monthly"])


@dataclass(frozen=True)
class RecurringRules:
    """How regular and how similar charges must be to count as one recurring series."""

    weekly_days: tuple[int, int] = (6, 8)
    monthly_days: tuple[int, int] = (26, 35)
    similar_bps: int = 1_000
    # A jump beyond this is more likely a different purchase than a new price.
    max_rise_bps: int = 5_000


def recurring_changes(
    table: WeekTable, users: UserWeeks, *, history_days: int, rules: RecurringRules
) -> pd.DataFrame:
    """Return this week's new recurring charges and price rises, one row per charge."""
    candidate = table.has(CANDIDATE)
    # Only a series with a charge this week can change this week; looking at those alone keeps
    # the work in proportion to one week, however long the history.
    merchant_starts = table.starts(4)
    charged = np.zeros(len(merchant_starts), dtype=bool)
    if len(merchant_starts):
        this_week = (candidate & (table.rel >= 0)).astype(np.int8)
        charged = np.maximum.reduceat(this_week, merchant_starts) > 0
    rows = np.flatnonzero(candidate & charged[run_numbers(merchant_starts, len(candidate))])
    series_keys = [table.user[rows], table.currency[rows], table.pair[rows], table.merchant[rows]]
    series = run_numbers(run_starts(series_keys), len(rows))
    # Each series in date order; same-day charges at one merchant are summed, so their order
    # cannot matter.
    order, (series, _) = ordered(
        [series, table.rel[rows] + history_days], [len(rows), history_days + 7]
    )
    rows = rows[order]
    charge_starts = run_starts([series, table.rel[rows]])
    amount = transaction_id = np.zeros(0, dtype=np.int64)
    if len(rows):
        amount = np.add.reduceat(table.amount[rows], charge_starts)
        transaction_id = np.maximum.reduceat(table.transaction_id(rows), charge_starts)
    rows, series = rows[charge_starts], series[charge_starts]
    rel = table.rel[rows]

    same = np.zeros(len(rows), dtype=bool)
    same[1:] = series[1:] == series[:-1]
    gap = np.zeros(len(rows), dtype=np.int64)
    gap[1:] = rel[1:] - rel[:-1]
    previous = np.zeros(len(rows), dtype=np.int64)
    previous[1:] = amount[:-1]
    cadence = np.where(
        same & _within(gap, rules.weekly_days),
        WEEKLY,
        np.where(same & _within(gap, rules.monthly_days), MONTHLY, 0),
    )
    step = amount - previous
    similar = same & (np.abs(step) * BPS_PER_UNIT <= rules.similar_bps * previous)
    steady = (cadence > 0) & similar
    steady_before = np.zeros(len(rows), dtype=bool)
    steady_before[1:] = steady[:-1] & (cadence[:-1] == cadence[1:])
    first_of_series = np.ones(len(rows), dtype=bool)
    first_of_series[1:] = ~same[1:]
    after_first = np.zeros(len(rows), dtype=bool)
    after_first[1:] = first_of_series[:-1] & same[1:]

    user = table.user[rows]
    window_start = users.history_start[user]
    longest_gap = np.where(cadence == WEEKLY, rules.weekly_days[1], rules.monthly_days[1])
    # The charge before must be late enough in the history that one before it would show.
    seen_before = (rel - gap) + users.start[user] - window_start >= longest_gap
    this_week = rel >= 0
    new = this_week & steady & after_first & seen_before
    rise = (
        this_week
        & (cadence > 0)
        & steady_before
        & (step > 0)
        & (step * BPS_PER_UNIT <= rules.max_rise_bps * previous)
    )
    found = np.flatnonzero(new | rise)
    user, rows = user[found], rows[found]
    return pd.DataFrame(
        {
            "user_id": users.user_id[user],
            "currency": table.label("currency", rows),
            "merchant": table.label("merchant_name", rows),
            "category": table.label("category", rows),
            "sub_category": table.label("sub_category", rows),
            "change": np.where(new[found], "new", "price_rise").astype(object),
            "cadence": pd.Categorical.from_codes(
                cadence[found] - 1, dtype=pd.CategoricalDtype(CADENCES)
            ),
            "transaction_id": transaction_id[found],
            "local_date": as_dates(users.start[user] + rel[found]),
            "amount_minor": amount[found],
            "previous_date": as_dates(users.start[user] + rel[found] - gap[found]),
            "previous_amount_minor": previous[found],
            "change_bps": ratio_bps(step[found], previous[found]),
        }
    )


def _within(values: np.ndarray, bounds: tuple[int, int]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])
