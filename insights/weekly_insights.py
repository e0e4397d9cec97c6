"""The few things worth saying about a week, chosen by significance, as structured data.

Each kind proposes candidates with an integer significance; the strongest five per user are kept,
and candidates below `min_significance` only when the user would otherwise get fewer than three.
Significance is mostly the amount at stake in basis points of a typical week (the larger of the
4-week average and this week's total), so kinds and currencies compare on one scale (caps in
brackets):

| kind             | proposed when                                | significance                |
|------------------|----------------------------------------------|-----------------------------|
| over_limit       | spent past a limit                           | 6000 + overshoot bps (4000) |
| category_up/down | a sub-category >= 20% off its 4-week average | move bps of a typical week  |
| new_recurring    | see `insights.weekly_recurring`              | 3000 + monthly amount bps   |
| price_rise       | see `insights.weekly_recurring`              | 3000 + monthly rise bps     |
| large_purchase   | the week's largest >= 25% of a typical week  | its bps of a typical week   |
| utilisation_high | overall credit utilisation >= 70%            | utilisation bps - 3000      |
| late_night       | >= 2 purchases from 00:00 to 05:00 local     | 1000 a purchase (5000)      |
| under_limit      | at or under an even pace, part-way through   | 2000 ideal bill, 1500 other |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insights.basis_points import ratio_bps
from insights.runs import run_ids, run_starts
from insights.weekly_spending import SpendingFrames
from insights.weekly_table import ordered
from insights.weeks import UserWeeks

# Ties in significance go to the kind listed first.
KINDS = (
    "over_limit",
    "category_up",
    "new_recurring",
    "price_rise",
    "large_purchase",
    "utilisation_high",
    "late_night",
    "category_down",
    "under_limit",
)
# The `insights` frame's parameter columns; each kind fills the ones PARAMS names for it.
PARAM_COLUMNS = {
    "currency": "str",
    "category": "str",
    "sub_category": "str",
    "merchant": "str",
    "scope": "str",
    "target": "str",
    "cadence": "str",
    "amount_minor": "Int64",
    "reference_minor": "Int64",
    "change_minor": "Int64",
    "bps": "Int64",
    "count": "Int64",
    "days": "Int64",
    "per_day_minor": "Int64",
    "local_date": "datetime64[s]",
    "transaction_id": "Int64",
}
MAX_SIGNIFICANCE = 100_000
_STORAGE = {"str": object, "Int64": np.int64, "datetime64[s]": "datetime64[s]"}
_MOVE = ("currency", "category", "sub_category", "amount_minor", "reference_minor")
PARAMS = {
    "category_up": (*_MOVE, "change_minor", "bps", "count"),
    "category_down": (*_MOVE, "change_minor", "bps", "count"),
    "new_recurring": ("currency", "merchant", "cadence", "amount_minor", "local_date"),
    "price_rise": (
        "currency",
        "merchant",
        "cadence",
        "amount_minor",
        "reference_minor",
        "change_minor",
        "bps",
        "local_date",
    ),
    "large_purchase": (
        "currency",
        "merchant",
        "category",
        "sub_category",
        "amount_minor",
        "local_date",
        "transaction_id",
    ),
    "late_night": ("currency", "count", "amount_minor"),
    "under_limit": (
        "currency",
        "scope",
        "target",
        "amount_minor",
        "reference_minor",
        "per_day_minor",
        "days",
        "local_date",
    ),
    "over_limit": ("currency", "scope", "target", "amount_minor", "reference_minor", "local_date"),
    "utilisation_high": ("currency", "amount_minor", "reference_minor", "bps"),
}


@dataclass(frozen=True)
class InsightRules:
    """Thresholds for proposing and keeping insights; amounts in basis points."""

    most: int = 5
    fewest: int = 3
    min_significance: int = 1_000
    min_move_bps: int = 2_000
    min_move_of_week_bps: int = 500
    large_purchase_of_week_bps: int = 2_500
    min_late_night: int = 2
    utilisation_high_bps: int = 7_000


@dataclass(frozen=True)
class _Proposal:
    """One kind's candidates: who, how significant, and how to read their parameters later."""

    kind: str
    user_id: np.ndarray
    significance: np.ndarray
    params: Callable[[np.ndarray], dict[str, Any]]  # parameters of the candidates at positions


