"""Insights chosen by significance, as structured data with text in English and Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from insights.weekly import weekly_report_for_user, weekly_reports
from insights.weekly_insights import InsightRules

MakeTx = Callable[..., pd.DataFrame]

WEEK_OF = date(2026, 10, 7)  # Monday 5 October to Sunday 11 October 2026
MONDAY = date(2026, 10, 5)
USERS = pd.DataFrame({"user_id": [1], "week_start": [0], "locale": ["zh-CN"]})
NAMES = {
    "food_delivery": {"en": "food delivery", "zh-CN": "外卖"},
    "groceries": {"en": "groceries", "zh-CN": "买菜"},
    "coffee": {"en": "coffee", "zh-CN": "咖啡"},
}


def display_name(slug: str, locale: str) -> str:
    """The names the core would inject from its taxonomy."""
    return NAMES.get(slug, {}).get(locale, slug)


def day(weeks_ago: int, weekday: int = 0) -> date:
    """A day of the week `weeks_ago` weeks before the report week (weekday 0 is Monday)."""
    return MONDAY - timedelta(days=7 * weeks_ago) + timedelta(days=weekday)


def cny(**fields: Any) -> dict[str, Any]:
    """A posted purchase in yuan."""
    return {"currency": "CNY", "category": "food"} | fields


def usual_food() -> list[dict[str, Any]]:
    """Four base weeks of food delivery (¥215 a week) and groceries (¥80 a week)."""
    rows = []
    for weeks_ago in (1, 2, 3, 4):
        rows.append(
            cny(local_date=day(weeks_ago, 1), amount_minor=21_500, sub_category="food_delivery")
        )
        rows.append(cny(local_date=day(weeks_ago, 2), amount_minor=8_000, sub_category="groceries"))
    return rows


def this_week_food() -> list[dict[str, Any]]:
    """Six food delivery orders (¥312) and one small grocery run this week."""
    orders = [
        cny(local_date=day(0, n), amount_minor=5_200, sub_category="food_delivery")
        for n in range(6)
    ]
    return [*orders, cny(local_date=day(0, 3), amount_minor=1_000, sub_category="groceries")]


def insights(tx: pd.DataFrame, **options: Any) -> list[dict[str, Any]]:
    """User 1's insights for the week."""
    frames = weekly_reports(tx, USERS, week_of=WEEK_OF, display_name=display_name, **options)
    return list(weekly_report_for_user(frames, 1)["insights"])


def test_a_sub_category_moving_off_its_average_reads_plainly(make_tx: MakeTx) -> None:
    up, down = insights(make_tx(*usual_food(), *this_week_food()))
    assert up["kind"] == "category_up"
    assert up["params"] == {
        "currency": "CNY",
        "category": "food",
        "sub_category": "food_delivery",
        "amount_minor": 31_200,
        "reference_minor": 21_500,
        "change_minor": 9_700,
        "bps": 4_512,
        "count": 6,
    }
    assert up["text"] == {
        "en": "Food delivery is up 45% on your 4-week average: 6 purchases, ¥312",
        "zh-CN": "外卖比近4周平均多了45%：6笔，¥312",
    }
    assert down["kind"] == "category_down"
    assert down["text"] == {
        "en": "Groceries is down 88% on your 4-week average: ¥10 this week",
        "zh-CN": "买菜比近4周平均少了88%：本周¥10",
    }
    assert (up["rank"], down["rank"]) == (0, 1)
    assert up["significance"] > down["significance"]


def test_the_caller_formats_money(make_tx: MakeTx) -> None:
    calls = []

    def format_money(amount_minor: int, currency: str, locale: str) -> str:
        calls.append((amount_minor, currency, locale))
        return f"<{amount_minor} {currency} {locale}>"

    up, _ = insights(make_tx(*usual_food(), *this_week_food()), format_money=format_money)
    assert up["text"]["en"].endswith("6 purchases, <31200 CNY en>")
    assert up["text"]["zh-CN"].endswith("6笔，<31200 CNY zh-CN>")
    assert (31_200, "CNY", "zh-CN") in calls


def busy_week(make_tx: MakeTx) -> pd.DataFrame:
    """A week with something of every kind to say."""
    subscription = {"merchant_name": "Music Club", "category": "fun", "sub_category": "music"}
    return make_tx(
        *usual_food(),
        *this_week_food(),
        cny(local_date=day(1, 1), amount_minor=1_500, **subscription),
        cny(local_date=day(0, 1), amount_minor=1_500, **subscription),
        cny(
            local_date=day(0, 3),
            amount_minor=40_000,
            category="shopping",
            sub_category="electronics",
            merchant_name="Apple Store",
        ),
    ).assign(local_time=lambda frame: [600] * (len(frame) - 2) + [90, 120])


