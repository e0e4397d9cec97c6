"""Spending breakdowns: where the money went, per user and currency, against a previous period.

Spending is every posted row except repayments, with refunds netted against the category,
sub-category and merchant they carry. Postings of an installment plan (kind `installment` with an
`installment_plan_id`) pay off a purchase that was counted when it was made, so they are reported
apart under `installments`. Pending rows that would count as spending once posted are reported
apart under `pending`. Currencies are never added together.

The rows are sorted once by (user, currency, category, sub-category, merchant) and summed into a
table with one row per merchant; every coarser level is a run of that table and is rolled up from
the same integers, so merchants (with `others`) sum exactly to their sub-category,
sub-categories to their category and categories to the currency's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from insights.basis_points import ratio_bps
from insights.breakdown_render import render_user
from insights.frames import validate_transactions
from insights.runs import run_ids, run_starts, run_sums, sort_order

_KEYS = ["user_id", "currency", "category", "sub_category", "merchant_name"]
_CURRENCY, _CATEGORY, _SUB_CATEGORY = 2, 3, 4  # how many keys each level groups by
_FRAMES = ("totals", "categories", "sub_categories", "merchants", "pending", "installments")
_GROUP_SUMS = [
    "amount_minor",
    "purchases_minor",
    "refunds_minor",
    "count",
    "previous_amount_minor",
    "previous_count",
]


@dataclass(frozen=True, eq=False)
class BreakdownFrames:
    """Tidy breakdown frames for many users, sorted by `user_id` first; treat them as read-only.

    - totals: user_id, currency, total_spent_minor, purchases_minor, refunds_minor (<= 0),
      transaction_count, previous_total_spent_minor, change_minor, change_bps
    - categories: user_id, currency, category, amount_minor, purchases_minor, refunds_minor,
      count, share_bps, previous_amount_minor, change_minor (sub_categories add sub_category)
    - merchants: user_id, currency, category, sub_category, merchant (missing for `others`),
      others, rank (0 is the biggest; `others` ranks last), amount_minor, count, share_bps
    - pending, installments: user_id, currency, amount_minor, count
    """

    start: date
    end: date
    prev_start: date
    prev_end: date
    totals: pd.DataFrame
    categories: pd.DataFrame
    sub_categories: pd.DataFrame
    merchants: pd.DataFrame
    pending: pd.DataFrame
    installments: pd.DataFrame

    def user_rows(self, frame: str, user_id: int) -> list[dict[str, Any]]:
        """Return one user's rows of the named frame as dicts of Python values (None if missing)."""
        columns = self._python_columns[frame]
        user_ids = columns["user_id"]
        first = int(np.searchsorted(user_ids, user_id, side="left"))
        last = int(np.searchsorted(user_ids, user_id, side="right"))
        names = [name for name in columns if name != "user_id"]
        values = [columns[name][first:last].tolist() for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    @cached_property
    def _python_columns(self) -> dict[str, dict[str, np.ndarray]]:
        # Converted once, so rendering each of many users only slices arrays.
        return {
            name: {column: _python_ready(values) for column, values in getattr(self, name).items()}
            for name in _FRAMES
        }


def breakdown_frames(
    tx: pd.DataFrame,
    *,
    start: date,
    end: date,
    prev_start: date,
    prev_end: date,
    top_merchants: int = 5,
) -> BreakdownFrames:
    """Break down spending in [start, end] against [prev_start, prev_end] for every user in `tx`."""
    return _breakdown_valid(
        validate_transactions(tx),
        start=start,
        end=end,
        prev_start=prev_start,
        prev_end=prev_end,
        top_merchants=top_merchants,
    )


def breakdown(
    tx: pd.DataFrame,
    *,
    user_id: int,
    start: date,
    end: date,
    prev_start: date,
    prev_end: date,
    top_merchants: int = 5,
) -> dict[str, Any]:
    """Return one user's JSON-ready breakdown of [start, end] against [prev_start, prev_end]."""
    valid = validate_transactions(tx)
    frames = _breakdown_valid(
        valid[valid["user_id"].to_numpy() == user_id],
        start=start,
        end=end,
        prev_start=prev_start,
        prev_end=prev_end,
        top_merchants=top_merchants,
    )
    return breakdown_for_user(frames, user_id)


def breakdown_for_user(frames: BreakdownFrames, user_id: int) -> dict[str, Any]:
    """Render one user's breakdown from the batch frames as a JSON-ready nested dict."""
    return render_user(frames, user_id)


@dataclass(frozen=True)
class _Table:
    """One row per (user, currency, category, sub-category, merchant), sorted by those keys."""

    keys: dict[str, np.ndarray]  # user ids, and label codes that sort as the labels do
    labels: dict[str, pd.Index]  # the text behind each label's codes
    sums: dict[str, np.ndarray]
    starts: dict[int, np.ndarray]  # first row of each group of the first n keys

    def level(
        self, depth: int, sums: list[str]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Return the keys and the given sums of each group of the first `depth` keys."""
        starts = self.starts[depth]
        keys = {key: self.keys[key][starts] for key in _KEYS[:depth]}
        return keys, run_sums({name: self.sums[name] for name in sums}, starts)

    def group_of_row(self, depth: int) -> np.ndarray:
        """Return, for each row, the number of its group of the first `depth` keys."""
        return run_ids(self.starts[depth], len(self.keys["user_id"]))


def _breakdown_valid(
    tx: pd.DataFrame,
    *,
    start: date,
    end: date,
    prev_start: date,
    prev_end: date,
    top_merchants: int,
) -> BreakdownFrames:
    start, end = _checked_range(start, end, "period")
    prev_start, prev_end = _checked_range(prev_start, prev_end, "previous period")
    if isinstance(top_merchants, bool) or not isinstance(top_merchants, int) or top_merchants < 0:
        raise ValueError(f"top_merchants must be a whole number >= 0, got {top_merchants!r}")
    table = _group_table(tx, (start, end), (prev_start, prev_end))
    keys, sums = table.level(_CURRENCY, list(table.sums))
    total, previous = sums["amount_minor"], sums["previous_amount_minor"]
    # Each row's share is of its currency's total for the period.
    currency_total = total[table.group_of_row(_CURRENCY)]
    totals = _frame(
        table,
        keys,
        {
            "total_spent_minor": total,
            "purchases_minor": sums["purchases_minor"],
            "refunds_minor": sums["refunds_minor"],
            "transaction_count": sums["count"],
            "previous_total_spent_minor": previous,
            "change_minor": total - previous,
            "change_bps": ratio_bps(total - previous, np.abs(previous)),
        },
    )
    apart = {}
    for name in ("pending", "installments"):
        flows = {"amount_minor": sums[f"{name}_amount_minor"], "count": sums[f"{name}_count"]}
        apart[name] = _frame(table, keys, flows, rows=np.flatnonzero(flows["count"] > 0))
    return BreakdownFrames(
        start=start,
        end=end,
        prev_start=prev_start,
        prev_end=prev_end,
        totals=totals,
        categories=_group_frame(table, _CATEGORY, currency_total),
        sub_categories=_group_frame(table, _SUB_CATEGORY, currency_total),
        merchants=_merchant_frame(table, top_merchants, currency_total),
        pending=apart["pending"],
        installments=apart["installments"],
    )


def _group_table(
    tx: pd.DataFrame, current: tuple[date, date], previous: tuple[date, date]
) -> _Table:
    days = tx["local_date"]
    in_current = days.between(pd.Timestamp(current[0]), pd.Timestamp(current[1])).to_numpy()
    in_previous = days.between(pd.Timestamp(previous[0]), pd.Timestamp(previous[1])).to_numpy()
    posted = (tx["status"] == "posted").to_numpy()
    plan_posting = ((tx["kind"] == "installment") & tx["installment_plan_id"].notna()).to_numpy()
    spend_like = (tx["kind"] != "repayment").to_numpy() & ~plan_posting
    # A row feeds the current period, the previous one (both, if the ranges overlap), pending,
    # or installments; rows that feed nothing are dropped before sorting.
    feeds = {
        "current": posted & spend_like & in_current,
        "previous": posted & spend_like & in_previous,
        "pending": ~posted & spend_like & in_current,
        "installments": posted & plan_posting & in_current,
    }
    relevant = np.logical_or.reduce(list(feeds.values()))
    current_, previous_, pending, installments = (feed[relevant] for feed in feeds.values())
    amount = tx["amount_minor"].to_numpy()[relevant]
    weight = tx["row_count"].to_numpy()[relevant]
    contributions = {
        "amount_minor": np.where(current_, amount, 0),
        "purchases_minor": np.where(current_ & (amount > 0), amount, 0),
        "refunds_minor": np.where(current_ & (amount < 0), amount, 0),
        "count": np.where(current_, weight, 0),
        "previous_amount_minor": np.where(previous_, amount, 0),
        "previous_count": np.where(previous_, weight, 0),
        "pending_amount_minor": np.where(pending, amount, 0),
        "pending_count": np.where(pending, weight, 0),
        "installments_amount_minor": np.where(installments, amount, 0),
        "installments_count": np.where(installments, weight, 0),
    }
    # Labels are categoricals with sorted categories, so their codes sort as the slugs do.
    user_ids = tx["user_id"].to_numpy()[relevant]
    user_codes, unique_users = pd.factorize(user_ids, sort=True)
    codes: list[np.ndarray] = [user_codes.astype(np.int64)]
    codes += [tx[key].cat.codes.to_numpy(dtype=np.int64)[relevant] for key in _KEYS[1:]]
    labels = {key: tx[key].cat.categories for key in _KEYS[1:]}
    order = sort_order(codes, [len(unique_users), *(len(labels[key]) for key in _KEYS[1:])])
    sorted_codes = [code[order] for code in codes]
    first = run_starts(sorted_codes)
    keys = {"user_id": user_ids[order][first]}
    keys |= {key: code[first] for key, code in zip(_KEYS[1:], sorted_codes[1:], strict=True)}
    group_keys = list(keys.values())
    return _Table(
        keys=keys,
        labels=labels,
        sums=run_sums({name: values[order] for name, values in contributions.items()}, first),
        starts={depth: run_starts(group_keys[:depth]) for depth in range(1, len(_KEYS) + 1)},
    )


def _group_frame(table: _Table, depth: int, currency_total: np.ndarray) -> pd.DataFrame:
    """Categories (depth 3) or sub-categories (depth 4) with spending in either period."""
    keys, sums = table.level(depth, _GROUP_SUMS)
    amount, previous = sums["amount_minor"], sums["previous_amount_minor"]
    starts = table.starts[depth]
    parent = table.group_of_row(depth - 1)[starts]
    # Biggest first within the parent; rows already run in slug order and lexsort is stable,
    # so the slug breaks ties.
    order = np.lexsort((-amount, parent))
    order = order[(sums["count"] + sums["previous_count"])[order] > 0]
    flows = {
        "amount_minor": amount,
        "purchases_minor": sums["purchases_minor"],
        "refunds_minor": sums["refunds_minor"],
        "count": sums["count"],
        "share_bps": ratio_bps(amount, currency_total[starts]),
        "previous_amount_minor": previous,
        "change_minor": amount - previous,
    }
    return _frame(table, keys, flows, rows=order)


def _merchant_frame(table: _Table, top_merchants: int, currency_total: np.ndarray) -> pd.DataFrame:
    """The top merchants of each sub-category this period, then one `others` row for the rest."""
    sub_category = table.group_of_row(_SUB_CATEGORY)
    amount, count = table.sums["amount_minor"], table.sums["count"]
    # Rows without a merchant name never rank on their own; they are part of `others`.
    unnamed = np.isin(
        table.keys["merchant_name"], np.flatnonzero(table.labels["merchant_name"] == "")
    )
    # Biggest first within the sub-category, unnamed last; slug order breaks ties (stable sort).
    spent = np.flatnonzero(count > 0)
    ranked = spent[np.lexsort((-amount[spent], unnamed[spent], sub_category[spent]))]
    first = run_starts([sub_category[ranked]])
    rank = np.arange(len(ranked)) - first[run_ids(first, len(ranked))]
    shown = (rank < top_merchants) & ~unnamed[ranked]
    rest = ranked[~shown]
    rest_first = run_starts([sub_category[rest]])
    rest_sums = run_sums({"amount_minor": amount[rest], "count": count[rest]}, rest_first)

    rows = np.concatenate([ranked[shown], rest[rest_first]])
    columns = {
        "others": np.arange(len(rows)) >= np.count_nonzero(shown),
        "rank": np.concatenate([rank[shown], np.full(len(rest_first), top_merchants)]),
        "amount_minor": np.concatenate([amount[ranked[shown]], rest_sums["amount_minor"]]),
        "count": np.concatenate([count[ranked[shown]], rest_sums["count"]]),
    }
    order = np.lexsort((columns["rank"], sub_category[rows]))
    rows = rows[order]
    ordered: dict[str, Any] = {name: values[order] for name, values in columns.items()}
    ordered["share_bps"] = ratio_bps(ordered["amount_minor"], currency_total[rows])
    frame = _frame(table, {key: table.keys[key][rows] for key in _KEYS}, ordered)
    frame.insert(4, "merchant", frame.pop("merchant_name").where(~frame["others"]))
    return frame


def _frame(
    table: _Table,
    keys: dict[str, np.ndarray],
    values: dict[str, Any],
    *,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Build a result frame, decoding label codes to text, optionally taking only `rows`."""
    columns: dict[str, Any] = {}
    for key, codes in keys.items():
        taken = codes if rows is None else codes[rows]
        columns[key] = taken if key == "user_id" else table.labels[key].take(taken)
    for name, column in values.items():
        columns[name] = column if rows is None else column[rows]
    return pd.DataFrame(columns)


def _python_ready(values: pd.Series) -> np.ndarray:
    """Plain int64 and bool arrays as they are; anything else as objects with None for missing."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "ib":
        return values.to_numpy()
    objects = values.to_numpy(dtype=object, copy=True)
    objects[values.isna().to_numpy()] = None
    return objects


def _checked_range(start: date, end: date, name: str) -> tuple[date, date]:
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"{name} ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return start, end


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value
