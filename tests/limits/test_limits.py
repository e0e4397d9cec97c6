"""Self-imposed limits: progress, the asymmetric cooling-off, the pre-purchase check, suggestions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billbot.clock import FrozenClock


@pytest.fixture
def borrower(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> dict[str, Any]:
    user = make_user(time_zone="Asia/Shanghai", currency="CNY")
    card = make_account(user.id, currency="CNY", closing_day=20, credit_limit_minor=2_000_000)
    rows = [
        (
            "a",
            "2026-11-02T04:00:00+00:00",
            30_000,
            "美团外卖 MEITUAN WAIMAI",
            "5812",
            "purchase",
            "posted",
        ),
        (
            "b",
            "2026-11-05T04:00:00+00:00",
            12_000,
            "LUCKIN COFFEE 0231",
            "5814",
            "purchase",
            "posted",
        ),
        (
            "c",
            "2026-11-10T04:00:00+00:00",
            8_000,
            "LUCKIN COFFEE 0231",
            "5814",
            "purchase",
            "pending",
        ),
        (
            "d",
            "2026-11-12T04:00:00+00:00",
            -100_000,
            "PAYMENT THANK YOU",
            None,
            "repayment",
            "posted",
        ),
        (
            "e",
            "2026-10-30T04:00:00+00:00",
            50_000,
            "HAIDILAO HOT POT",
            "5812",
            "purchase",
            "posted",
        ),
    ]
    body = {
        "transactions": [
            {
                "external_id": e,
                "posted_at": at,
                "amount_minor": a,
                "merchant": m,
                "kind": k,
                "status": s,
                **({"mcc": c} if c else {}),
            }
            for e, at, a, m, c, k, s in rows
        ]
    }
    assert (
        client.post(
            f"/operator/v1/accounts/{card.id}/transactions", json=body, headers=operator_headers
        ).status_code
        == 200
    )
    return {"user": user, "card": card, "headers": login(user.email)}


def _limit(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    fields.setdefault("currency", "CNY")
    response = client.post("/v1/limits", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_progress_counts_pending_not_repayments(
    client: TestClient, borrower: dict[str, Any]
) -> None:
    ideal = _limit(
        client, borrower["headers"], scope="ideal_bill", period="month", amount_minor=60_000
    )
    progress = ideal["progress"]
    assert (
        progress["spent_minor"] == 30_000 + 12_000 + 8_000
    )  # October's hot pot and the repayment do not count
    assert progress["used_bps"] == 8333 and progress["zone"] == "over_80"
    assert progress["thresholds_crossed_bps"] == [5000, 8000]
    assert progress["days_left"] == 15  # 16 to 30 November, Shanghai time
    assert progress["per_day_left_minor"] == 10_000 // 15
    coffee = _limit(
        client,
        borrower["headers"],
        scope="sub_category",
        target="coffee",
        period="week",
        amount_minor=15_000,
    )
    assert coffee["progress"]["spent_minor"] == 0  # this week (16-22 Nov) has no coffee yet
    merchant = _limit(
        client,
        borrower["headers"],
        scope="merchant",
        target="Luckin Coffee",
        period="month",
        amount_minor=15_000,
    )
    assert (
        merchant["progress"]["spent_minor"] == 20_000 and merchant["progress"]["zone"] == "over_100"
    )


def test_lowering_is_immediate_raising_waits(
    client: TestClient, borrower: dict[str, Any], clock: FrozenClock, settings: Any, login: Any
) -> None:
    headers = borrower["headers"]
    limit = _limit(
        client, headers, scope="category", target="food", period="month", amount_minor=100_000
    )
    lowered = client.patch(
        f"/v1/limits/{limit['id']}", json={"amount_minor": 80_000}, headers=headers
    ).json()
    assert lowered["amount_minor"] == 80_000 and lowered["pending_amount_minor"] is None
    raised = client.patch(
        f"/v1/limits/{limit['id']}", json={"amount_minor": 200_000}, headers=headers
    ).json()
    assert raised["amount_minor"] == 80_000 and raised["pending_amount_minor"] == 200_000
    clock.advance(timedelta(hours=settings.limit_cooling_off_hours) - timedelta(seconds=1))
    headers = login(borrower["user"].email)  # a day later: sign in again
    assert client.get(f"/v1/limits/{limit['id']}", headers=headers).json()["amount_minor"] == 80_000
    clock.advance(timedelta(seconds=1))
    assert (
        client.get(f"/v1/limits/{limit['id']}", headers=headers).json()["amount_minor"] == 200_000
    )
    # A raise can be cancelled while it cools off; removal cools off too.
    client.patch(f"/v1/limits/{limit['id']}", json={"amount_minor": 300_000}, headers=headers)
    kept = client.post(f"/v1/limits/{limit['id']}/cancel-pending", headers=headers).json()
    assert kept["amount_minor"] == 200_000 and kept["pending_amount_minor"] is None
    removing = client.delete(f"/v1/limits/{limit['id']}", headers=headers).json()
    assert removing["pending_removal"] is True
    assert any(
        item["id"] == limit["id"] for item in client.get("/v1/limits", headers=headers).json()
    )
    clock.advance(timedelta(hours=settings.limit_cooling_off_hours))
    headers = login(borrower["user"].email)
    assert all(
        item["id"] != limit["id"] for item in client.get("/v1/limits", headers=headers).json()
    )
    # The removed limit's record stays with it, and it is no longer reachable.
    assert client.get(f"/v1/limits/{limit['id']}", headers=headers).status_code == 404


def test_history_records_every_change(
    client: TestClient, borrower: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    headers = borrower["headers"]
    limit = _limit(client, headers, scope="ideal_bill", period="month", amount_minor=500_000)
    client.patch(f"/v1/limits/{limit['id']}", json={"amount_minor": 400_000}, headers=headers)
    client.patch(f"/v1/limits/{limit['id']}", json={"amount_minor": 450_000}, headers=headers)
    client.patch(
        f"/v1/limits/{limit['id']}", json={"amount_minor": 300_000}, headers=headers
    )  # lowering cancels the raise
    history = client.get(f"/v1/limits/{limit['id']}/history", headers=headers).json()
    assert [h["action"] for h in history] == [
        "created",
        "lowered",
        "raise_requested",
        "raise_cancelled",
        "lowered",
    ]
    assert history[2]["effective_at"] != history[2]["at"]


def test_purchase_check(
    client: TestClient, borrower: dict[str, Any], operator_headers: dict[str, str]
) -> None:
    headers, user = borrower["headers"], borrower["user"]
    _limit(
        client,
        headers,
        scope="sub_category",
        target="coffee",
        period="month",
        amount_minor=25_000,
        hard=True,
    )
    _limit(client, headers, scope="ideal_bill", period="month", amount_minor=100_000)
    url = f"/operator/v1/users/{user.id}/purchase-check"
    small = client.post(
        url,
        json={
            "amount_minor": 1_000,
            "currency": "CNY",
            "merchant": "LUCKIN COFFEE #0456",
            "mcc": "5814",
        },
        headers=operator_headers,
    ).json()
    assert small["decision"] == "allow" and small["sub_category"] == "coffee"
    assert {item["scope"] for item in small["limits"]} == {"sub_category", "ideal_bill"}
    warn = client.post(
        url,
        json={"amount_minor": 1_000, "currency": "CNY", "merchant": "UNIQLO", "mcc": "5651"},
        headers=operator_headers,
    ).json()
    assert warn["decision"] == "allow"  # 51,000 of 100,000: the 50% threshold was crossed already
    big = client.post(
        url,
        json={"amount_minor": 6_000, "currency": "CNY", "merchant": "LUCKIN COFFEE", "mcc": "5814"},
        headers=operator_headers,
    ).json()
    assert big["decision"] == "decline"  # 20,000 + 6,000 passes the hard 25,000 coffee limit
    coffee = next(item for item in big["limits"] if item["scope"] == "sub_category")
    assert coffee["remaining_after_minor"] == -1_000 and coffee["outcome"] == "decline"
    threshold = client.post(
        url,
        json={"amount_minor": 31_000, "currency": "CNY", "merchant": "UNIQLO", "mcc": "5651"},
        headers=operator_headers,
    ).json()
    assert threshold["decision"] == "warn"  # crosses 80% of the ideal bill
    other_currency = client.post(
        url,
        json={"amount_minor": 900_000, "currency": "USD", "merchant": "UNIQLO"},
        headers=operator_headers,
    ).json()
    assert other_currency == {
        "decision": "allow",
        "category": other_currency["category"],
        "sub_category": other_currency["sub_category"],
        "limits": [],
    }
    assert (
        client.post(url, json={"amount_minor": 1, "currency": "CNY", "merchant": "X"}).status_code
        == 401
    )


def test_credit_cap(
    client: TestClient, borrower: dict[str, Any], operator_headers: dict[str, str]
) -> None:
    headers, card = borrower["headers"], borrower["card"]
    too_high = client.post(
        "/v1/limits",
        json={
            "scope": "credit_cap",
            "currency": "CNY",
            "account_id": card.id,
            "amount_minor": 9_000_000,
        },
        headers=headers,
    )
    assert too_high.status_code == 422 and too_high.json()["error"]["code"] == "limit.amount"
    cap = _limit(
        client, headers, scope="credit_cap", account_id=card.id, amount_minor=10_000, hard=True
    )
    assert (
        cap["progress"]["spent_minor"] == 30_000 + 12_000 - 100_000 + 50_000
    )  # the balance the card owes now
    check = client.post(
        f"/operator/v1/users/{borrower['user'].id}/purchase-check",
        json={
            "amount_minor": 30_000,
            "currency": "CNY",
            "merchant": "JD.COM",
            "account_id": card.id,
        },
        headers=operator_headers,
    ).json()
    assert check["decision"] == "decline"


def test_bad_limits_are_refused(client: TestClient, borrower: dict[str, Any]) -> None:
    headers = borrower["headers"]
    cases = [
        (
            {"scope": "category", "target": "yachts", "period": "month", "amount_minor": 1},
            "limit.target",
        ),
        ({"scope": "ideal_bill", "amount_minor": 1}, "limit.period"),
        ({"scope": "ideal_bill", "period": "cycle", "amount_minor": 1}, "limit.account"),
        (
            {"scope": "ideal_bill", "period": "month", "amount_minor": 1, "thresholds_bps": "80%"},
            "limit.thresholds",
        ),
    ]
    for body, code in cases:
        response = client.post("/v1/limits", json={"currency": "CNY", **body}, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code, (
            body,
            response.text,
        )
