"""The rows a weekly report reads, placed in each user's own weeks and sorted once.

Each row is tagged with the feeds it contributes to (this week, last week, the 4-week base,
pending, installments, the longer history) as bits, using the same spending rules as
`insights.breakdown`: posted rows except repayments, refunds netted, installment-plan postings and
pending rows apart. The rows are then sorted once by (user, currency, category, sub-category,
merchant), so every coarser level is a run; within a merchant, rows keep the frame's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.runs import run_starts, sort_order
from insights.weeks import UserWeeks, day_numbers

# A purchase is a posted `purchase` row of one transaction that adds to what is owed; a candidate
# is one with a merchant name, the rows recurring charges are looked for in.
CURRENT, LAST, BASE, PENDING, INSTALLMENT, HISTORY, PURCHASE, CANDIDATE, LATE = (
    1 << bit for bit in range(9)
)
_INT64_LIMIT = 2**63
LATE_NIGHT_END = 5 * 60  # purchases from 00:00 up to 05:00 local count as late-night
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class WeekTable:
    """Relevant transaction rows sorted by (user, currency, category, sub-category, merchant).

    Labels stay codes into the validated frame's sorted categories until a result needs them.
    """

    user: np.ndarray  # each row's position in UserWeeks
    currency: np.ndarray
    pair: np.ndarray  # dense code of (category, sub-category), in slug order
    merchant: np.ndarray
    rel: np.ndarray  # days after the user's week start (0-6 is the report week)
    source: np.ndarray  # each row's position in the validated frame
    transaction_ids: np.ndarray  # the validated frame's column, read through `source`
    amount: np.ndarray
    weight: np.ndarray  # how many transactions the row stands for
    feeds: np.ndarray  # bits: CURRENT, LAST, ...
    labels: dict[str, pd.Index]  # currency, category, sub_category, merchant_name
    pair_codes: dict[str, np.ndarray]  # each pair's category and sub_category code
    has_local_time: bool

    def starts(self, depth: int) -> np.ndarray:
        """Where runs of the first `depth` keys start: 2 currency, 3 sub-category, 4 merchant."""
        keys = [self.user, self.currency, self.pair, self.merchant][:depth]
        return run_starts(keys)

    def transaction_id(self, rows: np.ndarray) -> np.ndarray:
        """Return the transaction ids of the given rows (read on demand: few rows need them)."""
        return self.transaction_ids[self.source[rows]]

    def has(self, feed: int) -> np.ndarray:
        """Return which rows carry the given feed bit."""
        return (self.feeds & feed) != 0

    def named(self) -> np.ndarray:
        """Return which rows have a merchant name."""
        unnamed = np.flatnonzero(self.labels["merchant_name"] == "")
        if not len(unnamed):
            return np.ones(len(self.user), dtype=bool)
        return self.merchant != unnamed[0]

    def label(self, name: str, rows: np.ndarray) -> pd.Categorical:
        """Return the text of a label for the given rows, as a categorical (no strings copied)."""
        if name in ("category", "sub_category"):
            codes = self.pair_codes[name][self.pair[rows]]
        else:
            codes = {"currency": self.currency, "merchant_name": self.merchant}[name][rows]
        dtype = pd.CategoricalDtype(self.labels[name])
        return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def week_table(
    valid: pd.DataFrame,
    users: UserWeeks,
    *,
    local_time: np.ndarray | None,
    history_days: int,
) -> WeekTable:
    """Tag and sort the rows of a validated frame for the users' report weeks.

    Millions of rows pass through here, so intermediate columns are kept narrow (int32 and
    smaller) and built in place where possible.
    """
    user = users.positions(valid["user_id"].to_numpy())
    rel = day_numbers(valid["local_date"])
    known = bool(len(user)) and user.min() >= 0
    rel -= users.start.astype(np.int32)[user if known else np.maximum(user, 0)]
    inside = (rel <= 6) & (rel >= -history_days)
    rows = _subset(inside if known else inside & (user >= 0))
    user, rel = _take(user, rows).astype(np.int32), _take(rel, rows).astype(np.int32)
    codes = {
        name: _take(valid[name].cat.codes.to_numpy(), rows)
        for name in ("status", "kind", "currency", "category", "sub_category", "merchant_name")
    }
    # Label tests on category codes: one small lookup per label instead of string compares.
    posted = _is(valid, codes, "status", "posted")
    plan_posting = _is(valid, codes, "kind", "installment")
    plan_posting &= _take(valid["installment_plan_id"].notna().to_numpy(), rows)
    spend_like = ~_is(valid, codes, "kind", "repayment") & ~plan_posting
    spend = posted & spend_like
    amount = _take(valid["amount_minor"].to_numpy(), rows)
    this_week = rel >= 0
    earlier = ~this_week
    purchase = posted & _is(valid, codes, "kind", "purchase") & (amount > 0)
    weights = valid["row_count"].to_numpy()
    single = len(weights) == 0 or weights.max() == 1
    if not single:
        # A row summing several transactions is no single purchase, nor one charge of a series.
        purchase &= _take(weights == 1, rows)
    base_days = (-7 * users.base_weeks).astype(np.int32)
    feeds = np.zeros(len(rel), dtype=np.uint16)
    for feed, mask in (
        (CURRENT, spend & this_week),
        (LAST, spend & earlier & (rel >= -7)),
        (BASE, spend & earlier & (rel >= base_days[user])),
        (PENDING, ~posted & spend_like & this_week),
        (INSTALLMENT, posted & plan_posting & this_week),
        (HISTORY, spend),
        (PURCHASE, purchase),
        (CANDIDATE, purchase & ~_is(valid, codes, "merchant_name", "")),
    ):
        np.bitwise_or(feeds, np.uint16(feed), out=feeds, where=mask)
    if local_time is not None:
        late = spend & this_week & purchase & (_take(local_time, rows) < LATE_NIGHT_END)
        np.bitwise_or(feeds, np.uint16(LATE), out=feeds, where=late)
    kept = _subset(feeds != 0)
    if rows is None:
        rows = kept
    elif kept is not None:
        rows = rows[kept]
    user, rel, amount, feeds = (_take(values, kept) for values in (user, rel, amount, feeds))
    codes = {
        name: _take(codes[name], kept)
        for name in ("currency", "category", "sub_category", "merchant_name")
    }
    labels = {
        name: valid[name].cat.categories
        for name in ("currency", "category", "sub_category", "merchant_name")
    }
    pair, pair_codes = _pairs(codes["category"], codes["sub_category"], labels)
    order, (user, currency, pair, merchant) = ordered(
        [user, codes["currency"], pair, codes["merchant_name"]],
        [
            len(users.user_id),
            len(labels["currency"]),
            len(pair_codes["category"]),
            len(labels["merchant_name"]),
        ],
    )
    source = order if rows is None else rows[order]
    # Usually no row stands for several transactions, and a random gather can be skipped.
    weight = np.ones(len(source), dtype=np.int64) if single else weights[source]
    return WeekTable(
        user=user,
        currency=currency,
        pair=pair,
        merchant=merchant,
        rel=rel[order],
        source=source.astype(np.int32) if len(valid) < 2**31 else source,
        transaction_ids=valid["transaction_id"].to_numpy(),
        amount=amount[order],
        weight=weight,
        feeds=feeds[order],
        labels=labels,
        pair_codes=pair_codes,
        has_local_time=local_time is not None,
    )


def ordered(keys: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return the order that sorts rows by `keys` (ties keep row order) and the sorted keys.

    Each key holds codes in [0, size). When the keys and the row number fit one int64, that
    number is sorted as a value (a vectorised sort, several times faster than an argsort) and
    the order and keys are read back from it; otherwise this falls back to
    `insights.runs.sort_order`.
    """
    length = len(keys[0])
    span = math.prod(max(size, 1) for size in sizes)
    if span * max(length, 1) >= _INT64_LIMIT:
        order = sort_order([*keys, np.arange(length)], [*sizes, max(length, 1)])
        return order, [key[order] for key in keys]
    packed = np.zeros(length, dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        packed *= size
        packed += key
    packed *= length
    packed += np.arange(length)
    packed.sort()
    order = np.empty(length, dtype=np.int64)
    np.divmod(packed, max(length, 1), out=(packed, order))
    digits, scratch = [], np.empty(length, dtype=np.int64)
    for key, size in zip(reversed(keys[1:]), reversed(sizes[1:]), strict=True):
        np.divmod(packed, size, out=(packed, scratch))
        digits.append(scratch.astype(key.dtype))
    return order, [packed.astype(keys[0].dtype), *reversed(digits)]


def local_times(tx: pd.DataFrame) -> np.ndarray | None:
    """Return the optional `local_time` column (minutes after local midnight), checked, or None."""
    if "local_time" not in tx.columns:
        return None
    values = tx["local_time"]
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    whole = pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.infer_dtype(values) in (
        "integer",
        "empty",
    )
    if values.isna().any() or pd.api.types.is_bool_dtype(values.dtype) or not whole:
        raise ValueError("local_time must hold whole minutes after local midnight, without gaps")
    minutes = values.to_numpy(dtype=np.int64)
    if len(minutes) and (minutes.min() < 0 or minutes.max() >= MINUTES_PER_DAY):
        raise ValueError("local_time must be between 0 and 1439 minutes after midnight")
    return minutes


def run_numbers(starts: np.ndarray, length: int) -> np.ndarray:
    """`insights.runs.run_ids` as int32, half the memory for tables of millions of rows."""
    marks = np.zeros(length, dtype=np.int32)
    marks[starts[1:]] = 1
    return np.cumsum(marks, dtype=np.int32)


def sums(values: dict[str, np.ndarray], starts: np.ndarray) -> dict[str, np.ndarray]:
    """Exact int64 sums of each column over runs; empty tables give empty sums."""
    if not len(starts):
        return {name: np.zeros(0, dtype=np.int64) for name in values}
    return {name: np.add.reduceat(column, starts) for name, column in values.items()}


def top_in_runs(
    starts: np.ndarray, keys: list[np.ndarray], eligible: np.ndarray, most: int
) -> np.ndarray:
    """Rank the best `most` eligible rows of each run, 0 first; -1 for every other row.

    Best is the largest first key, ties going to the largest next key, then to the earliest row.
    Each rank is a few exact passes over the rows (max, then earliest, per run), which beats
    sorting millions of rows when only the first few of each run are wanted.
    """
    length = len(eligible)
    rank = np.full(length, -1, dtype=np.int64)
    if not length or not len(starts):
        return rank
    run = run_numbers(starts, length)
    position = np.arange(length)
    left = eligible.copy()
    for place in range(most):
        best = left.copy()
        for key in keys:
            floor = np.iinfo(key.dtype).min
            masked = np.where(best, key, floor)
            best &= masked == np.maximum.reduceat(masked, starts)[run]
        first = np.minimum.reduceat(np.where(best, position, length), starts)
        chosen = first[first < length]
        if not len(chosen):
            break
        rank[chosen] = place
        left[chosen] = False
    return rank


def _pairs(
    category: np.ndarray, sub_category: np.ndarray, labels: dict[str, pd.Index]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    # (category, sub-category) as one dense code that sorts as the slug pair does, so the sort key
    # spends no room on pairs that never occur.
    width = max(len(labels["sub_category"]), 1)
    raw = category.astype(np.int32) * np.int32(width) + sub_category
    used = np.zeros(len(labels["category"]) * width, dtype=bool)
    used[raw] = True
    present = np.flatnonzero(used)
    dense = (np.cumsum(used) - 1).astype(np.int32)
    return dense[raw], {"category": present // width, "sub_category": present % width}


def _subset(mask: np.ndarray) -> np.ndarray | None:
    """The positions a mask keeps, or None when it keeps every row (so nothing is copied)."""
    return None if mask.all() else np.flatnonzero(mask)


def _take(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return values if rows is None else values[rows]


def _is(valid: pd.DataFrame, codes: dict[str, np.ndarray], name: str, label: str) -> np.ndarray:
    """Which rows carry `label`, read through the categorical's codes."""
    return np.asarray(valid[name].cat.categories == label)[codes[name]]
