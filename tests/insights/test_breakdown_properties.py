"""Breakdowns of random transaction sets agree with a row-by-row reckoning and add up exactly."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.breakdown import breakdown, breakdown_for_user, breakdown_frames

START, END = date(2026, 10, 1), date(2026, 10, 31)
PREV_START, PREV_END = date(2026, 9, 1), date(2026, 9, 30)
RANGES = {"start": START, "end": END, "prev_start": PREV_START, "prev_end": PREV_END}
CREDIT_KINDS = ("refund", "repayment")
KINDS = ("purchase", "refund", "fee", "interest", "repayment", "cash_advance", "installment")
CATEGORIES = {
    "food": ("coffee", "groceries"),
    "travel": ("taxi",),
    "shopping": ("clothes", "gifts"),
}
MERCHANTS = ("A Shop", "B Shop", "C Shop", "D Shop", "")


@st.composite
def transactions(draw: st.DrawFn) -> pd.DataFrame:
    """Up to 60 rows for up to 3 users in 1-3 currencies, some outside both periods."""
    currencies = draw(st.lists(st.sampled_from(["CNY", "EUR", "USD"]), min_size=1, max_size=3))
    rows = []
    for number in range(draw(st.integers(min_value=0, max_value=60))):
        kind = draw(st.sampled_from(KINDS))
        category = draw(st.sampled_from(sorted(CATEGORIES)))
        amount = draw(st.integers(min_value=1, max_value=100_000))
        rows.append(
            {
                "user_id": draw(st.sampled_from([3, 7, 11])),
                "transaction_id": number,
                "account_id": 1,
                "local_date": PREV_START + timedelta(days=draw(st.integers(-3, 64))),
                "amount_minor": -amount if kind in CREDIT_KINDS else amount,
                "currency": draw(st.sampled_from(currencies)),
                "kind": kind,
                "status": draw(st.sampled_from(["posted", "posted", "posted", "pending"])),
                "category": category,
                "sub_category": draw(st.sampled_from(CATEGORIES[category])),
                "merchant_name": draw(st.sampled_from(MERCHANTS)),
                "installment_plan_id": draw(st.sampled_from([None, 41]))
                if kind == "installment"
                else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(_EMPTY_ROW))
    return frame.astype({"installment_plan_id": "Int64"})


_EMPTY_ROW = dict.fromkeys(
    [
        "user_id",
        "transaction_id",
        "account_id",
        "local_date",
        "amount_minor",
        "currency",
        "kind",
        "status",
        "category",
        "sub_category",
        "merchant_name",
        "installment_plan_id",
    ]
)


def reckon(tx: pd.DataFrame, user_id: int) -> dict[str, dict[str, Any]]:
    """One user's figures per currency, reckoned row by row from the rules."""
    figures: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "total": 0,
            "purchases": 0,
            "refunds": 0,
            "count": 0,
            "previous": 0,
            "pending": [0, 0],
            "installments": [0, 0],
            "categories": defaultdict(lambda: [0, 0]),
        }
    )
    for row in tx[tx["user_id"] == user_id].to_dict("records"):
        day, amount = row["local_date"], row["amount_minor"]
        in_current, in_previous = START <= day <= END, PREV_START <= day <= PREV_END
        plan_posting = row["kind"] == "installment" and not pd.isna(row["installment_plan_id"])
        spending = row["kind"] != "repayment" and not plan_posting
        posted = row["status"] == "posted"
        if not (spending or plan_posting) or not (in_current or in_previous):
            continue
        if not posted:
            if spending and in_current:
                entry = figures[row["currency"]]
                entry["pending"][0] += amount
                entry["pending"][1] += 1
            continue
        if plan_posting:
            if in_current:
                entry = figures[row["currency"]]
                entry["installments"][0] += amount
                entry["installments"][1] += 1
            continue
        entry = figures[row["currency"]]
        if in_current:
            entry["total"] += amount
            entry["purchases"] += max(amount, 0)
            entry["refunds"] += min(amount, 0)
            entry["count"] += 1
            entry["categories"][row["category"]][0] += amount
        if in_previous:
            entry["previous"] += amount
            entry["categories"][row["category"]][1] += amount
    return dict(figures)


