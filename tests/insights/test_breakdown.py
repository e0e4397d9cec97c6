"""Spending breakdown rules, each shown on a frame of about three rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest

from insights.breakdown import breakdown, breakdown_for_user, breakdown_frames

MakeTx = Callable[..., pd.DataFrame]


def currency(result: dict[str, Any], code: str) -> dict[str, Any]:
    """The one entry for `code` in a breakdown."""
    (entry,) = (entry for entry in result["currencies"] if entry["currency"] == code)
    return entry


def amounts(entries: list[dict[str, Any]], name: str) -> dict[str, int]:
    """Map each entry's label to its amount."""
    return {entry[name]: entry["amount_minor"] for entry in entries}


def test_refund_nets_against_the_category_it_carries(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 5000, "category": "shopping", "sub_category": "clothes"},
        {
            "amount_minor": -2000,
            "kind": "refund",
            "category": "shopping",
            "sub_category": "clothes",
        },
        {"amount_minor": 1200},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["total_spent_minor"] == 4200
    assert usd["purchases_minor"] == 6200
    assert usd["refunds_minor"] == -2000
    assert usd["transaction_count"] == 3
    shopping, food = usd["categories"]
    assert (shopping["category"], shopping["amount_minor"], shopping["count"]) == (
        "shopping",
        3000,
        2,
    )
    assert (food["category"], food["amount_minor"]) == ("food", 1200)
    assert shopping["sub_categories"][0]["merchants"][0]["amount_minor"] == 3000