def choose_insights(
    *,
    spending: SpendingFrames,
    recurring: pd.DataFrame,
    limits: pd.DataFrame,
    utilisation: pd.DataFrame,
    weeks: UserWeeks,
    rules: InsightRules,
) -> pd.DataFrame:
    """Propose every kind's candidates and keep the strongest few per user, ranked.

    Candidates are ranked as bare arrays; parameters are read only for the few that are kept.
    """
    proposals = [
        *_moves(spending, rules),
        _recurring(recurring, spending.totals, new=True),
        _recurring(recurring, spending.totals, new=False),
        _large_purchases(spending, rules),
        _late_night(spending.totals, rules),
        *_limits(limits),
        _utilisation(utilisation, rules),
    ]
    user = np.concatenate([p.user_id for p in proposals]).astype(np.int64)
    significance = np.concatenate([p.significance for p in proposals]).astype(np.int64)
    significance = np.clip(significance, 0, MAX_SIGNIFICANCE)
    kind = np.concatenate([np.full(len(p.user_id), KINDS.index(p.kind)) for p in proposals])
    # Strongest first within the user, then by kind, then in the order proposed.
    keys = [weeks.positions(user), MAX_SIGNIFICANCE - significance, kind]
    order, _ = ordered(keys, [len(weeks.user_id), MAX_SIGNIFICANCE + 1, len(KINDS)])
    first = run_starts([user[order]])
    rank = np.arange(len(order)) - first[run_ids(first, len(order))]
    strong = significance[order] >= rules.min_significance
    kept = (rank < rules.most) & (strong | (rank < rules.fewest))
    chosen = order[kept]
    columns: dict[str, Any] = {
        "user_id": user[chosen],
        "rank": rank[kept],
        "kind": np.asarray(KINDS, dtype=object)[kind[chosen]],
        "significance": significance[chosen],
    }
    columns |= _parameters(proposals, chosen)
    return pd.DataFrame(columns)


def _parameters(proposals: list[_Proposal], chosen: np.ndarray) -> dict[str, Any]:
    """Read the chosen candidates' parameters from each kind, into shared typed columns."""
    sizes = np.array([len(p.user_id) for p in proposals])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    which = np.searchsorted(offsets, chosen, side="right") - 1
    values = {
        name: np.full(len(chosen), None if dtype == "str" else 0, dtype=_STORAGE[dtype])
        for name, dtype in PARAM_COLUMNS.items()
    }
    missing = {name: np.ones(len(chosen), dtype=bool) for name in PARAM_COLUMNS}
    for index, proposal in enumerate(proposals):
        slots = np.flatnonzero(which == index)
        if not len(slots):
            continue
        for name, column in proposal.params(chosen[slots] - offsets[index]).items():
            if PARAM_COLUMNS[name] == "Int64":
                numbers = pd.array(column, dtype="Int64")
                values[name][slots] = numbers.to_numpy(dtype=np.int64, na_value=0)
                missing[name][slots] = numbers.isna()
            elif PARAM_COLUMNS[name] == "str":
                texts = np.asarray(column, dtype=object)
                values[name][slots] = texts
                missing[name][slots] = pd.isna(texts)
            else:
                days = np.asarray(column, dtype="datetime64[s]")
                values[name][slots] = days
                missing[name][slots] = np.isnat(days)
    result: dict[str, Any] = {}
    for name, dtype in PARAM_COLUMNS.items():
        if dtype == "Int64":
            result[name] = pd.arrays.IntegerArray(values[name], missing[name])
        else:
            column = values[name]
            column[missing[name]] = None if dtype == "str" else np.datetime64("NaT")
            # Kept as objects: inferring a string dtype would check every value again.
            result[name] = pd.Series(column, dtype=object) if dtype == "str" else column
    return result


