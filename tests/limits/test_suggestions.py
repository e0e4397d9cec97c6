"""Smart limit suggestions: never above what the borrower spends; gentler when spending rises."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from insights.suggestions import suggest_limits


def _frame(totals: list[int], category: str = "food") -> pd.DataFrame:
    months = [f"2026-{m:02d}" for m in range(1, len(totals) + 1)]
    return pd.DataFrame(
        {"month": months, "currency": "CNY", "category": category, "amount_minor": totals}
    )


@given(totals=st.lists(st.integers(0, 10_000_000), min_size=3, max_size=6))
def test_never_above_the_median_month(totals: list[int]) -> None:
    for suggestion in suggest_limits(_frame(totals), exponents={"CNY": 2}):
        assert 0 <= suggestion["amount_minor"] <= suggestion["median_month_minor"] <= max(totals)
        if suggestion["rising"]:
            assert suggestion["amount_minor"] <= suggestion["median_month_minor"] * 9 // 10


def test_rising_spending_gets_a_gentler_cap_and_both_languages() -> None:
    flat = suggest_limits(_frame([300_000, 300_000, 300_000, 300_000]), exponents={"CNY": 2})[0]
    rising = suggest_limits(_frame([200_000, 250_000, 300_000, 400_000]), exponents={"CNY": 2})[0]
    assert (flat["amount_minor"], flat["rising"]) == (300_000, False)
    assert (
        rising["rising"] and rising["amount_minor"] == 220_000
    )  # 90% of the 250,000 median, rounded down
    assert "10%" in rising["explanation"]["en"] and "10%" in rising["explanation"]["zh-CN"]
    assert (
        suggest_limits(_frame([100_000, 200_000]), exponents={"CNY": 2}) == []
    )  # too little history


def test_demo_borrower_gets_suggestions(client: TestClient, demo: Any) -> None:
    suggestions = client.get("/v1/limits/suggestions", headers=demo.headers).json()
    ideal = next(s for s in suggestions if s["scope"] == "ideal_bill" and s["currency"] == "CNY")
    assert 0 < ideal["amount_minor"] <= ideal["median_month_minor"]
    assert any(s["scope"] == "category" for s in suggestions)
    # Accepting one is a single call with the suggestion's own fields.
    accept = {k: ideal[k] for k in ("scope", "period", "currency", "amount_minor")}
    assert client.post("/v1/limits", json=accept, headers=demo.headers).status_code == 201
