"""A week's spending from the sorted week table: totals, sub-categories, merchants, big purchases.

Every figure is an exact int64 sum over runs of the sorted table. The 4-week average divides the
base weeks' sum by how many base weeks the user's data covers, rounded half away from zero; its
change in basis points is computed from the sums themselves, (n * this week - base) / |base|, so
no rounded average leaks into a ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.basis_points import ratio_bps
from insights.runs import run_starts
from insights.weekly_table import (
    BASE,
    CURRENT,
    INSTALLMENT,
    LAST,
    LATE,
    PENDING,
    PURCHASE,
    WeekTable,
    ordered,
    run_numbers,
    sums,
    top_in_runs,
)
from insights.weeks import UserWeeks, as_dates

_TWELFTHS = np.array([0, 12, 6, 4, 3], dtype=np.int64)


@dataclass(frozen=True)
class SpendingFrames:
    """The spending part of a weekly report, one tidy frame per section, sorted by user_id.

    `sub_total_row` and `largest_total_row` give, for each row of those frames, the row of its
    user and currency in `totals`.
    """

    totals: pd.DataFrame
    sub_categories: pd.DataFrame
    merchants: pd.DataFrame
    largest: pd.DataFrame
    sub_total_row: np.ndarray
    largest_total_row: np.ndarray


def spending_frames(
    table: WeekTable,
    users: UserWeeks,
    *,
    top_merchants: int,
    largest_count: int,
) -> SpendingFrames:
    """Build the totals, sub-category, merchant and largest-purchase frames from the table."""
    sub_starts = table.starts(3)
    sub_of_row = run_numbers(sub_starts, len(table.user))
    sub = _week_sums(table, sub_of_row, len(sub_starts))
    # Sub-category runs nest in currency runs: a currency run starts where its first one does.
    first_sub = run_starts([table.user[sub_starts], table.currency[sub_starts]])
    currency_of_sub = run_numbers(first_sub, len(sub_starts))
    currency_of_row = currency_of_sub[sub_of_row]
    total = sums(sub, first_sub) | _apart_sums(table, currency_of_row, len(first_sub))
    currency_first = sub_starts[first_sub]
    activity = ("count", "last_count", "base_count", "pending_count", "installments_count")
    counted = np.logical_or.reduce([total[name] > 0 for name in activity])
    total_row = np.cumsum(counted) - 1
    subs, kept = _sub_categories(table, users, sub_starts, sub, total["amount"][currency_of_sub])
    largest, largest_currency = _largest(table, users, currency_of_row, largest_count)
    return SpendingFrames(
        totals=_totals(table, users, currency_first, total, counted),
        sub_categories=subs,
        merchants=_merchants(
            table, users, currency_of_row, currency_first, total["amount"], top_merchants
        ),
        largest=largest,
        sub_total_row=total_row[currency_of_sub[kept]],
        largest_total_row=total_row[largest_currency],
    )


def rounded_average(total: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Return total / weeks (0-4 weeks) rounded half away from zero; 0 where there are no weeks."""
    # (2|t| + w) / 2w is (2|t| + w) * (12 / w) / 24 with 12 / w whole for w in 1-4, so every row
    # divides by the same 24, far cheaper than dividing by a column; w = 0 multiplies by 0.
    average = np.abs(total)
    average *= 2
    average += weeks
    average *= _TWELFTHS[weeks]
    average //= 24
    np.negative(average, out=average, where=total < 0)
    return average


def _week_sums(table: WeekTable, group: np.ndarray, groups: int) -> dict[str, np.ndarray]:
    """Each group's amount and count this week, last week and over the base weeks."""
    result = {}
    for name, feed in (("", CURRENT), ("last_", LAST), ("base_", BASE)):
        result[f"{name}amount"], result[f"{name}count"] = _sums_where(
            table, table.has(feed), group, groups
        )
    return result


def _apart_sums(table: WeekTable, currency: np.ndarray, currencies: int) -> dict[str, np.ndarray]:
    """Per currency: purchases, and what is reported apart (pending, installments, late-night)."""
    result = {}
    for name, feed in (("pending", PENDING), ("installments", INSTALLMENT), ("late", LATE)):
        result[f"{name}_amount"], result[f"{name}_count"] = _sums_where(
            table, table.has(feed), currency, currencies
        )
    purchases = table.has(CURRENT) & (table.amount > 0)
    result["purchases"] = _sums_where(table, purchases, currency, currencies)[0]
    return result


