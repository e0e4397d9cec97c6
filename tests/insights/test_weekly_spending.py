"""A week's spending: totals against last week and the 4-week average, sub-categories, merchants."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from insights.weekly import WeeklyFrames, weekly_report_for_user, weekly_reports

MakeTx = Callable[..., pd.DataFrame]

WEEK_OF = date(2026, 10, 7)  # Monday 5 October to Sunday 11 October 2026
MONDAY = date(2026, 10, 5)
ONE_USER = pd.DataFrame({"user_id": [1], "week_start": [0], "locale": ["en"]})


def weeks_ago(weeks: int, day: int = 0) -> date:
    """A day of the week `weeks` weeks before the report week (day 0 is its Monday)."""
    return MONDAY - timedelta(days=7 * weeks) + timedelta(days=day)


def report(tx: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """User 1's weekly report for the week of 7 October 2026."""
    frames = weekly_reports(tx, options.pop("users", ONE_USER), week_of=WEEK_OF, **options)
    return weekly_report_for_user(frames, 1)


def currency(result: dict[str, Any], code: str = "USD") -> dict[str, Any]:
    """The one entry for `code` in a report."""
    (entry,) = (entry for entry in result["currencies"] if entry["currency"] == code)
    return entry


def test_totals_follow_the_breakdown_rules(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"amount_minor": 5000, "category": "shopping", "sub_category": "clothes"},
        {
            "amount_minor": -2000,
            "kind": "refund",
            "category": "shopping",
            "sub_category": "clothes",
        },
        {"amount_minor": -50_000, "kind": "repayment", "category": "transfer"},
        {"amount_minor": 700, "status": "pending"},
        {"amount_minor": 3000, "kind": "installment", "installment_plan_id": 41},
        {"amount_minor": 900, "kind": "fee", "category": "fees", "sub_category": "late_fee"},
        {"amount_minor": 8000, "currency": "EUR"},
    )
    usd = currency(report(tx))
    assert usd["total_spent_minor"] == 3900
    assert usd["purchases_minor"] == 5900
    assert usd["refunds_minor"] == -2000
    assert usd["transaction_count"] == 3
    assert usd["pending"] == {"amount_minor": 700, "count": 1}
    assert usd["installments"] == {"amount_minor": 3000, "count": 1}
    assert currency(report(tx), "EUR")["total_spent_minor"] == 8000


def test_change_against_last_week_and_the_four_week_average(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"local_date": weeks_ago(0, 2), "amount_minor": 15_000},
        {"local_date": weeks_ago(1, 6), "amount_minor": 10_000},
        {"local_date": weeks_ago(2), "amount_minor": 4_000},
        {"local_date": weeks_ago(3), "amount_minor": 3_001},
        {"local_date": weeks_ago(4), "amount_minor": 0},
        {"local_date": weeks_ago(5), "amount_minor": 99_999},  # before the base weeks
    )
    usd = currency(report(tx))
    assert usd["last_week_minor"] == 10_000
    assert usd["change_vs_last_week_minor"] == 5_000
    assert usd["change_vs_last_week_bps"] == 5_000
    # (10_000 + 4_000 + 3_001 + 0) / 4 = 4_250.25, rounded half away from zero.
    assert usd["average_4w_minor"] == 4_250
    assert usd["change_vs_average_minor"] == 10_750
    # Exact from the sums: (4 * 15_000 - 17_001) / 17_001.
    assert usd["change_vs_average_bps"] == 25_292


def test_changes_are_missing_when_there_is_nothing_to_compare_with(make_tx: MakeTx) -> None:
    usd = currency(report(make_tx({"amount_minor": 1200})))
    assert usd["last_week_minor"] == 0
    assert usd["change_vs_last_week_minor"] == 1200
    assert usd["change_vs_last_week_bps"] is None
    assert usd["average_4w_minor"] == 0
    assert usd["change_vs_average_bps"] is None


def test_a_recent_joiner_averages_over_the_weeks_they_were_here(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"local_date": weeks_ago(0), "amount_minor": 3000},
        {"local_date": weeks_ago(1), "amount_minor": 1000},
        {"local_date": weeks_ago(2), "amount_minor": 2001},
    )
    joined = ONE_USER.assign(history_start=[weeks_ago(2)])
    result = report(tx, users=joined)
    usd = currency(result)
    assert result["base_weeks"] == 2
    assert usd["average_4w_minor"] == 1501  # 3001 / 2 rounds half away from zero
    new = report(tx, users=ONE_USER.assign(history_start=[weeks_ago(0, 3)]))
    assert new["base_weeks"] == 0
    assert currency(new)["average_4w_minor"] is None
    assert currency(new)["change_vs_average_bps"] is None


