"""Export everything, erase everything."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text


def test_export_then_erase(
    client: TestClient,
    engine: Engine,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    keep = make_user("keep@example.com")
    make_account(keep.id)
    user = make_user("gone@example.com")
    account = make_account(user.id, last4="4242")
    batch = {
        "transactions": [
            {
                "external_id": "x1",
                "posted_at": "2026-11-01T09:00:00+00:00",
                "amount_minor": 4200,
                "merchant": "TESCO STORES 2231",
            }
        ]
    }
    client.post(
        f"/operator/v1/accounts/{account.id}/transactions", json=batch, headers=operator_headers
    )
    headers = login(user.email)

    export = client.get("/v1/me/export", headers=headers).json()
    assert export["user"]["email"] == "gone@example.com"
    assert "password_hash" not in export["user"]
    assert [a["last4"] for a in export["accounts"]] == ["4242"]
    assert export["transactions"][0]["merchant_raw"] == "TESCO STORES 2231"
    assert export["statements"], "statements are exported too"

    erased = client.delete("/v1/me", headers=headers)
    assert erased.status_code == 200
    assert erased.json()["erased"]["transactions"] == 1
    assert client.get("/v1/me", headers=headers).status_code == 401
    with engine.connect() as connection:
        for table in ("transactions", "statements", "accounts"):
            count = connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user.id}
            ).scalar()
            assert count == 0, table
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
    assert client.get("/v1/accounts", headers=login(keep.email)).json()[0]["user_id"] == keep.id
