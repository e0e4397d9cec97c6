"""Ingestion through the operator API: idempotent, validated, statements updated."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _tx(i: int, amount: int = 1250, **extra: Any) -> dict[str, Any]:
    body = {
        "external_id": f"t{i}",
        "posted_at": "2026-11-10T15:30:00+00:00",
        "amount_minor": amount,
        "merchant": "BLUE BOTTLE COFFEE",
        "mcc": "5814",
    }
    body.update(extra)
    return body


def test_batch_is_idempotent(
    client: TestClient, make_user: Any, make_account: Any, operator_headers: dict[str, str]
) -> None:
    user = make_user()
    account = make_account(user.id, closing_day=20)
    batch = {"transactions": [_tx(i) for i in range(5)]}
    url = f"/operator/v1/accounts/{account.id}/transactions"
    first = client.post(url, json=batch, headers=operator_headers)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 5
    again = client.post(url, json=batch, headers=operator_headers)
    assert again.json()["created"] == 0
    assert again.json()["duplicates"] == 5
    ids = {item["id"] for item in first.json()["items"]}
    assert ids == {item["id"] for item in again.json()["items"]}


def test_bad_items_are_rejected_with_reasons(
    client: TestClient, make_user: Any, make_account: Any, operator_headers: dict[str, str]
) -> None:
    user = make_user()
    account = make_account(user.id)
    batch = {
        "transactions": [
            _tx(1),
            _tx(2, amount=-500, kind="purchase"),
            _tx(3, amount=500, kind="refund"),
            _tx(4, currency="XYZ"),
            _tx(1),
        ]
    }
    response = client.post(
        f"/operator/v1/accounts/{account.id}/transactions", json=batch, headers=operator_headers
    )
    body = response.json()
    outcomes = [item["outcome"] for item in body["items"]]
    assert outcomes == ["created", "rejected", "rejected", "rejected", "duplicate"]
    assert "must be positive" in body["items"][1]["reason"]
    assert "must be negative" in body["items"][2]["reason"]
    assert "XYZ" in body["items"][3]["reason"]


def test_float_amounts_are_refused(
    client: TestClient, make_user: Any, make_account: Any, operator_headers: dict[str, str]
) -> None:
    user = make_user()
    account = make_account(user.id)
    response = client.post(
        f"/operator/v1/accounts/{account.id}/transactions",
        json={"transactions": [_tx(1, amount=12.5)]},
        headers=operator_headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_operator_key_is_required_and_scoped(
    client: TestClient, make_user: Any, make_account: Any
) -> None:
    user = make_user()
    account = make_account(user.id)
    url = f"/operator/v1/accounts/{account.id}/transactions"
    assert client.post(url, json={"transactions": [_tx(1)]}).status_code == 401
    wrong = client.post(url, json={"transactions": [_tx(1)]}, headers={"X-API-Key": "bb_nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "auth.bad_api_key"


def test_statement_totals_follow_transactions(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user()
    account = make_account(
        user.id, closing_day=5, due_value=20, min_payment_bps=500, min_payment_floor_minor=2500
    )
    url = f"/operator/v1/accounts/{account.id}/transactions"
    txs = [
        _tx(1, 10_000, posted_at="2026-10-01T10:00:00+00:00"),
        _tx(2, 5_000, posted_at="2026-10-04T10:00:00+00:00"),
        _tx(3, -2_000, kind="refund", posted_at="2026-10-20T10:00:00+00:00"),
        _tx(4, -8_000, kind="repayment", posted_at="2026-10-22T10:00:00+00:00"),
        _tx(5, 3_000, status="pending", posted_at="2026-11-15T10:00:00+00:00"),
    ]
    assert client.post(url, json={"transactions": txs}, headers=operator_headers).status_code == 200
    statements = client.get("/v1/statements", headers=login(user.email)).json()
    by_end = {s["cycle_end_date"]: s for s in statements}
    october = by_end["2026-10-05"]
    assert october["statement_balance_minor"] == 15_000
    assert october["minimum_due_minor"] == 2_500  # 5% of 150.00 is 7.50, below the 25.00 floor
    assert october["paid_minor"] == 10_000
    assert october["due_date"] == "2026-10-25"
    # 100.00 credited after the close covers the minimum but not the balance, and it is past due.
    assert october["status"] == "partially_paid"
    november = by_end["2026-11-05"]
    assert november["statement_balance_minor"] == 5_000
    assert november["status"] == "closed"
    current = by_end["2026-12-05"]
    assert current["status"] == "open"
    assert current["charges_minor"] == 0  # the pending 30.00 is not counted until posted
