"""The demo borrower can try every repayment choice: a statement due soon, a plan, the planner."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_demo_has_a_statement_due_soon_and_an_installment_plan(
    client: TestClient, demo: Any
) -> None:
    headers = demo.headers
    statements = client.get("/v1/statements", headers=headers).json()
    travel = [s for s in statements if s["currency"] == "USD" and s["status"] != "open"]
    due_soon = travel[0]
    assert due_soon["due_date"] == "2026-11-19" and due_soon["remaining_due_minor"] > 0
    options = client.get(
        f"/v1/statements/{due_soon['id']}/repayment-options", headers=headers
    ).json()
    assert {o["kind"] for o in options} >= {"full", "minimum", "installments", "combined"}

    ledger = client.get("/v1/installments", headers=headers).json()
    (plan,) = ledger["plans"]
    assert plan["source"] == "purchase" and plan["term_months"] == 6
    assert plan["remaining_count"] == 6 and ledger["income"]["currency"] == "CNY"
    assert len(ledger["projected_statements"][0]["statements"]) == 6
    assert ledger["guard"] and not ledger["warning"]

    account = demo.seed.account_ids[0]
    due_date = client.get(f"/v1/accounts/{account}/due-date", headers=headers).json()
    assert due_date["due_value"] == 25 and 15 in due_date["allowed_days"]
    assert 10 not in due_date["allowed_days"]  # five days after the close: too little grace
    planner = client.get(
        "/v1/payoff-plan", params={"monthly_budget_minor": 500_000}, headers=headers
    ).json()
    assert planner["avalanche"]["months_to_debt_free"] >= 1
