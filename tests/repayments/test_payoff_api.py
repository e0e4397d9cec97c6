"""The payoff planner across a borrower's accounts, and the order they choose to follow."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from billbot.repayments.payoff_planner import priority_account


def _spend(client: TestClient, account_id: int, headers: dict[str, str], amount: int) -> None:
    item = {
        "external_id": f"s{account_id}",
        "posted_at": "2026-10-20T12:00:00+00:00",
        "amount_minor": amount,
        "merchant": "IKEA",
    }
    response = client.post(
        f"/operator/v1/accounts/{account_id}/transactions",
        json={"transactions": [item]},
        headers=headers,
    )
    assert response.json()["created"] == 1


def test_avalanche_and_snowball_across_accounts_and_the_saved_order(
    client: TestClient,
    engine: Any,
    make_user: Any,
    make_account: Any,
    login: Any,
    operator_headers: dict[str, str],
) -> None:
    user = make_user()
    small = make_account(user.id, name="Store Card", closing_day=5, apr_bps=1_500)
    dear = make_account(user.id, name="Gold Card", closing_day=5, apr_bps=2_900)
    cheap = make_account(user.id, name="Credit Line", closing_day=5, apr_bps=900)
    make_account(user.id, name="Euro Card", currency="EUR", closing_day=5, apr_bps=3_000)
    for account, amount in ((small, 30_000), (dear, 250_000), (cheap, 500_000)):
        _spend(client, account.id, operator_headers, amount)
    headers = login(user.email)

    response = client.get(
        "/v1/payoff-plan", params={"monthly_budget_minor": 40_000}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    avalanche, snowball = body["avalanche"], body["snowball"]
    assert avalanche["order"] == [dear.id, small.id, cheap.id]
    assert snowball["order"] == [small.id, dear.id, cheap.id]
    assert avalanche["total_interest_minor"] < snowball["total_interest_minor"]
    assert body["interest_saved_minor"] == (
        snowball["total_interest_minor"] - avalanche["total_interest_minor"]
    )
    for plan in (avalanche, snowball):
        assert len(plan["months"]) == plan["months_to_debt_free"]
        assert plan["months"][-1]["balance_minor"] == 0
        paid = sum(m["payment_minor"] for m in plan["months"])
        assert paid == plan["total_paid_minor"] == 780_000 + plan["total_interest_minor"]
    assert body["choice"] is None

    choice = {"strategy": "snowball", "monthly_budget_minor": 40_000, "currency": "usd"}
    saved = client.put("/v1/payoff-plan/choice", json=choice, headers=headers).json()
    assert saved["order"] == [small.id, dear.id, cheap.id]
    assert saved["priority_account_id"] == small.id
    again = client.get(
        "/v1/payoff-plan",
        params={"monthly_budget_minor": 40_000, "months": "false"},
        headers=headers,
    ).json()
    assert "months" not in again["avalanche"] and again["choice"]["strategy"] == "snowball"
    with Session(engine) as session:
        assert priority_account(session, user_id=user.id) == small.id

    refusals = [
        ({"monthly_budget_minor": 100}, "repayment.budget_below_minimums"),
        ({"monthly_budget_minor": 40_000, "currency": "ZZZZ"}, "payoff.currency"),
    ]
    for params, code in refusals:
        refused = client.get("/v1/payoff-plan", params=params, headers=headers)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == code, refused.text
    saved_budget = client.get("/v1/payoff-plan", headers=headers).json()  # the saved amount
    assert saved_budget["snowball"]["monthly_budget_minor"] == 40_000
    pounds = client.get("/v1/payoff-plan", params={"currency": "GBP"}, headers=headers).json()
    assert pounds["avalanche"] is None and pounds["snowball"] is None  # nothing owed in GBP

    stranger = make_user("stranger@example.com")
    other = login(stranger.email)
    nothing = client.get("/v1/payoff-plan", headers=other)
    assert nothing.status_code == 200 and nothing.json()["avalanche"] is None
    assert nothing.json()["choice"] is None
    card = make_account(stranger.id, name="Stranger Card", closing_day=5)
    _spend(client, card.id, operator_headers, 1_000)
    missing = client.get("/v1/payoff-plan", headers=other)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "payoff.budget"
