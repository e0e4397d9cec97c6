"""Time spending breakdowns: one heavy user, then a batch of many users.

Each figure is compared with a raw pandas group-by sum over the same frame in the same run, so the
ratio says how much the breakdown's rules (periods, refunds, pending, installments, previous period,
shares, top merchants) cost on top of the bare aggregation.

    .venv/bin/python benchmarks/breakdown_bench.py
    .venv/bin/python benchmarks/breakdown_bench.py --users 10000 --rows-per-user 50 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd

from insights.breakdown import BreakdownFrames, breakdown, breakdown_for_user, breakdown_frames
from insights.frames import validate_transactions
from insights.periods import month_range, previous_month_range

T = TypeVar("T")

MONTH = "2026-10"
KINDS = np.array(
    ["purchase", "refund", "fee", "interest", "repayment", "cash_advance", "installment"],
    dtype=object,
)
KIND_WEIGHTS = np.array([0.78, 0.05, 0.02, 0.02, 0.06, 0.01, 0.06])
CURRENCIES = np.array(["USD", "EUR", "CNY"], dtype=object)
CATEGORIES = [f"category_{number:02d}" for number in range(12)]
SUB_CATEGORIES_PER_CATEGORY = 5
MERCHANTS = 3_000


def transactions(users: int, rows_per_user: int, seed: int) -> pd.DataFrame:
    """Return a synthetic transaction frame covering three months around the benchmark month."""
    rng = np.random.default_rng(seed)
    rows = users * rows_per_user
    first_day = np.datetime64("2026-08-15")
    kind = KINDS[rng.choice(len(KINDS), size=rows, p=KIND_WEIGHTS)]
    amount = rng.integers(100, 50_000, size=rows, dtype=np.int64)
    amount = np.where(np.isin(kind, ["refund", "repayment"]), -amount, amount)
    category = rng.integers(0, len(CATEGORIES), size=rows)
    sub_category = category * SUB_CATEGORIES_PER_CATEGORY + rng.integers(
        0, SUB_CATEGORIES_PER_CATEGORY, size=rows
    )
    # A skewed merchant popularity, as in real spending.
    merchant = np.minimum(rng.zipf(1.3, size=rows), MERCHANTS) - 1
    plan_id = np.where(kind == "installment", rng.integers(1, 10_000, size=rows), -1)
    return pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(1, users + 1, dtype=np.int64), rows_per_user),
            "transaction_id": np.arange(1, rows + 1, dtype=np.int64),
            "account_id": np.repeat(np.arange(1, users + 1, dtype=np.int64), rows_per_user),
            "local_date": first_day + rng.integers(0, 92, size=rows).astype("timedelta64[D]"),
            "amount_minor": amount,
            "currency": CURRENCIES[rng.choice(3, size=rows, p=[0.85, 0.1, 0.05])],
            "kind": kind,
            "status": np.where(rng.random(rows) < 0.04, "pending", "posted").astype(object),
            "category": np.array(CATEGORIES, dtype=object)[category],
            "sub_category": np.array(
                [f"{name}_sub_{n}" for name in CATEGORIES for n in range(5)], dtype=object
            )[sub_category],
            "merchant_name": np.array([f"Merchant {n}" for n in range(MERCHANTS)], dtype=object)[
                merchant
            ],
            "installment_plan_id": pd.arrays.IntegerArray(plan_id, plan_id < 0),
        }
    )


def timed(call: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Return the median wall time of `repeat` calls, in seconds, and the last result."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def raw_group_by(tx: pd.DataFrame) -> pd.Series:
    """The bare aggregation the breakdown is compared with."""
    keys = ["user_id", "currency", "category", "sub_category"]
    return tx.groupby(keys)["amount_minor"].sum()


def main() -> None:
    """Run both scenarios and print their timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single-rows", type=int, default=30_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rows-per-user", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=21, help="calls timed for the single user")
    parser.add_argument("--batch-repeat", type=int, default=3, help="calls timed for the batch")
    parser.add_argument("--seed", type=int, default=20261001)
    args = parser.parse_args()

    period, previous = month_range(MONTH), previous_month_range(MONTH)
    one_user = partial(
        breakdown,
        user_id=1,
        start=period.start,
        end=period.end,
        prev_start=previous.start,
        prev_end=previous.end,
    )
    all_users = partial(
        breakdown_frames,
        start=period.start,
        end=period.end,
        prev_start=previous.start,
        prev_end=previous.end,
    )

    one = transactions(1, args.single_rows, args.seed)
    single, result = timed(lambda: one_user(one), args.repeat)
    json.dumps(result)
    single_raw, _ = timed(lambda: raw_group_by(one), args.repeat)
    print(
        f"one user, {len(one):,} rows: breakdown {single * 1e3:.1f} ms (median of {args.repeat}); "
        f"raw group-by {single_raw * 1e3:.1f} ms; ratio {single / single_raw:.1f}x"
    )
    coded = validate_transactions(one)
    single_coded, _ = timed(lambda: one_user(coded), args.repeat)
    print(
        f"  the same frame already validated (labels as categoricals): {single_coded * 1e3:.1f} ms"
    )

    many = transactions(args.users, args.rows_per_user, args.seed)
    batch, frames = timed(lambda: all_users(many), args.batch_repeat)
    batch_raw, _ = timed(lambda: raw_group_by(many), args.batch_repeat)
    print(
        f"{args.users:,} users x {args.rows_per_user} rows ({len(many):,} rows): "
        f"breakdown_frames {batch:.2f} s (median of {args.batch_repeat}); "
        f"raw group-by {batch_raw:.2f} s; ratio {batch / batch_raw:.1f}x; "
        f"{len(frames.totals):,} user-currency totals, {len(frames.merchants):,} merchant rows"
    )
    rendered = min(1_000, args.users)
    render, _ = timed(lambda: render_users(frames, range(1, rendered + 1)), 1)
    print(
        f"  breakdown_for_user from the batch frames: {render / rendered * 1e3:.2f} ms a user "
        f"({rendered:,} users)"
    )


def render_users(frames: BreakdownFrames, user_ids: range) -> None:
    """Render many users' dicts from one batch, as a digest sweep would."""
    for user_id in user_ids:
        breakdown_for_user(frames, user_id)


if __name__ == "__main__":
    main()
