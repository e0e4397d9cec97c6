"""Time weekly reports for many users, against a raw pandas group-by on the same frame.

The frame spans the report week and the 29 days before it, so every user has last week and a
4-week average; some users carry a weekly subscription (a few with a price rise this week), an
ideal bill, a sub-category limit, upcoming dues and a card. The ratio says how much the report's
rules cost on top of the bare aggregation `groupby(["user_id", "sub_category"])["amount_minor"]
.sum()`, timed in the same rounds: once on the frame as generated (text labels) and once on the
frame already validated (labels as categoricals, as the core may hold them).

    .venv/bin/python benchmarks/weekly_bench.py
    .venv/bin/python benchmarks/weekly_bench.py --users 10000 --rows 500000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

from insights.frames import validate_transactions
from insights.weekly import WeeklyFrames, weekly_report_for_user, weekly_reports

T = TypeVar("T")

WEEK_OF = date(2026, 10, 7)  # the week of Monday 2026-10-05
FIRST_DAY = date(2026, 9, 6)  # the day before the first base week starts
DAYS = 36
HISTORY_DAYS = 29  # how far before the week the frame reaches
KINDS = np.array(
    ["purchase", "refund", "fee", "interest", "repayment", "cash_advance", "installment"],
    dtype=object,
)
KIND_WEIGHTS = np.array([0.80, 0.05, 0.02, 0.02, 0.05, 0.01, 0.05])
CURRENCIES = np.array(["CNY", "USD", "EUR"], dtype=object)
CATEGORIES = [f"category_{number:02d}" for number in range(12)]
SUB_CATEGORIES = np.array(
    [f"{name}_sub_{n}" for name in CATEGORIES for n in range(5)], dtype=object
)
MERCHANTS = np.array([f"Merchant {n}" for n in range(3_000)], dtype=object)
SUBSCRIBER_SHARE = 0.1


def transactions(users: int, rows: int, seed: int) -> pd.DataFrame:
    """Return a synthetic five-week transaction frame with a weekly subscription for some users."""
    rng = np.random.default_rng(seed)
    subscribers = rng.choice(users, size=int(users * SUBSCRIBER_SHARE), replace=False) + 1
    charges = 5
    ordinary = rows - len(subscribers) * charges
    kind = KINDS[rng.choice(len(KINDS), size=ordinary, p=KIND_WEIGHTS)]
    amount = rng.integers(100, 50_000, size=ordinary, dtype=np.int64)
    amount = np.where(np.isin(kind, ["refund", "repayment"]), -amount, amount)
    sub_category = rng.integers(0, len(SUB_CATEGORIES), size=ordinary)
    merchant = np.minimum(rng.zipf(1.3, size=ordinary), len(MERCHANTS)) - 1
    plan_id = np.where(kind == "installment", rng.integers(1, 10_000, size=ordinary), -1)
    ordinary_frame = pd.DataFrame(
        {
            "user_id": rng.integers(1, users + 1, size=ordinary, dtype=np.int64),
            "local_date": np.datetime64(FIRST_DAY)
            + rng.integers(0, DAYS, size=ordinary).astype("timedelta64[D]"),
            "local_time": rng.integers(0, 24 * 60, size=ordinary, dtype=np.int64),
            "amount_minor": amount,
            "currency": CURRENCIES[rng.choice(3, size=ordinary, p=[0.85, 0.1, 0.05])],
            "kind": kind,
            "status": np.where(rng.random(ordinary) < 0.04, "pending", "posted").astype(object),
            "category": np.array(CATEGORIES, dtype=object)[sub_category // 5],
            "sub_category": SUB_CATEGORIES[sub_category],
            "merchant_name": MERCHANTS[merchant],
            "installment_plan_id": pd.arrays.IntegerArray(plan_id, plan_id < 0),
        }
    )
    # A weekly subscription on Tuesdays; one subscriber in five sees a 10% price rise this week.
    user = np.repeat(subscribers, charges)
    week = np.tile(np.arange(charges), len(subscribers))
    rises = np.repeat(rng.random(len(subscribers)) < 0.2, charges) & (week == charges - 1)
    price = np.where(rises, 1_100, 1_000).astype(np.int64)
    subscriptions = pd.DataFrame(
        {
            "user_id": user.astype(np.int64),
            "local_date": np.datetime64("2026-09-08") + (7 * week).astype("timedelta64[D]"),
            "local_time": np.full(len(user), 9 * 60, dtype=np.int64),
            "amount_minor": price,
            "currency": "CNY",
            "kind": "purchase",
            "status": "posted",
            "category": "category_03",
            "sub_category": "category_03_sub_1",
            "merchant_name": "Music Club",
            "installment_plan_id": pd.array([pd.NA] * len(user), dtype="Int64"),
        }
    )
    frame = pd.concat([ordinary_frame, subscriptions], ignore_index=True)
    frame.insert(1, "transaction_id", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(2, "account_id", frame["user_id"].to_numpy())
    return frame


def core_frames(users: int, seed: int) -> dict[str, pd.DataFrame]:
    """Return the users, limits, upcoming and accounts frames the core would hand in."""
    rng = np.random.default_rng(seed + 1)
    user_id = np.arange(1, users + 1, dtype=np.int64)
    people = pd.DataFrame(
        {
            "user_id": user_id,
            "week_start": np.where(rng.random(users) < 0.2, 6, 0),
            "locale": np.where(rng.random(users) < 0.6, "zh-CN", "en").astype(object),
        }
    )
    with_limit = user_id[rng.random(users) < 0.5]
    limits = pd.DataFrame(
        {
            "user_id": np.r_[user_id, with_limit],
            "currency": "CNY",
            "scope": np.r_[["ideal_bill"] * users, ["sub_category"] * len(with_limit)],
            "target": np.r_[[None] * users, ["category_01_sub_2"] * len(with_limit)],
            "period_start": date(2026, 10, 1),
            "period_end": date(2026, 10, 31),
            "limit_minor": np.r_[
                rng.integers(100_000, 1_000_000, users),
                rng.integers(1_000, 20_000, len(with_limit)),
            ],
            "spent_minor_so_far": np.r_[
                rng.integers(0, 600_000, users), rng.integers(0, 20_000, len(with_limit))
            ],
        }
    )
    dues = rng.integers(1, 4, size=users)
    upcoming = pd.DataFrame(
        {
            "user_id": np.repeat(user_id, dues),
            "due_date": [WEEK_OF + timedelta(days=int(d)) for d in rng.integers(0, 25, dues.sum())],
            "kind": np.where(rng.random(dues.sum()) < 0.5, "statement_due", "installment"),
            "amount_minor": rng.integers(1_000, 500_000, dues.sum()),
            "currency": "CNY",
            "label": "bill",
        }
    )
    accounts = pd.DataFrame(
        {
            "user_id": user_id,
            "account_id": user_id,
            "currency": "CNY",
            "credit_limit_minor": rng.integers(500_000, 5_000_000, users),
            "balance_minor": rng.integers(-10_000, 5_000_000, users),
        }
    )
    return {"users": people, "limits": limits, "upcoming": upcoming, "accounts": accounts}


def timed(call: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Return the median wall time of `repeat` calls, in seconds, and the last result."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def raw_group_by(tx: pd.DataFrame) -> pd.Series:
    """The bare aggregation the weekly report is compared with."""
    return tx.groupby(["user_id", "sub_category"], observed=True)["amount_minor"].sum()


def render_users(frames: WeeklyFrames, user_ids: range) -> None:
    """Render many users' reports from one batch, as a digest sweep would."""
    for user_id in user_ids:
        json.dumps(weekly_report_for_user(frames, user_id), ensure_ascii=False)