def test_sub_categories_and_their_biggest_movers(make_tx: MakeTx) -> None:
    rows = [
        # coffee: 4 x 1000 in the base weeks, 2500 this week (+1500 on the average of 1000)
        *({"local_date": weeks_ago(week), "sub_category": "coffee"} for week in (1, 2, 3, 4)),
        {"amount_minor": 2500, "sub_category": "coffee"},
        # groceries: 4000 a week before, 1000 this week (-3000)
        *(
            {"local_date": weeks_ago(week), "amount_minor": 4000, "sub_category": "groceries"}
            for week in (1, 2, 3, 4)
        ),
        {"amount_minor": 1000, "sub_category": "groceries"},
        # taxi: the same as usual; no move
        *(
            {"local_date": weeks_ago(week), "category": "travel", "sub_category": "taxi"}
            for week in (0, 1, 2, 3, 4)
        ),
    ]
    usd = currency(report(make_tx(*rows)))
    subs = {sub["sub_category"]: sub for sub in usd["sub_categories"]}
    assert [sub["sub_category"] for sub in usd["sub_categories"]] == ["coffee", "groceries", "taxi"]
    assert subs["coffee"]["amount_minor"] == 2500
    assert subs["coffee"]["average_4w_minor"] == 1000
    assert subs["coffee"]["change_vs_average_bps"] == 15_000
    assert subs["coffee"]["share_bps"] == 5556  # 2500 of 4500
    assert subs["groceries"]["last_week_minor"] == 4000
    assert subs["groceries"]["change_vs_average_minor"] == -3000
    assert [mover["sub_category"] for mover in usd["movers"]] == ["groceries", "coffee"]


def test_top_merchants_span_sub_categories_and_skip_unnamed_ones(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"amount_minor": 1000, "merchant_name": "Costco", "sub_category": "groceries"},
        {"amount_minor": 1500, "merchant_name": "Costco", "sub_category": "household"},
        {"amount_minor": 2000, "merchant_name": "Blue Bottle"},
        {"amount_minor": 2000, "merchant_name": "Alpha Cafe"},
        {"amount_minor": 9000, "merchant_name": None},
        {"amount_minor": 500, "merchant_name": "Zed"},
        {"amount_minor": -500, "kind": "refund", "merchant_name": "Zed"},
    )
    merchants = currency(report(tx, top_merchants=3))["top_merchants"]
    assert [(m["rank"], m["merchant"], m["amount_minor"]) for m in merchants] == [
        (0, "Costco", 2500),
        (1, "Alpha Cafe", 2000),  # ties go to the name
        (2, "Blue Bottle", 2000),
    ]
    assert merchants[0]["count"] == 2
    assert merchants[0]["share_bps"] == 1613  # 2500 of 15_500


def test_largest_purchases_are_single_posted_purchases(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"amount_minor": 3000, "merchant_name": "A"},
        {"amount_minor": 7000, "merchant_name": "B", "local_date": weeks_ago(0, 3)},
        {"amount_minor": 3000, "merchant_name": "C"},
        {"amount_minor": 90_000, "status": "pending"},
        {"amount_minor": 80_000, "kind": "fee", "category": "fees"},
        {"amount_minor": 60_000, "local_date": weeks_ago(1)},
        {"amount_minor": 100, "merchant_name": "D"},
    )
    largest = currency(report(tx))["largest_purchases"]
    assert [(p["transaction_id"], p["merchant"], p["amount_minor"]) for p in largest] == [
        (2, "B", 7000),
        (1, "A", 3000),  # ties go to the smaller transaction id
        (3, "C", 3000),
    ]
    assert largest[0]["local_date"] == "2026-10-08"
    assert largest[0]["sub_category"] == "coffee"


def test_late_night_needs_local_times(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"amount_minor": 1000},
        {"amount_minor": 2000},
        {"amount_minor": 4000},
        {"amount_minor": 8000, "local_date": weeks_ago(1)},
    )
    assert currency(report(tx))["late_night"] is None
    timed = tx.assign(local_time=[30, 299, 300, 60])  # 00:30, 04:59, 05:00, last week
    assert currency(report(timed))["late_night"] == {"amount_minor": 3000, "count": 2}


def test_rows_that_stand_for_several_transactions_count_as_many(make_tx: MakeTx) -> None:
    tx = make_tx({"amount_minor": 3000}, {"amount_minor": 500}).assign(row_count=[3, 1])
    assert currency(report(tx))["transaction_count"] == 4


def test_other_users_rows_are_ignored_and_reports_are_json(make_tx: MakeTx) -> None:
    tx = make_tx({"amount_minor": 100}, {"user_id": 99, "amount_minor": 5})
    frames: WeeklyFrames = weekly_reports(tx, ONE_USER, week_of=WEEK_OF)
    assert frames.totals["user_id"].tolist() == [1]
    result = weekly_report_for_user(frames, 1)
    assert json.loads(json.dumps(result)) == result


def test_a_summed_row_is_not_a_single_purchase(make_tx: MakeTx) -> None:
    tx = make_tx({"amount_minor": 9000}, {"amount_minor": 500}).assign(row_count=[3, 1])
    largest = currency(report(tx))["largest_purchases"]
    assert [purchase["amount_minor"] for purchase in largest] == [500]
