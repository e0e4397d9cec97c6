"""Recurring charges: new this week, or up in price, at a weekly or monthly cadence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from insights.weekly import weekly_report_for_user, weekly_reports

MakeTx = Callable[..., pd.DataFrame]

WEEK_OF = date(2026, 10, 7)  # Monday 5 October to Sunday 11 October 2026
ONE_USER = pd.DataFrame({"user_id": [1], "week_start": [0], "locale": ["en"]})


def charges(make_tx: MakeTx, *dated: tuple[date, int], **fields: Any) -> pd.DataFrame:
    """Charges of one merchant on the given days, for the given amounts."""
    base = {"merchant_name": "Music Club", "category": "entertainment", "sub_category": "music"}
    return make_tx(
        *(base | fields | {"local_date": day, "amount_minor": amount} for day, amount in dated)
    )


def recurring(tx: pd.DataFrame, users: pd.DataFrame = ONE_USER) -> list[dict[str, Any]]:
    """User 1's recurring changes this week."""
    frames = weekly_reports(tx, users, week_of=WEEK_OF)
    return list(weekly_report_for_user(frames, 1)["recurring"])


def summary(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What changed, at which cadence, from what to what."""
    return [
        (row["change"], row["cadence"], row["previous_amount_minor"], row["amount_minor"])
        for row in found
    ]


def test_a_weekly_charge_is_new_on_its_first_repeat(make_tx: MakeTx) -> None:
    tx = charges(make_tx, (date(2026, 9, 29), 1000), (date(2026, 10, 6), 1050))
    (found,) = recurring(tx)
    assert summary([found]) == [("new", "weekly", 1000, 1050)]
    assert found["merchant"] == "Music Club"
    assert found["transaction_id"] == 2
    assert found["local_date"] == "2026-10-06"
    assert found["previous_date"] == "2026-09-29"
    assert found["change_bps"] == 500


def test_a_charge_seen_before_is_not_new(make_tx: MakeTx) -> None:
    tx = charges(
        make_tx, (date(2026, 9, 22), 1000), (date(2026, 9, 29), 1000), (date(2026, 10, 6), 1000)
    )
    assert recurring(tx) == []


def test_a_monthly_charge_is_new_only_if_the_history_could_show_an_earlier_one(
    make_tx: MakeTx,
) -> None:
    tx = charges(make_tx, (date(2026, 9, 7), 4900), (date(2026, 10, 7), 4900))
    assert summary(recurring(tx)) == [("new", "monthly", 4900, 4900)]
    # History from 1 September would not show an August charge, so newness is unknown.
    recent = ONE_USER.assign(history_start=[date(2026, 9, 1)])
    assert recurring(tx, recent) == []


def test_a_price_rise_follows_a_steady_step(make_tx: MakeTx) -> None:
    tx = charges(
        make_tx, (date(2026, 8, 7), 1000), (date(2026, 9, 7), 1000), (date(2026, 10, 7), 1200)
    )
    (found,) = recurring(tx)
    assert summary([found]) == [("price_rise", "monthly", 1000, 1200)]
    assert found["change_bps"] == 2000


def test_irregular_or_dissimilar_charges_are_not_recurring(make_tx: MakeTx) -> None:
    irregular = charges(make_tx, (date(2026, 9, 23), 1000), (date(2026, 10, 6), 1000))
    assert recurring(irregular) == []
    dissimilar = charges(make_tx, (date(2026, 9, 29), 1000), (date(2026, 10, 6), 1200))
    assert recurring(dissimilar) == []
    # Doubling is more likely a different purchase than a new price.
    doubled = charges(
        make_tx, (date(2026, 8, 7), 1000), (date(2026, 9, 7), 1000), (date(2026, 10, 7), 2000)
    )
    assert recurring(doubled) == []
    cheaper = charges(
        make_tx, (date(2026, 8, 7), 1000), (date(2026, 9, 7), 1000), (date(2026, 10, 7), 950)
    )
    assert recurring(cheaper) == []


def test_same_day_charges_count_as_one(make_tx: MakeTx) -> None:
    tx = charges(
        make_tx, (date(2026, 9, 29), 500), (date(2026, 10, 6), 250), (date(2026, 10, 6), 250)
    )
    (found,) = recurring(tx)
    assert summary([found]) == [("new", "weekly", 500, 500)]
    assert found["transaction_id"] == 3


def test_only_posted_named_purchases_form_a_series(make_tx: MakeTx) -> None:
    pending = charges(make_tx, (date(2026, 9, 29), 1000)).assign(status="pending")
    posted = charges(make_tx, (date(2026, 10, 6), 1000)).assign(transaction_id=2)
    assert recurring(pd.concat([pending, posted], ignore_index=True)) == []
    unnamed = charges(
        make_tx, (date(2026, 9, 29), 1000), (date(2026, 10, 6), 1000), merchant_name=""
    )
    assert recurring(unnamed) == []