def main() -> None:
    """Time the batch on the frame as generated and already validated, then per-user rendering."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of timings")
    parser.add_argument("--render", type=int, default=1_000, help="users rendered one by one")
    parser.add_argument("--seed", type=int, default=20261005)
    args = parser.parse_args()

    tx = transactions(args.users, args.rows, args.seed)
    core = core_frames(args.users, args.seed)

    def report(frame: pd.DataFrame) -> WeeklyFrames:
        return weekly_reports(
            frame, core["users"], week_of=WEEK_OF, history_days=HISTORY_DAYS, **_plans(core)
        )

    scenarios = {
        "text labels": tx,
        "labels as categoricals": _with_local_time(validate_transactions(tx), tx),
    }
    # Every round times each scenario and then its group-by, so all of them see the same load
    # on a shared machine and the same warmth of the process.
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in scenarios}
    for _ in range(args.repeat):
        for label, frame in scenarios.items():
            seconds, frames = timed(lambda frame=frame: report(frame), 1)
            raw, _ = timed(lambda frame=frame: raw_group_by(frame), 1)
            samples[label].append((seconds, raw))
    for label, pairs in samples.items():
        seconds = statistics.median(sample for sample, _ in pairs)
        raw = statistics.median(sample for _, sample in pairs)
        print(
            f"{args.users:,} users, {len(tx):,} rows ({label}): weekly_reports {seconds:.2f} s; "
            f"raw group-by {raw:.2f} s; ratio {seconds / raw:.1f}x "
            f"(medians of {args.repeat} rounds)"
        )
    print(
        f"  {len(frames.totals):,} user-currency totals, {len(frames.sub_categories):,} "
        f"sub-category rows, {len(frames.recurring):,} recurring changes, "
        f"{len(frames.insights):,} insights, {len(frames.touch):,} touches"
    )
    rendered = min(args.render, args.users)
    first, _ = timed(lambda: render_users(frames, range(1, 2)), 1)
    render, _ = timed(lambda: render_users(frames, range(1, rendered + 1)), 1)
    print(
        f"  weekly_report_for_user + json.dumps: {render / rendered * 1e3:.2f} ms a user "
        f"({rendered:,} users, {render:.2f} s; the first call, which converts the frames "
        f"once, {first:.2f} s)"
    )


def _plans(core: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: core[name] for name in ("limits", "upcoming", "accounts")}


def _with_local_time(valid: pd.DataFrame, tx: pd.DataFrame) -> pd.DataFrame:
    return valid.assign(local_time=tx["local_time"].to_numpy())


if __name__ == "__main__":
    main()