def _moves(spending: SpendingFrames, rules: InsightRules) -> list[_Proposal]:
    subs = spending.sub_categories
    change = subs["change_vs_average_minor"].to_numpy(dtype=np.int64, na_value=0)
    bps = subs["change_vs_average_bps"]
    no_bps = bps.isna().to_numpy()
    bps_values = bps.to_numpy(dtype=np.int64, na_value=0)
    # Up from nothing has no percentage but is still a move.
    up = (change > 0) & (no_bps | (bps_values >= rules.min_move_bps))
    down = (change < 0) & ~no_bps & (bps_values <= -rules.min_move_bps)
    moved = np.flatnonzero(up | down)
    typical = spending.totals["typical_week_minor"].to_numpy()[spending.sub_total_row[moved]]
    of_week = np.zeros(len(subs), dtype=np.int64)
    of_week[moved] = _bps(np.abs(change[moved]), typical)
    up &= of_week >= rules.min_move_of_week_bps
    down &= of_week >= rules.min_move_of_week_bps

    def proposal(kind: str, rows: np.ndarray) -> _Proposal:
        def params(chosen: np.ndarray) -> dict[str, Any]:
            taken = subs.take(rows[chosen])
            return {
                "currency": taken["currency"],
                "category": taken["category"],
                "sub_category": taken["sub_category"],
                "amount_minor": taken["amount_minor"],
                "reference_minor": taken["average_4w_minor"],
                "change_minor": taken["change_vs_average_minor"],
                "bps": taken["change_vs_average_bps"],
                "count": taken["count"],
            }

        return _Proposal(kind, subs["user_id"].to_numpy()[rows], of_week[rows], params)

    return [
        proposal("category_up", np.flatnonzero(up)),
        proposal("category_down", np.flatnonzero(down)),
    ]


def _recurring(recurring: pd.DataFrame, totals: pd.DataFrame, *, new: bool) -> _Proposal:
    frame = recurring[(recurring["change"] == "new").to_numpy() == new]
    typical = totals[["user_id", "currency", "typical_week_minor"]].astype(
        {"typical_week_minor": "Int64"}
    )
    scale = frame.merge(typical, on=["user_id", "currency"], how="left")["typical_week_minor"]
    amount = frame["amount_minor"].to_numpy()
    step = amount - frame["previous_amount_minor"].to_numpy()
    # A weekly charge costs about four times its amount a month.
    per_month = np.where((frame["cadence"] == "weekly").to_numpy(), 4, 1)
    at_stake = (amount if new else step) * per_month
    significance = 3_000 + np.minimum(_bps(at_stake, scale.fillna(1).to_numpy()), 5_000)

    def params(chosen: np.ndarray) -> dict[str, Any]:
        taken = frame.take(chosen)
        common = {
            "currency": taken["currency"],
            "merchant": taken["merchant"],
            "cadence": taken["cadence"],
            "amount_minor": taken["amount_minor"],
            "local_date": taken["local_date"],
        }
        if new:
            return common
        return common | {
            "reference_minor": taken["previous_amount_minor"],
            "change_minor": step[chosen],
            "bps": taken["change_bps"],
        }

    kind = "new_recurring" if new else "price_rise"
    return _Proposal(kind, frame["user_id"].to_numpy(), significance, params)


