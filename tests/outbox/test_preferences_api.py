"""Contact preferences and the message history through the API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.service import enqueue
from channels import FakeChannel


def test_preferences_lower_only_and_stop_start(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    headers = login(user.email)
    defaults = client.get("/v1/contact-preferences", headers=headers).json()
    assert (
        defaults["quiet_start"],
        defaults["quiet_end"],
        defaults["daily_cap"],
        defaults["stopped"],
    ) == ("21:00", "08:00", 3, False)
    changed = client.patch(
        "/v1/contact-preferences",
        json={"quiet_start": "22:30", "daily_cap": 1, "channel_order": ["telegram", "email"]},
        headers=headers,
    ).json()
    assert (changed["quiet_start"], changed["daily_cap"], changed["channel_order"]) == (
        "22:30",
        1,
        ["telegram", "email"],
    )
    for bad, code in (
        ({"daily_cap": 9}, "preferences.cap"),
        ({"quiet_end": "25:00"}, "preferences.time"),
        ({"channel_order": ["pager"]}, "preferences.channel"),
        ({"quiet_start": "08:00"}, "preferences.time"),
    ):
        response = client.patch("/v1/contact-preferences", json=bad, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code, bad

    clock.set(datetime(2026, 11, 16, 4, tzinfo=UTC))  # noon in Shanghai
    headers = login(user.email)
    assert client.post("/v1/contact-preferences/stop", headers=headers).json()["stopped"] is True
    with Session(engine) as session:
        enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="d1",
            category="repayment",
            debt_key="s1",
            body="due soon",
            now=clock.now(),
        )
        session.commit()
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    history = client.get("/v1/messages", headers=headers).json()
    assert (
        history[0]["status"] == "suppressed"
        and history[0]["reason"] == "stopped"
        and history[0]["why"]
    )
    assert client.post("/v1/contact-preferences/start", headers=headers).json()["stopped"] is False
    with Session(engine) as session:
        enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="d2",
            category="repayment",
            debt_key="s1",
            body="due tomorrow",
            now=clock.now(),
        )
        session.commit()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert [m.text for m in fake.sent] == ["due tomorrow"]
    assert client.get("/v1/messages", headers=headers).json()[0]["status"] == "sent"