def _sums_where(
    table: WeekTable, mask: np.ndarray, group: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Amount and count of the masked rows per group, scatter-added over those rows alone."""
    rows = np.flatnonzero(mask)
    at = group[rows]
    amount = np.zeros(groups, dtype=np.int64)
    count = np.zeros(groups, dtype=np.int64)
    np.add.at(amount, at, table.amount[rows])
    np.add.at(count, at, table.weight[rows])
    return amount, count


def _totals(
    table: WeekTable,
    users: UserWeeks,
    first: np.ndarray,
    total: dict[str, np.ndarray],
    counted: np.ndarray,
) -> pd.DataFrame:
    user = table.user[first]
    amount, last, base = total["amount"], total["last_amount"], total["base_amount"]
    weeks = users.base_weeks[user]
    average = rounded_average(base, weeks)
    columns = {
        "user_id": users.user_id[user],
        "currency": table.label("currency", first),
        "total_spent_minor": amount,
        "purchases_minor": total["purchases"],
        "refunds_minor": amount - total["purchases"],
        "transaction_count": total["count"],
        "last_week_minor": last,
        "last_week_count": total["last_count"],
        "change_vs_last_week_minor": amount - last,
        "change_vs_last_week_bps": ratio_bps(amount - last, np.abs(last)),
        "base_weeks": weeks,
        "average_4w_minor": pd.arrays.IntegerArray(average, weeks <= 0),
        "change_vs_average_minor": pd.arrays.IntegerArray(amount - average, weeks <= 0),
        "change_vs_average_bps": ratio_bps(weeks * amount - base, np.abs(base)),
        # The scale insights weigh amounts against: a typical week, at least one minor unit.
        "typical_week_minor": np.maximum(np.maximum(average, amount), 1),
        "pending_minor": total["pending_amount"],
        "pending_count": total["pending_count"],
        "installments_minor": total["installments_amount"],
        "installments_count": total["installments_count"],
        "late_night_count": _optional(total["late_count"], table.has_local_time),
        "late_night_minor": _optional(total["late_amount"], table.has_local_time),
    }
    return pd.DataFrame({name: values[counted] for name, values in columns.items()}, copy=False)


def _sub_categories(
    table: WeekTable,
    users: UserWeeks,
    starts: np.ndarray,
    sub: dict[str, np.ndarray],
    currency_total: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Sub-categories with spending in any of the five weeks, in slug order within the currency."""
    kept = np.flatnonzero((sub["count"] + sub["last_count"] + sub["base_count"]) > 0)
    rows = starts[kept]
    user = table.user[rows]
    amount, base, weeks = sub["amount"][kept], sub["base_amount"][kept], users.base_weeks[user]
    average = rounded_average(base, weeks)
    no_base = weeks <= 0
    columns = {
        "user_id": users.user_id[user],
        "currency": table.label("currency", rows),
        "category": table.label("category", rows),
        "sub_category": table.label("sub_category", rows),
        "amount_minor": amount,
        "count": sub["count"][kept],
        "share_bps": ratio_bps(amount, currency_total[kept]),
        "last_week_minor": sub["last_amount"][kept],
        "base_minor": base,
        "base_count": sub["base_count"][kept],
        "average_4w_minor": pd.arrays.IntegerArray(average, no_base),
        "change_vs_average_minor": pd.arrays.IntegerArray(amount - average, no_base),
        # The move against the average, scaled by the number of base weeks so it stays exact.
        "change_vs_average_bps": ratio_bps(weeks * amount - base, np.abs(base)),
    }
    return pd.DataFrame(columns, copy=False), kept


def _merchants(
    table: WeekTable,
    users: UserWeeks,
    currency_of_row: np.ndarray,
    currency_first: np.ndarray,
    currency_total: np.ndarray,
    top_merchants: int,
) -> pd.DataFrame:
    """The week's biggest named merchants per user and currency, across sub-categories."""
    rows = np.flatnonzero(table.has(CURRENT) & table.named())
    group = currency_of_row[rows]
    merchant = table.merchant[rows]
    sizes = [len(currency_first), len(table.labels["merchant_name"])]
    order, (group, merchant) = ordered([group, merchant], sizes)
    rows = rows[order]
    first = run_starts([group, merchant])
    totals = sums({"amount": table.amount[rows], "count": table.weight[rows]}, first)
    group, merchant = group[first], merchant[first]
    # Merchants run in name order within the group, so the name breaks ties.
    rank = top_in_runs(run_starts([group]), [totals["amount"]], totals["amount"] > 0, top_merchants)
    shown = np.flatnonzero(rank >= 0)
    shown = shown[np.lexsort((rank[shown], group[shown]))]
    head = currency_first[group[shown]]
    columns = {
        "user_id": users.user_id[table.user[head]],
        "currency": table.label("currency", head),
        "rank": rank[shown],
        "merchant": table.label("merchant_name", rows[first][shown]),
        "amount_minor": totals["amount"][shown],
        "count": totals["count"][shown],
        "share_bps": ratio_bps(totals["amount"][shown], currency_total[group[shown]]),
    }
    return pd.DataFrame(columns, copy=False)


def _largest(
    table: WeekTable, users: UserWeeks, currency_of_row: np.ndarray, largest_count: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """The week's largest single purchases per user and currency; smaller ids win ties."""
    rows = np.flatnonzero(table.has(CURRENT) & table.has(PURCHASE))
    group = currency_of_row[rows]
    transaction_id = table.transaction_id(rows)
    keys = [table.amount[rows], -transaction_id]
    rank = top_in_runs(run_starts([group]), keys, np.ones(len(rows), dtype=bool), largest_count)
    shown = np.flatnonzero(rank >= 0)
    shown = shown[np.lexsort((rank[shown], group[shown]))]
    rows, rank = rows[shown], rank[shown]
    columns = {
        "user_id": users.user_id[table.user[rows]],
        "currency": table.label("currency", rows),
        "rank": rank,
        "transaction_id": transaction_id[shown],
        "merchant": table.label("merchant_name", rows),
        "category": table.label("category", rows),
        "sub_category": table.label("sub_category", rows),
        "amount_minor": table.amount[rows],
        "local_date": as_dates(users.start[table.user[rows]] + table.rel[rows]),
    }
    return pd.DataFrame(columns, copy=False), group[shown]


def _optional(values: np.ndarray, present: bool) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values, np.full(len(values), not present))