def _large_purchases(spending: SpendingFrames, rules: InsightRules) -> _Proposal:
    largest = spending.largest
    typical = spending.totals["typical_week_minor"].to_numpy()[spending.largest_total_row]
    of_week = _bps(largest["amount_minor"].to_numpy(), typical)
    rows = np.flatnonzero(
        (largest["rank"].to_numpy() == 0) & (of_week >= rules.large_purchase_of_week_bps)
    )

    def params(chosen: np.ndarray) -> dict[str, Any]:
        taken = largest.take(rows[chosen])
        return {
            name: taken[name]
            for name in ("currency", "merchant", "category", "sub_category", "amount_minor")
        } | {"local_date": taken["local_date"], "transaction_id": taken["transaction_id"]}

    return _Proposal("large_purchase", largest["user_id"].to_numpy()[rows], of_week[rows], params)


def _late_night(totals: pd.DataFrame, rules: InsightRules) -> _Proposal:
    count = totals["late_night_count"].to_numpy(dtype=np.int64, na_value=0)
    rows = np.flatnonzero(count >= rules.min_late_night)

    def params(chosen: np.ndarray) -> dict[str, Any]:
        taken = totals.take(rows[chosen])
        return {
            "currency": taken["currency"],
            "count": taken["late_night_count"],
            "amount_minor": taken["late_night_minor"],
        }

    significance = np.minimum(1_000 * count[rows], 5_000)
    return _Proposal("late_night", totals["user_id"].to_numpy()[rows], significance, params)


def _limits(limits: pd.DataFrame) -> list[_Proposal]:
    status = limits["status"].to_numpy()
    days_left = limits["days_left"].to_numpy()
    elapsed = limits["period_days"].to_numpy() - days_left
    over = np.flatnonzero(status == "over")
    under = np.flatnonzero((status == "on_pace") & (days_left > 0) & (elapsed > 0))
    overshoot = _bps(limits["over_minor"], np.maximum(limits["limit_minor"].to_numpy(), 1))
    ideal = (limits["scope"] == "ideal_bill").to_numpy()

    def params(rows: np.ndarray, *, is_over: bool) -> Callable[[np.ndarray], dict[str, Any]]:
        def read(chosen: np.ndarray) -> dict[str, Any]:
            taken = limits.take(rows[chosen])
            common = {
                "currency": taken["currency"],
                "scope": taken["scope"],
                "target": taken["target"],
                "reference_minor": taken["limit_minor"],
                "local_date": taken["period_end"],
            }
            if is_over:
                return common | {"amount_minor": taken["over_minor"]}
            return common | {
                "amount_minor": taken["remaining_minor"],
                "per_day_minor": taken["remaining_per_day_minor"],
                "days": taken["days_left"],
            }

        return read

    user = limits["user_id"].to_numpy()
    return [
        _Proposal(
            "over_limit",
            user[over],
            6_000 + np.minimum(overshoot[over], 4_000),
            params(over, is_over=True),
        ),
        _Proposal(
            "under_limit",
            user[under],
            np.where(ideal[under], 2_000, 1_500),
            params(under, is_over=False),
        ),
    ]


def _utilisation(utilisation: pd.DataFrame, rules: InsightRules) -> _Proposal:
    bps = utilisation["utilisation_bps"].to_numpy(dtype=np.int64, na_value=0)
    rows = np.flatnonzero(bps >= rules.utilisation_high_bps)

    def params(chosen: np.ndarray) -> dict[str, Any]:
        taken = utilisation.take(rows[chosen])
        return {
            "currency": taken["currency"],
            "amount_minor": taken["owed_minor"],
            "reference_minor": taken["credit_limit_minor"],
            "bps": taken["utilisation_bps"],
        }

    significance = np.minimum(bps[rows] - 3_000, 8_000)
    return _Proposal(
        "utilisation_high", utilisation["user_id"].to_numpy()[rows], significance, params
    )


def _bps(numerator: object, denominator: object) -> np.ndarray:
    """Basis points of two integer columns as a plain int64 array (0 where undefined)."""
    ratio = ratio_bps(
        np.asarray(numerator, dtype=np.int64), np.asarray(denominator, dtype=np.int64)
    )
    return ratio.to_numpy(dtype=np.int64, na_value=0)
