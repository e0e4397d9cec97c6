"""Weekly reports of random transaction sets agree with `insights.breakdown` for the same dates."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.breakdown import breakdown
from insights.weekly import weekly_report_for_user, weekly_reports
from insights.weeks import week_bounds

WEEK_OF = date(2026, 12, 31)  # ISO week 53 of 2026, so weeks cross the new year
USERS = (3, 7, 11)
CREDIT_KINDS = ("refund", "repayment")
KINDS = ("purchase", "refund", "fee", "interest", "repayment", "cash_advance", "installment")
SUB_CATEGORIES = {"food": ("coffee", "groceries"), "travel": ("taxi",), "shopping": ("gifts",)}
COLUMNS = [
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


@st.composite
def transactions(draw: st.DrawFn) -> pd.DataFrame:
    """Up to 50 rows for three users in 1-3 currencies, from six weeks before to after the week."""
    currencies = draw(st.lists(st.sampled_from(["CNY", "EUR", "USD"]), min_size=1, max_size=3))
    rows = []
    for number in range(draw(st.integers(min_value=0, max_value=50))):
        kind = draw(st.sampled_from(KINDS))
        category = draw(st.sampled_from(sorted(SUB_CATEGORIES)))
        amount = draw(st.integers(min_value=1, max_value=100_000))
        rows.append(
            {
                "user_id": draw(st.sampled_from(USERS)),
                "transaction_id": number,
                "account_id": 1,
                "local_date": WEEK_OF + timedelta(days=draw(st.integers(-45, 12))),
                "amount_minor": -amount if kind in CREDIT_KINDS else amount,
                "currency": draw(st.sampled_from(currencies)),
                "kind": kind,
                "status": draw(st.sampled_from(["posted", "posted", "posted", "pending"])),
                "category": category,
                "sub_category": draw(st.sampled_from(SUB_CATEGORIES[category])),
                "merchant_name": draw(st.sampled_from(["A Shop", "B Shop", ""])),
                "installment_plan_id": draw(st.sampled_from([None, 41]))
                if kind == "installment"
                else None,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS).astype({"installment_plan_id": "Int64"})


def by_currency(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's per-currency entries by code."""
    return {entry["currency"]: entry for entry in report["currencies"]}


def sub_amounts(entry: dict[str, Any], field: str) -> dict[tuple[str, str], int]:
    """Non-zero sub-category amounts of a breakdown or weekly entry."""
    if "categories" in entry:
        subs = [
            (category["category"], sub)
            for category in entry["categories"]
            for sub in category["sub_categories"]
        ]
        pairs = {(name, sub["sub_category"]): sub[field] for name, sub in subs}
    else:
        pairs = {
            (sub["category"], sub["sub_category"]): sub[field] for sub in entry["sub_categories"]
        }
    return {key: value for key, value in pairs.items() if value}


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero."""
    exact = Decimal(numerator) / Decimal(denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), starts=st.lists(st.sampled_from([0, 6]), min_size=3, max_size=3))
def test_weekly_totals_equal_the_breakdown_of_the_same_dates(
    tx: pd.DataFrame, starts: list[int]
) -> None:
    users = pd.DataFrame({"user_id": USERS, "week_start": starts, "locale": ["en"] * 3})
    frames = weekly_reports(tx, users, week_of=WEEK_OF)
    for user_id, week_start in zip(USERS, starts, strict=True):
        start, end = week_bounds(WEEK_OF, week_start)
        week = breakdown(
            tx,
            user_id=user_id,
            start=start,
            end=end,
            prev_start=start - timedelta(days=7),
            prev_end=end - timedelta(days=7),
        )
        base = breakdown(
            tx,
            user_id=user_id,
            start=start,
            end=end,
            prev_start=start - timedelta(days=28),
            prev_end=start - timedelta(days=1),
        )
        report = weekly_report_for_user(frames, user_id)
        assert report["week"]["start"] == start.isoformat()
        weekly, expected, four_weeks = by_currency(report), by_currency(week), by_currency(base)
        assert set(expected) <= set(weekly)
        for code, entry in weekly.items():
            figures = expected.get(code)
            if figures is None:  # spending only in the earlier base weeks
                assert entry["total_spent_minor"] == entry["last_week_minor"] == 0
                assert entry["pending"]["count"] == entry["installments"]["count"] == 0
                continue
            assert entry["total_spent_minor"] == figures["total_spent_minor"]
            assert entry["purchases_minor"] == figures["purchases_minor"]
            assert entry["refunds_minor"] == figures["refunds_minor"]
            assert entry["transaction_count"] == figures["transaction_count"]
            assert entry["last_week_minor"] == figures["previous_total_spent_minor"]
            assert entry["change_vs_last_week_bps"] == figures["change_bps"]
            assert entry["pending"] == figures["pending"]
            assert entry["installments"] == figures["installments"]
            assert sub_amounts(entry, "amount_minor") == sub_amounts(figures, "amount_minor")
            assert sub_amounts(entry, "last_week_minor") == sub_amounts(
                figures, "previous_amount_minor"
            )
            base_total = four_weeks[code]["previous_total_spent_minor"]
            assert entry["average_4w_minor"] == half_up(base_total, 4)
            exact = 10_000 * (4 * entry["total_spent_minor"] - base_total)
            expected_bps = None if base_total == 0 else half_up(exact, abs(base_total))
            assert entry["change_vs_average_bps"] == expected_bps


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(), seed=st.integers(min_value=0, max_value=2**16))
def test_reports_depend_on_each_users_rows_not_their_order(tx: pd.DataFrame, seed: int) -> None:
    users = pd.DataFrame(
        {"user_id": USERS, "week_start": [0, 6, 0], "locale": ["en", "zh-CN", "en"]}
    )
    # Local times make the late-night insight take part too.
    tx = tx.assign(local_time=[(number * 97) % 1440 for number in range(len(tx))])
    frames = weekly_reports(tx, users, week_of=WEEK_OF)
    shuffled = weekly_reports(tx.sample(frac=1, random_state=seed), users, week_of=WEEK_OF)
    for user_id in USERS:
        report = weekly_report_for_user(frames, user_id)
        assert weekly_report_for_user(shuffled, user_id) == report
        assert json.loads(json.dumps(report)) == report
    # Other users' rows change nothing for a user.
    user_id = USERS[seed % len(USERS)]
    alone = weekly_reports(tx[tx["user_id"] == user_id], users, week_of=WEEK_OF)
    assert weekly_report_for_user(alone, user_id) == weekly_report_for_user(frames, user_id)
