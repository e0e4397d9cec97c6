"""The one friendly touch: a streak under the ideal-bill pace, money saved, or a steady week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from insights.weekly import weekly_report_for_user, weekly_reports

MakeTx = Callable[..., pd.DataFrame]

WEEK_OF = date(2026, 10, 7)  # Monday 5 October to Sunday 11 October 2026
MONDAY = date(2026, 10, 5)
USERS = pd.DataFrame({"user_id": [1], "week_start": [0], "locale": ["en"]})


def day(weeks_ago: int) -> date:
    """The Tuesday `weeks_ago` weeks before the report week."""
    return MONDAY - timedelta(days=7 * weeks_ago - 1)


def weekly_spend(make_tx: MakeTx, amounts: list[int], **fields: Any) -> pd.DataFrame:
    """One purchase a week, this week first, then each week further back."""
    return make_tx(
        *(
            {"local_date": day(back), "amount_minor": amount} | fields
            for back, amount in enumerate(amounts)
        )
    )


def ideal_bill(limit_minor: int) -> pd.DataFrame:
    """An ideal bill for October 2026 (31 days)."""
    return pd.DataFrame(
        [
            {
                "user_id": 1,
                "currency": "USD",
                "scope": "ideal_bill",
                "target": None,
                "period_start": date(2026, 10, 1),
                "period_end": date(2026, 10, 31),
                "limit_minor": limit_minor,
                "spent_minor_so_far": 0,
            }
        ]
    )


def touch(tx: pd.DataFrame, **options: Any) -> dict[str, Any] | None:
    """User 1's touch for the week."""
    frames = weekly_reports(tx, options.pop("users", USERS), week_of=WEEK_OF, **options)
    return weekly_report_for_user(frames, 1)["touch"]


def test_a_streak_of_weeks_under_the_ideal_bill_pace(make_tx: MakeTx) -> None:
    # ¥3,100 over 31 days is ¥700 a week; the fifth week back went over it.
    tx = weekly_spend(make_tx, [70_000, 50_000, 69_999, 10_000, 70_001, 0])
    result = touch(tx, limits=ideal_bill(310_000))
    assert result == {
        "kind": "under_pace_streak",
        "params": {"currency": "USD", "weeks": 4, "amount_minor": 70_000},
        "text": {
            "en": "4 weeks in a row at or under your ideal-bill pace. Nice going!",
            "zh-CN": "已经连续4周没有超过理想账单的节奏，继续保持！",
        },
    }


def test_the_streak_counts_only_weeks_the_history_covers(make_tx: MakeTx) -> None:
    tx = weekly_spend(make_tx, [100, 100, 100, 100, 100, 100])
    joined = USERS.assign(history_start=[day(2) - timedelta(days=1)])
    result = touch(tx, limits=ideal_bill(310_000), users=joined)
    assert result is not None
    assert result["params"]["weeks"] == 3


def test_money_saved_compared_with_everyday_purchases(make_tx: MakeTx) -> None:
    coffee = {"sub_category": "coffee"}
    tx = pd.concat(
        [
            weekly_spend(make_tx, [1_000, 3_000, 3_000, 3_000, 3_000], **coffee),
            weekly_spend(make_tx, [0, 9_000, 9_000, 9_000, 9_000], sub_category="rent"),
        ],
        ignore_index=True,
    ).assign(transaction_id=lambda frame: range(len(frame)))
    # Coffee and rent are as frequent as each other; the cheaper, more everyday one is the
    # yardstick: $110 saved is about 3 coffees at $30.
    result = touch(tx)
    assert result is not None
    assert result["kind"] == "saved_vs_average"
    assert result["params"] == {
        "currency": "USD",
        "amount_minor": 11_000,
        "count": 3,
        "category": "food",
        "sub_category": "coffee",
    }
    assert result["text"] == {
        "en": "You spent $110 less than your 4-week average: that's about 3 coffee purchases.",
        "zh-CN": "比近4周平均少花了$110，大约相当于3次coffee。",
    }


def test_the_most_frequent_purchase_is_the_yardstick(make_tx: MakeTx) -> None:
    tx = pd.concat(
        [
            weekly_spend(make_tx, [0, 500, 500, 500, 500], sub_category="coffee"),
            weekly_spend(make_tx, [0, 500, 500, 500, 500], sub_category="coffee"),
            weekly_spend(make_tx, [1_000, 9_000, 9_000, 9_000, 9_000], sub_category="rent"),
        ],
        ignore_index=True,
    ).assign(transaction_id=lambda frame: range(len(frame)))
    result = touch(tx)
    assert result is not None
    assert result["params"]["sub_category"] == "coffee"
    assert result["params"]["count"] == 18  # ¥90 saved at ¥5 a coffee
    assert result["text"]["en"].endswith("that's about 18 coffee purchases.")


def test_a_steady_week_and_no_touch_for_a_week_that_went_up(make_tx: MakeTx) -> None:
    steady = touch(weekly_spend(make_tx, [10_400, 10_000, 10_000, 10_000, 10_000]))
    assert steady is not None
    assert steady["kind"] == "steady_week"
    assert steady["text"]["en"] == "A steady week: within 4% of your 4-week average."
    assert touch(weekly_spend(make_tx, [30_000, 10_000, 10_000, 10_000, 10_000])) is None


def test_the_currency_with_most_spending_speaks(make_tx: MakeTx) -> None:
    usd = weekly_spend(make_tx, [10_000, 10_000, 10_000, 10_000, 10_000])
    eur = weekly_spend(make_tx, [500, 510, 510, 510, 510], currency="EUR")
    tx = pd.concat([usd, eur], ignore_index=True).assign(transaction_id=lambda f: range(len(f)))
    result = touch(tx)
    assert result is not None
    assert (result["kind"], result["params"]["currency"]) == ("steady_week", "USD")