def test_repayments_are_not_spending(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 3000},
        {"amount_minor": -50_000, "kind": "repayment", "category": "transfer"},
        {"amount_minor": 700, "kind": "fee", "category": "fees", "sub_category": "late_fee"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["total_spent_minor"] == 3700
    assert usd["refunds_minor"] == 0
    assert usd["transaction_count"] == 2
    assert amounts(usd["categories"], "category") == {"food": 3000, "fees": 700}


def test_pending_rows_are_reported_apart(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 1000},
        {"amount_minor": 2500, "status": "pending"},
        {"amount_minor": -9000, "status": "pending", "kind": "repayment"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["total_spent_minor"] == 1000
    assert usd["transaction_count"] == 1
    assert usd["pending"] == {"amount_minor": 2500, "count": 1}


def test_installment_postings_are_reported_apart(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 120_000, "category": "electronics", "sub_category": "phones"},
        {"amount_minor": 10_000, "kind": "installment", "installment_plan_id": 77},
        {"amount_minor": 4_000, "kind": "installment", "installment_plan_id": None},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    # The plan's posting pays off an earlier purchase; an installment with no plan is spending.
    assert usd["total_spent_minor"] == 124_000
    assert usd["installments"] == {"amount_minor": 10_000, "count": 1}


def test_currencies_are_never_added_together(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 1000, "currency": "USD"},
        {"amount_minor": 7000, "currency": "CNY"},
        {"amount_minor": 3000, "currency": "CNY", "category": "travel", "sub_category": "taxi"},
    )
    result = breakdown(tx, user_id=1, **october)
    assert [entry["currency"] for entry in result["currencies"]] == ["CNY", "USD"]
    assert currency(result, "CNY")["total_spent_minor"] == 10_000
    assert currency(result, "USD")["total_spent_minor"] == 1000
    assert currency(result, "CNY")["categories"][0]["share_bps"] == 7000


def test_change_against_the_previous_period(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 3000, "local_date": date(2026, 9, 30)},
        {"amount_minor": 1000, "local_date": date(2026, 10, 1)},
        {"amount_minor": 3001, "local_date": date(2026, 10, 31)},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["previous_total_spent_minor"] == 3000
    assert usd["change_minor"] == 1001
    # 1001 / 3000 = 33.3667% -> 3336.67 bps, rounded half up.
    assert usd["change_bps"] == 3337
    assert usd["categories"][0]["previous_amount_minor"] == 3000
    assert usd["categories"][0]["change_minor"] == 1001


def test_change_bps_is_none_without_previous_spending(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx({"amount_minor": 1000}, {"amount_minor": 500}, {"amount_minor": 1})
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["previous_total_spent_minor"] == 0
    assert usd["change_minor"] == 1501
    assert usd["change_bps"] is None


def test_category_that_dropped_to_zero_is_still_listed(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {
            "amount_minor": 8000,
            "category": "travel",
            "sub_category": "taxi",
            "local_date": date(2026, 9, 12),
        },
        {"amount_minor": 2000, "local_date": date(2026, 9, 13)},
        {"amount_minor": 2500},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    food, travel = usd["categories"]
    assert food["category"] == "food"
    assert travel == {
        "category": "travel",
        "amount_minor": 0,
        "count": 0,
        "share_bps": 0,
        "previous_amount_minor": 8000,
        "change_minor": -8000,
        "sub_categories": [
            {
                "sub_category": "taxi",
                "amount_minor": 0,
                "count": 0,
                "share_bps": 0,
                "previous_amount_minor": 8000,
                "change_minor": -8000,
                "merchants": [],
            }
        ],
    }
    assert usd["change_bps"] == -7500


def test_top_merchants_and_others_sum_to_the_sub_category(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 500, "merchant_name": "Luckin Coffee"},
        {"amount_minor": 300, "merchant_name": "Manner"},
        {"amount_minor": 200, "merchant_name": "Starbucks"},
    )
    usd = currency(breakdown(tx, user_id=1, top_merchants=1, **october), "USD")
    merchants = usd["categories"][0]["sub_categories"][0]["merchants"]
    assert merchants == [
        {"merchant": "Luckin Coffee", "amount_minor": 500, "count": 1, "share_bps": 5000},
        {"merchant": None, "others": True, "amount_minor": 500, "count": 2, "share_bps": 5000},
    ]


def test_no_others_entry_when_every_merchant_is_shown(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 200, "merchant_name": "Starbucks"},
        {"amount_minor": 200, "merchant_name": "Manner"},
        {"amount_minor": 900, "merchant_name": "Luckin Coffee"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    merchants = usd["categories"][0]["sub_categories"][0]["merchants"]
    # Biggest first, the name breaks ties.
    assert [entry["merchant"] for entry in merchants] == ["Luckin Coffee", "Manner", "Starbucks"]


def test_merchants_without_a_name_go_to_others(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 900, "merchant_name": ""},
        {"amount_minor": 100, "merchant_name": None},
        {"amount_minor": 300, "merchant_name": "Manner"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    merchants = usd["categories"][0]["sub_categories"][0]["merchants"]
    assert [(entry["merchant"], entry["amount_minor"]) for entry in merchants] == [
        ("Manner", 300),
        (None, 1000),
    ]


def test_categories_sort_by_amount_then_slug(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"amount_minor": 100, "category": "b_cat"},
        {"amount_minor": 100, "category": "a_cat"},
        {"amount_minor": 900, "category": "c_cat"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert [entry["category"] for entry in usd["categories"]] == ["c_cat", "a_cat", "b_cat"]
    assert [entry["share_bps"] for entry in usd["categories"]] == [8182, 909, 909]


def test_shares_are_none_when_the_period_total_is_not_positive(
    make_tx: MakeTx, october: dict
) -> None:
    tx = make_tx(
        {"amount_minor": 1000, "local_date": date(2026, 9, 20)},
        {"amount_minor": -1000, "kind": "refund"},
        {"amount_minor": 400, "category": "travel"},
    )
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert usd["total_spent_minor"] == -600
    assert [entry["share_bps"] for entry in usd["categories"]] == [None, None]
    assert usd["change_minor"] == -1600
    assert usd["change_bps"] == -16000


def test_rows_outside_both_periods_are_ignored(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx(
        {"local_date": date(2026, 8, 31)},
        {"local_date": date(2026, 11, 1)},
        {"local_date": date(2026, 11, 1), "status": "pending"},
    )
    assert breakdown(tx, user_id=1, **october)["currencies"] == []


def test_empty_period_lists_a_currency_that_had_previous_spending(
    make_tx: MakeTx, october: dict
) -> None:
    tx = make_tx({"local_date": date(2026, 9, 3), "amount_minor": 4000})
    usd = currency(breakdown(tx, user_id=1, **october), "USD")
    assert (usd["total_spent_minor"], usd["previous_total_spent_minor"]) == (0, 4000)
    assert usd["change_bps"] == -10000


def test_other_users_rows_are_left_out(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx({"user_id": 1}, {"user_id": 2, "amount_minor": 99}, {"user_id": 3})
    usd = currency(breakdown(tx, user_id=2, **october), "USD")
    assert usd["total_spent_minor"] == 99
    assert breakdown(tx, user_id=4, **october)["currencies"] == []


def test_result_is_json_ready_with_periods(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx({}, {"status": "pending"}, {"kind": "installment", "installment_plan_id": 5})
    result = breakdown(tx, user_id=1, **october)
    assert json.loads(json.dumps(result)) == result
    assert result["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert result["previous_period"] == {"start": "2026-09-01", "end": "2026-09-30"}


def test_frames_hold_every_user_sorted_by_user(make_tx: MakeTx, october: dict) -> None:
    tx = make_tx({"user_id": 9}, {"user_id": 2, "currency": "EUR"}, {"user_id": 2})
    frames = breakdown_frames(tx, **october)
    assert frames.totals[["user_id", "currency"]].values.tolist() == [
        [2, "EUR"],
        [2, "USD"],
        [9, "USD"],
    ]
    assert list(frames.categories.columns) == [
        "user_id",
        "currency",
        "category",
        "amount_minor",
        "purchases_minor",
        "refunds_minor",
        "count",
        "share_bps",
        "previous_amount_minor",
        "change_minor",
    ]
    assert frames.merchants["amount_minor"].dtype == "int64"
    assert breakdown_for_user(frames, 9) == breakdown(tx, user_id=9, **october)


def test_previous_range_may_overlap_the_current_one(make_tx: MakeTx) -> None:
    tx = make_tx({"local_date": date(2026, 10, 10)}, {"local_date": date(2026, 10, 20)})
    result = breakdown(
        tx,
        user_id=1,
        start=date(2026, 10, 1),
        end=date(2026, 10, 31),
        prev_start=date(2026, 10, 15),
        prev_end=date(2026, 10, 25),
    )
    usd = currency(result, "USD")
    assert (usd["total_spent_minor"], usd["previous_total_spent_minor"]) == (2000, 1000)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"end": date(2026, 9, 30)}, "period ends"),
        ({"prev_end": date(2026, 8, 1)}, "previous period ends"),
        ({"top_merchants": -1}, "top_merchants"),
    ],
)
def test_bad_arguments_are_refused(
    make_tx: MakeTx, october: dict, arguments: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        breakdown_frames(make_tx({}), **(october | arguments))