def half_up_bps(numerator: int, denominator: int) -> int | None:
    """numerator / denominator in basis points, rounded half away from zero."""
    if denominator <= 0:
        return None
    exact = Decimal(numerator) * 10_000 / Decimal(denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_user(result: dict[str, Any], expected: dict[str, dict[str, Any]], top: int) -> None:
    """A user's breakdown matches the reckoning and every level adds up exactly."""
    assert [entry["currency"] for entry in result["currencies"]] == sorted(expected)
    for entry in result["currencies"]:
        figures = expected[entry["currency"]]
        total = figures["total"]
        assert entry["total_spent_minor"] == total
        assert entry["purchases_minor"] == figures["purchases"]
        assert entry["refunds_minor"] == figures["refunds"]
        assert entry["purchases_minor"] + entry["refunds_minor"] == total
        assert entry["transaction_count"] == figures["count"]
        assert entry["previous_total_spent_minor"] == figures["previous"]
        assert entry["change_minor"] == total - figures["previous"]
        assert entry["change_bps"] == half_up_bps(
            total - figures["previous"], abs(figures["previous"])
        )
        assert [entry["pending"]["amount_minor"], entry["pending"]["count"]] == figures["pending"]
        assert [
            entry["installments"]["amount_minor"],
            entry["installments"]["count"],
        ] == figures["installments"]

        categories = entry["categories"]
        assert {
            c["category"]: [c["amount_minor"], c["previous_amount_minor"]] for c in categories
        } == {name: sums for name, sums in figures["categories"].items()}
        assert sum(c["amount_minor"] for c in categories) == total
        assert sum(c["count"] for c in categories) == figures["count"]
        assert_sorted(categories, "category")
        for category in categories:
            assert category["share_bps"] == half_up_bps(category["amount_minor"], total)
            subs = category["sub_categories"]
            assert sum(s["amount_minor"] for s in subs) == category["amount_minor"]
            assert (
                sum(s["previous_amount_minor"] for s in subs) == category["previous_amount_minor"]
            )
            assert sum(s["count"] for s in subs) == category["count"]
            assert_sorted(subs, "sub_category")
            for sub in subs:
                merchants = sub["merchants"]
                assert sum(m["amount_minor"] for m in merchants) == sub["amount_minor"]
                assert sum(m["count"] for m in merchants) == sub["count"]
                named = [m for m in merchants if not m.get("others")]
                assert len(named) <= top
                assert all(m["merchant"] for m in named)
                assert_sorted(named, "merchant")
                assert [m.get("others", False) for m in merchants] == [False] * len(named) + [
                    True
                ] * (len(merchants) - len(named))
                assert len(merchants) - len(named) <= 1


def assert_sorted(entries: list[dict[str, Any]], label: str) -> None:
    """Biggest amount first; the label breaks ties."""
    keys = [(-entry["amount_minor"], entry[label]) for entry in entries]
    assert keys == sorted(keys)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), top=st.integers(min_value=0, max_value=3))
def test_breakdowns_match_the_rules_and_add_up(tx: pd.DataFrame, top: int) -> None:
    frames = breakdown_frames(tx, top_merchants=top, **RANGES)
    for user_id in (3, 7, 11):
        single = breakdown(tx, user_id=user_id, top_merchants=top, **RANGES)
        assert breakdown_for_user(frames, user_id) == single
        assert json.loads(json.dumps(single)) == single
        check_user(single, reckon(tx, user_id), top)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), top=st.integers(min_value=0, max_value=3))
def test_rows_summed_beforehand_give_the_same_breakdown(tx: pd.DataFrame, top: int) -> None:
    """A database may sum rows first (by labels, sign and period) and pass `row_count`."""
    frame = tx.copy()
    frame["local_date"] = pd.to_datetime(frame["local_date"])
    frame["period"] = np.select(
        [
            frame["local_date"].between(pd.Timestamp(RANGES["start"]), pd.Timestamp(RANGES["end"])),
            frame["local_date"].between(
                pd.Timestamp(RANGES["prev_start"]), pd.Timestamp(RANGES["prev_end"])
            ),
        ],
        ["current", "previous"],
        "outside",
    )
    frame = frame[frame["period"] != "outside"]
    frame["positive"] = frame["amount_minor"] > 0
    frame["plan"] = frame.get("installment_plan_id", pd.Series(pd.NA, index=frame.index)).astype(
        "Int64"
    )
    keys = [
        "user_id",
        "currency",
        "kind",
        "status",
        "category",
        "sub_category",
        "merchant_name",
        "period",
        "positive",
        "plan",
    ]
    summed = (
        frame.fillna(
            {"category": "uncategorised", "sub_category": "uncategorised", "merchant_name": ""}
        )
        .groupby(keys, dropna=False, observed=True)
        .agg(
            amount_minor=("amount_minor", "sum"),
            row_count=("amount_minor", "size"),
            local_date=("local_date", "min"),
        )
        .reset_index()
        .rename(columns={"plan": "installment_plan_id"})
    )
    summed["transaction_id"] = 0
    summed["account_id"] = 0
    for user_id in (3, 7, 11):
        assert breakdown(summed, user_id=user_id, top_merchants=top, **RANGES) == breakdown(
            tx, user_id=user_id, top_merchants=top, **RANGES
        )