def plans() -> dict[str, pd.DataFrame]:
    """An ideal bill on pace, a coffee limit gone past, and a card 80% used."""
    october = {"period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31)}
    limits = pd.DataFrame(
        [
            {
                "scope": "ideal_bill",
                "target": None,
                "limit_minor": 600_000,
                "spent_minor_so_far": 150_000,
            },
            {
                "scope": "sub_category",
                "target": "coffee",
                "limit_minor": 10_000,
                "spent_minor_so_far": 12_000,
            },
        ]
    ).assign(user_id=1, currency="CNY", **october)
    accounts = pd.DataFrame(
        {
            "user_id": [1],
            "account_id": [7],
            "currency": ["CNY"],
            "credit_limit_minor": [1_000_000],
            "balance_minor": [800_000],
        }
    )
    return {"limits": limits, "accounts": accounts}


def test_the_five_most_significant_are_kept_in_order(make_tx: MakeTx) -> None:
    chosen = insights(busy_week(make_tx), **plans())
    assert [(item["rank"], item["kind"]) for item in chosen] == [
        (0, "over_limit"),
        (1, "category_up"),
        (2, "large_purchase"),
        (3, "utilisation_high"),
        (4, "new_recurring"),
    ]
    significance = [item["significance"] for item in chosen]
    assert significance == sorted(significance, reverse=True)
    texts = {item["kind"]: item["text"] for item in chosen}
    assert texts["over_limit"] == {
        "en": "You're ¥20 past your coffee limit; a fresh period starts Nov 1",
        "zh-CN": "本期已超出咖啡限额¥20，11月1日开始新的一期",
    }
    assert texts["category_up"]["en"] == (
        "Electronics is new compared with the last 4 weeks: 1 purchase, ¥400"
    )
    assert texts["large_purchase"] == {
        "en": "Largest purchase this week: ¥400 at Apple Store on Oct 8",
        "zh-CN": "本周最大一笔消费：10月8日在Apple Store花了¥400",
    }
    assert texts["utilisation_high"] == {
        "en": "Your credit is 80% used: ¥8,000 of ¥10,000",
        "zh-CN": "信用额度已用80%：¥10,000中已用¥8,000",
    }
    assert texts["new_recurring"] == {
        "en": "New recurring charge: Music Club, ¥15 a week",
        "zh-CN": "新的周期性扣费：Music Club，每周¥15",
    }


def test_weaker_insights_are_kept_only_to_reach_three(make_tx: MakeTx) -> None:
    strict = InsightRules(min_significance=6_000, most=4)
    chosen = insights(busy_week(make_tx), insight_rules=strict, **plans())
    assert [item["kind"] for item in chosen] == ["over_limit", "category_up", "large_purchase"]


def test_late_night_and_under_limit_insights(make_tx: MakeTx) -> None:
    rules = InsightRules(most=9)
    kinds = {
        item["kind"]: item for item in insights(busy_week(make_tx), insight_rules=rules, **plans())
    }
    assert kinds["late_night"]["params"] == {"currency": "CNY", "count": 2, "amount_minor": 41_500}
    assert kinds["late_night"]["text"] == {
        "en": "2 late-night purchases this week (00:00–05:00), ¥415 in all",
        "zh-CN": "本周有2笔深夜消费（0点–5点），共¥415",
    }
    assert kinds["under_limit"]["text"] == {
        "en": "¥4,500 left in your ideal bill: about ¥225 a day for the next 20 days",
        "zh-CN": "理想账单还剩¥4,500，接下来20天每天约可用¥225",
    }
    without_times = busy_week(make_tx).drop(columns="local_time")
    assert "late_night" not in {
        item["kind"] for item in insights(without_times, insight_rules=rules, **plans())
    }


def test_a_price_rise_reads_old_and_new_prices(make_tx: MakeTx) -> None:
    plan = {"merchant_name": "Video Plus", "category": "fun", "sub_category": "video"}
    tx = make_tx(
        cny(local_date=date(2026, 8, 7), amount_minor=2_500, **plan),
        cny(local_date=date(2026, 9, 7), amount_minor=2_500, **plan),
        cny(local_date=date(2026, 10, 7), amount_minor=3_000, **plan),
    )
    (rise,) = (item for item in insights(tx) if item["kind"] == "price_rise")
    assert rise["text"] == {
        "en": "Video Plus went up 20%: ¥30 a month, up from ¥25",
        "zh-CN": "Video Plus涨价20%：每月¥30，之前是¥25",
    }
