"""One-click unsubscribe (RFC 8058): no session, signed token, stops the digest and nothing else."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.digests.tokens import make_token
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.service import enqueue
from billbot.scheduler import run_sweeps
from billbot.settings import Settings
from channels import FakeChannel

ONE_CLICK = {"content-type": "application/x-www-form-urlencoded"}


def _state(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/digest/subscription", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_one_click_unsubscribe_without_a_session(
    client: TestClient, settings: Settings, make_user: Any, login: Any
) -> None:
    user = make_user("ana@example.com", time_zone="Europe/Berlin")
    other = make_user("bo@example.com")
    headers = login(user.email)
    token = make_token(settings.secret_key, user.id)
    assert _state(client, headers)["subscribed"] is True

    # A GET (a mail scanner following the link) only shows what would happen.
    looked = client.get("/v1/digest/unsubscribe", params={"token": token})
    assert looked.status_code == 200 and looked.json()["subscribed"] is True
    page = client.get(
        "/v1/digest/unsubscribe", params={"token": token}, headers={"accept": "text/html"}
    )
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert _state(client, headers)["subscribed"] is True

    clicked = client.post(
        "/v1/digest/unsubscribe",
        params={"token": token},
        content="List-Unsubscribe=One-Click",
        headers=ONE_CLICK,
    )
    assert clicked.status_code == 200 and clicked.json() == {"subscribed": False}
    state = _state(client, headers)
    assert state["subscribed"] is False and state["unsubscribed_via"] == "one_click"
    assert state["next_send_at"] is None
    # Idempotent, and the other borrower is untouched.
    again = client.post("/v1/digest/unsubscribe", data={"token": token})
    assert again.status_code == 200 and again.json() == {"subscribed": False}
    assert _state(client, login(other.email))["subscribed"] is True

    # The borrower turns it back on in the app.
    back = client.put("/v1/digest/subscription", json={"subscribed": True}, headers=headers)
    assert back.status_code == 200 and back.json()["subscribed"] is True
    assert back.json()["next_send_at"] is not None


@pytest.mark.parametrize(
    "forge",
    [
        lambda secret, uid, other: make_token(secret, other)[:-2] + "xx",  # altered signature
        lambda secret, uid, other: f"v1.{uid}." + make_token(secret, other).split(".")[2],
        lambda secret, uid, other: make_token("another-secret-" + "y" * 32, uid),
        lambda secret, uid, other: make_token(secret, uid, purpose="password-reset"),
        lambda secret, uid, other: f"v1.{uid}.",
        lambda secret, uid, other: "garbage",
        lambda secret, uid, other: "",
    ],
)
def test_forged_tokens_are_refused(
    client: TestClient, settings: Settings, make_user: Any, login: Any, forge: Any
) -> None:
    user = make_user("ana@example.com")
    other = make_user("bo@example.com")
    token = forge(settings.secret_key, user.id, other.id)
    for method in ("GET", "POST"):
        response = client.request(
            method,
            "/v1/digest/unsubscribe",
            params={"token": token},
            content="List-Unsubscribe=One-Click",
            headers=ONE_CLICK,
        )
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "digest.token_invalid"
    assert _state(client, login(user.email))["subscribed"] is True
    assert _state(client, login(other.email))["subscribed"] is True


def test_unsubscribing_stops_only_the_digest(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
    login: Any,
) -> None:
    user = make_user("ana@example.com", time_zone="Europe/Berlin")
    clock.set(datetime(2026, 11, 13, 12, tzinfo=UTC))
    run_sweeps(engine, clock, settings)
    token = make_token(settings.secret_key, user.id)
    assert client.post("/v1/digest/unsubscribe", data={"token": token}).status_code == 200
    clock.set(datetime(2026, 11, 16, 9, tzinfo=UTC))  # 10:00 Monday in Berlin
    run_sweeps(engine, clock, settings)
    with Session(engine) as session:
        enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="due_soon:1:d-3",
            category="repayment",
            debt_key="statement:1",
            body="Your statement is due in 3 days.",
            now=clock.now(),
        )
        session.commit()
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake, "email": fake}, clock).run_once())
    with Session(engine) as session:
        scenarios = session.exec(
            select(OutboxMessage.scenario).where(col(OutboxMessage.user_id) == user.id)
        ).all()
    assert scenarios == ["due_soon"]  # no digest queued
    assert [m.text for m in fake.sent] == ["Your statement is due in 3 days."]
    prefs = client.get("/v1/contact-preferences", headers=login(user.email))
    assert prefs.status_code == 200 and prefs.json()["stopped"] is False


def test_manage_link_shows_and_changes_the_digest(
    client: TestClient, settings: Settings, make_user: Any, login: Any
) -> None:
    user = make_user("ana@example.com", time_zone="Asia/Shanghai")
    token = make_token(settings.secret_key, user.id)
    page = client.get("/v1/digest/manage", params={"token": token}, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Mondays at 08:00" in page.text
    off = client.post("/v1/digest/manage", params={"token": token}, data={"subscribed": "false"})
    assert off.status_code == 200 and off.json()["subscribed"] is False
    bad = client.post("/v1/digest/manage", params={"token": token}, data={"subscribed": "maybe"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "digest.form"
    forged = client.post("/v1/digest/manage", params={"token": token + "x"}, data={})
    assert forged.status_code == 403
    headers = login(user.email)
    moved = client.put(
        "/v1/digest/subscription",
        json={"subscribed": True, "send_day": 6, "send_time": "19:30"},
        headers=headers,
    )
    assert moved.status_code == 200
    assert moved.json()["next_send_at"].startswith("2026-11-22T11:30")  # Sunday 19:30 Shanghai
    for body in ({"send_day": 7}, {"send_time": "25:00"}):
        wrong = client.put("/v1/digest/subscription", json=body, headers=headers)
        assert wrong.status_code == 422
    assert client.get("/v1/digest/subscription").status_code == 401
