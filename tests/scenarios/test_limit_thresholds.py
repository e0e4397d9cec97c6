"""Crossing a threshold of one's own limit queues one message, in the same transaction."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.outbox.models import OutboxMessage


def _post(
    client: TestClient, headers: dict[str, str], account_id: int, ext: str, amount: int
) -> None:
    body = {
        "transactions": [
            {
                "external_id": ext,
                "posted_at": "2026-11-10T04:00:00+00:00",
                "amount_minor": amount,
                "merchant": "MEITUAN WAIMAI",
                "mcc": "5812",
            }
        ]
    }
    assert (
        client.post(
            f"/operator/v1/accounts/{account_id}/transactions", json=body, headers=headers
        ).status_code
        == 200
    )


def _messages(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [
            m.dedupe_key.rsplit(":", 1)[-1]
            for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        ]


def test_thresholds_are_told_once_each(
    client: TestClient,
    engine: Engine,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user(time_zone="Asia/Shanghai", currency="CNY", locale="zh-CN")
    card = make_account(user.id, currency="CNY")
    headers = login(user.email)
    limit = {
        "scope": "sub_category",
        "target": "food_delivery",
        "period": "month",
        "currency": "CNY",
        "amount_minor": 100_000,
    }
    assert client.post("/v1/limits", json=limit, headers=headers).status_code == 201
    _post(client, operator_headers, card.id, "a", 30_000)
    assert _messages(engine) == []
    _post(client, operator_headers, card.id, "b", 25_000)  # 55%: the 50% threshold
    _post(client, operator_headers, card.id, "b", 25_000)  # re-posted: nothing new
    assert _messages(engine) == ["5000"]
    _post(
        client, operator_headers, card.id, "c", 60_000
    )  # 115%: past 80% and 100% at once, the highest is told
    assert _messages(engine) == ["5000", "10000"]
    with Session(engine) as session:
        text = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
        assert (
            text is not None
            and "115%" in text.body
            and "外卖" in text.body
            and "¥1,150.00" in text.body
        )
