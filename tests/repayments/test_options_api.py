"""Repayment options for the demo borrower's statement due soon, through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_options_state_totals_the_same_way(client: TestClient, demo: Any) -> None:
    statements = client.get("/v1/statements", headers=demo.headers).json()
    due = next(
        s
        for s in statements
        if s["currency"] == "CNY" and s["status"] in ("closed", "partially_paid")
    )
    response = client.get(
        f"/v1/statements/{due['id']}/repayment-options",
        params={"custom_amount_minor": 50_000, "payday": "2026-11-30"},
        headers=demo.headers,
    )
    assert response.status_code == 200, response.text
    options = response.json()
    kinds = [o["kind"] for o in options]
    assert (
        kinds[:2] == ["full", "minimum"]
        and kinds.count("installments") == 4
        and "combined" in kinds
    )
    owed = due["remaining_due_minor"]
    full = options[0]
    assert (full["total_paid_minor"], full["extra_over_full_minor"]) == (owed, 0)
    for option in options:
        if option["total_paid_minor"] is not None:
            assert option["extra_over_full_minor"] == option["total_paid_minor"] - owed
            assert (
                sum(item["amount_minor"] for item in option["schedule"])
                == option["total_paid_minor"]
            )
    installments = [o for o in options if o["kind"] == "installments"]
    assert all(
        o["extra_over_full_minor"] > 0 and o["effective_apr"] is not None for o in installments
    )


def test_open_or_foreign_statements_have_no_options(
    client: TestClient, demo: Any, make_user: Any, login: Any
) -> None:
    statements = client.get("/v1/statements", headers=demo.headers).json()
    open_one = next(s for s in statements if s["status"] == "open")
    refused = client.get(f"/v1/statements/{open_one['id']}/repayment-options", headers=demo.headers)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "repayment.open"
    stranger = make_user("stranger@example.com")
    other = client.get(
        f"/v1/statements/{open_one['id']}/repayment-options", headers=login(stranger.email)
    )
    assert other.status_code == 404
