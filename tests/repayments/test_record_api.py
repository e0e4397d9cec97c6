"""Recording repayments through the operator API: once, with where the money came from."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_repayment_is_recorded_once_and_marks_the_statement(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user()
    account = make_account(user.id, closing_day=5)
    purchase = {
        "external_id": "p1",
        "posted_at": "2026-10-01T12:00:00+00:00",
        "amount_minor": 40_000,
        "merchant": "IKEA 0042",
        "mcc": "5712",
    }
    client.post(
        f"/operator/v1/accounts/{account.id}/transactions",
        json={"transactions": [purchase]},
        headers=operator_headers,
    )
    url = f"/operator/v1/accounts/{account.id}/repayments"
    body = {
        "external_id": "r1",
        "amount_minor": 40_000,
        "paid_at": "2026-10-20T08:00:00+00:00",
        "funding_source": "salary account",
    }
    first = client.post(url, json=body, headers=operator_headers).json()
    again = client.post(url, json=body, headers=operator_headers).json()
    assert first["outcome"] == "created" and again["outcome"] == "duplicate"
    assert first["repayment_id"] == again["repayment_id"] is not None
    statement = next(
        s
        for s in client.get("/v1/statements", headers=login(user.email)).json()
        if s["cycle_end_date"] == "2026-10-05"
    )
    assert statement["status"] == "paid" and statement["remaining_due_minor"] == 0
    export = client.get("/v1/me/export", headers=login(user.email)).json()
    assert [(r["amount_minor"], r["funding_source"]) for r in export["repayments"]] == [
        (40_000, "salary account")
    ]
    refused = client.post(url, json=body | {"amount_minor": -5}, headers=operator_headers)
    assert refused.status_code == 422
    no_key = client.post(url, json=body)
    assert no_key.status_code == 401
