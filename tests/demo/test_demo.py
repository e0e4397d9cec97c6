"""The demo borrower can sign in and see accounts, transactions and statements."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_demo_borrower_walkthrough(client: TestClient, demo: Any) -> None:
    seeded, headers = demo.seed, demo.headers
    assert seeded.transactions > 500
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["status"] == "ready"
    accounts = client.get("/v1/accounts", headers=headers).json()
    assert {a["currency"] for a in accounts} == {"CNY", "USD"}
    transactions = client.get("/v1/transactions", headers=headers, params={"limit": 500}).json()
    assert len(transactions) == 500
    assert any(t["status"] == "pending" for t in transactions)
    statements = client.get("/v1/statements", headers=headers).json()
    assert len(statements) >= 12  # about six cycles on each of two cards
    statuses = {s["status"] for s in statements}
    assert "open" in statuses and statuses & {"closed", "partially_paid", "overdue", "paid"}
    # The newest closed statement of the CNY card is due and still owed: something to remind about.
    cny = [s for s in statements if s["currency"] == "CNY" and s["status"] != "open"]
    assert cny[0]["remaining_due_minor"] > 0
    # Operator key printed by the demo works.
    response = client.post(
        f"/operator/v1/accounts/{accounts[0]['id']}/transactions",
        json={
            "transactions": [
                {
                    "external_id": "try-1",
                    "posted_at": "2026-11-16T03:00:00+00:00",
                    "amount_minor": 3200,
                    "merchant": "LUCKIN COFFEE",
                }
            ]
        },
        headers={"X-API-Key": seeded.api_key},
    )
    assert response.json()["created"] == 1


def test_demo_breakdown_is_rich_and_a_rule_was_learned(client: TestClient, demo: Any) -> None:
    headers = demo.headers
    rules = client.get("/v1/category-rules", headers=headers).json()
    assert [r["sub_category"] for r in rules] == ["gifts_flowers"]
    month = client.get("/v1/breakdowns", params={"month": "2026-10"}, headers=headers).json()
    cny = next(c for c in month["currencies"] if c["currency"] == "CNY")
    subs = [s for c in cny["categories"] for s in c["sub_categories"]]
    assert len(cny["categories"]) >= 6 and len(subs) >= 12
    uncategorised = sum(
        c["amount_minor"] for c in cny["categories"] if c["category"] == "uncategorised"
    )
    assert uncategorised * 20 < cny["total_spent_minor"]  # under 5%
    assert sum(c["amount_minor"] for c in cny["categories"]) == cny["total_spent_minor"]


def test_demo_has_limits_with_progress(client: TestClient, demo: Any) -> None:
    limits = client.get("/v1/limits", headers=demo.headers).json()
    assert {limit["scope"] for limit in limits} == {"ideal_bill", "sub_category", "credit_cap"}
    ideal = next(limit for limit in limits if limit["scope"] == "ideal_bill")
    assert ideal["progress"]["spent_minor"] > 0 and ideal["progress"]["zone"] in {
        "healthy",
        "over_80",
        "over_100",
    }
