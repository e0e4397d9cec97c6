"""Limits and the ideal bill, upcoming dues, and credit utilisation in the week's terms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from insights.frames import empty_transactions
from insights.weekly import weekly_report_for_user, weekly_reports

WEEK_OF = date(2026, 10, 7)  # Monday 5 October to Sunday 11 October 2026
USERS = pd.DataFrame({"user_id": [1, 2], "week_start": [0, 6], "locale": ["en", "zh-CN"]})


def limit(**fields: Any) -> dict[str, Any]:
    """One limit row for user 1 over October 2026, overridden by `fields`."""
    return {
        "user_id": 1,
        "currency": "CNY",
        "scope": "ideal_bill",
        "target": None,
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 10, 31),
        "limit_minor": 300_000,
        "spent_minor_so_far": 0,
    } | fields


def report(user_id: int = 1, **frames: Any) -> dict[str, Any]:
    """A user's report with only the core's frames filled in."""
    weekly = weekly_reports(empty_transactions(), USERS, week_of=WEEK_OF, **frames)
    return weekly_report_for_user(weekly, user_id)


def test_limit_progress_counts_what_is_left_per_remaining_day() -> None:
    limits = pd.DataFrame(
        [
            limit(spent_minor_so_far=100_001),
            limit(
                scope="sub_category", target="coffee", limit_minor=10_000, spent_minor_so_far=12_000
            ),
            limit(
                scope="merchant",
                target="Luckin Coffee",
                limit_minor=5_000,
                spent_minor_so_far=4_000,
            ),
        ]
    )
    ideal, coffee, luckin = report(limits=limits)["limits"]
    # As of Monday 12 October (the day after the week) 20 days of October are left, today too.
    assert ideal["days_left"] == 20
    assert ideal["progress_bps"] == 3333
    assert ideal["remaining_minor"] == 199_999
    assert ideal["remaining_per_day_minor"] == 9_999  # floor of 199_999 / 20
    assert ideal["status"] == "on_pace"  # 100_001 by day 11 of 31 is under 300_000 * 11 / 31
    assert (coffee["status"], coffee["over_minor"], coffee["remaining_minor"]) == ("over", 2_000, 0)
    assert coffee["progress_bps"] == 12_000
    assert luckin["status"] == "ahead_of_pace"  # 80% used with 20 of 31 days still to go


def test_the_as_of_date_moves_the_days_left() -> None:
    limits = pd.DataFrame([limit(spent_minor_so_far=0)])
    (last_day,) = report(limits=limits, as_of=date(2026, 10, 31))["limits"]
    assert (last_day["days_left"], last_day["remaining_per_day_minor"]) == (1, 300_000)
    (after,) = report(limits=limits, as_of=date(2026, 11, 1))["limits"]
    assert (after["days_left"], after["remaining_per_day_minor"]) == (0, None)
    (before,) = report(limits=limits, as_of=date(2026, 9, 30))["limits"]
    assert before["days_left"] == 31


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="scope"):
        report(limits=pd.DataFrame([limit(scope="weekly")]))
    with pytest.raises(ValueError, match="limit_minor must hold integers"):
        report(limits=pd.DataFrame([limit(limit_minor=10.5)]))
    with pytest.raises(ValueError, match="missing columns: target"):
        report(limits=pd.DataFrame([limit()]).drop(columns="target"))


def test_upcoming_dues_in_the_next_fourteen_days_sorted_and_summed() -> None:
    upcoming = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 1, 1, 2],
            "due_date": [
                date(2026, 10, 20),
                date(2026, 10, 12),  # the as-of day itself
                date(2026, 10, 25),  # the fourteenth day
                date(2026, 10, 26),  # beyond the window
                date(2026, 10, 11),  # already past
                date(2026, 10, 12),
            ],
            "kind": ["installment", "statement_due", "installment", "statement_due", "x", "y"],
            "amount_minor": [30_000, 120_000, 30_000, 99, 1, 5],
            "currency": ["CNY"] * 6,
            "label": ["Phone 3/12", "October bill", "Phone 4/12", "later", "past", "other"],
        }
    )
    dues = report(upcoming=upcoming)["upcoming"]
    assert [item["label"] for item in dues["items"]] == ["October bill", "Phone 3/12", "Phone 4/12"]
    assert dues["items"][0]["days_until"] == 0
    assert dues["totals"] == [
        {"currency": "CNY", "amount_minor": 180_000, "count": 3, "next_due_date": "2026-10-12"}
    ]


def test_credit_utilisation_per_account_and_overall() -> None:
    accounts = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 1],
            "account_id": [10, 11, 12, 13],
            "currency": ["CNY", "CNY", "CNY", "CNY"],
            "credit_limit_minor": [1_000_000, 500_000, 200_000, 0],
            "balance_minor": [800_000, -20_000, 150_001, 5_000],
        }
    )
    utilisation = report(accounts=accounts)["utilisation"]
    assert [a["utilisation_bps"] for a in utilisation["accounts"]] == [8000, 0, 7500, None]
    # A credit balance on one card does not pay down another: 950_001 of 1_700_000.
    assert utilisation["totals"] == [
        {
            "currency": "CNY",
            "owed_minor": 950_001,
            "credit_limit_minor": 1_700_000,
            "account_count": 3,
            "utilisation_bps": 5588,
        }
    ]


def test_an_installment_inside_a_listed_statement_is_shown_but_not_counted_twice() -> None:
    upcoming = pd.DataFrame(
        {
            "user_id": [1, 1, 1],
            "due_date": [date(2026, 10, 22), date(2026, 10, 22), date(2026, 10, 15)],
            "kind": ["statement", "installment", "installment"],
            "amount_minor": [120_000, 30_000, 8_000],
            "currency": ["CNY"] * 3,
            "label": ["Card statement", "Card installment 3/12", "Other card installment 1/3"],
            "part_of_statement": [False, True, False],
        }
    )
    dues = report(upcoming=upcoming)["upcoming"]
    assert [(i["label"], i["part_of_statement"]) for i in dues["items"]] == [
        ("Other card installment 1/3", False),
        ("Card installment 3/12", True),
        ("Card statement", False),
    ]
    # The statement already holds its installment: 120_000 + 8_000 owed, two dues.
    assert dues["totals"] == [
        {"currency": "CNY", "amount_minor": 128_000, "count": 2, "next_due_date": "2026-10-15"}
    ]
    # Without the column every row is a due of its own.
    plain = report(upcoming=upcoming.drop(columns="part_of_statement"))["upcoming"]
    assert plain["totals"][0]["amount_minor"] == 158_000
    assert not any(item["part_of_statement"] for item in plain["items"])
    with pytest.raises(ValueError, match="part_of_statement must hold true or false"):
        report(upcoming=upcoming.assign(part_of_statement=[1, 0, 0]))


def test_utilisation_against_the_borrowers_own_cap() -> None:
    accounts = pd.DataFrame(
        {
            "user_id": [1, 1],
            "account_id": [10, 11],
            "currency": ["CNY", "CNY"],
            "credit_limit_minor": [1_000_000, 500_000],
            "balance_minor": [300_000, 100_000],
            "own_cap_minor": pd.array([400_000, None], dtype="Int64"),
        }
    )
    capped, free = report(accounts=accounts)["utilisation"]["accounts"]
    assert (capped["utilisation_bps"], capped["own_cap_utilisation_bps"]) == (3000, 7500)
    assert (capped["own_cap_minor"], capped["own_cap_left_minor"]) == (400_000, 100_000)
    assert (free["own_cap_minor"], free["own_cap_utilisation_bps"], free["own_cap_left_minor"]) == (
        None,
        None,
        None,
    )
    # The overall stays against the issuer's limits.
    assert report(accounts=accounts)["utilisation"]["totals"][0]["utilisation_bps"] == 2667
    with pytest.raises(ValueError, match="own_cap_minor must hold integers"):
        report(accounts=accounts.assign(own_cap_minor=[1.5, 2.5]))
