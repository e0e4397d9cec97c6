"""Paying a statement calls off its pending reminders at once, before any dispatcher runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxAttempt, OutboxMessage
from billbot.scheduler import run_sweeps
from channels import FakeChannel


def _messages(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def _due_soon(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    account: Any,
    operator_headers: dict[str, str],
) -> OutboxMessage:
    """A £500 purchase in October, then the sweep 3 days before the 25 November due date: the
    account's pending due-soon nudge."""
    purchase = {
        "external_id": "buy",
        "posted_at": "2026-10-20T12:00:00+00:00",
        "amount_minor": 50_000,
        "merchant": "TESCO",
    }
    client.post(
        f"/operator/v1/accounts/{account.id}/transactions",
        json={"transactions": [purchase]},
        headers=operator_headers,
    )
    clock.set(datetime(2026, 11, 22, 12, tzinfo=UTC))  # 3 days before 25 November
    run_sweeps(engine, clock)
    (nudge,) = [m for m in _messages(engine) if m.scenario == "due_soon"]
    return nudge


def test_paying_in_full_suppresses_the_pending_due_soon_nudge(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    login: Any,
    operator_headers: dict[str, str],
) -> None:
    user = make_user(time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20)
    nudge = _due_soon(client, engine, clock, account, operator_headers)
    assert nudge.status == "pending" and nudge.debt_key is not None

    url = f"/operator/v1/accounts/{account.id}/repayments"
    paid_at = "2026-11-22T12:30:00+00:00"
    part = {"external_id": "r1", "amount_minor": 20_000, "paid_at": paid_at}
    assert client.post(url, json=part, headers=operator_headers).json()["outcome"] == "created"
    still = next(m for m in _messages(engine) if m.id == nudge.id)
    assert still.status == "pending"  # a part payment leaves the statement owing: keep reminding

    rest = {"external_id": "r2", "amount_minor": 30_000, "paid_at": paid_at}
    assert client.post(url, json=rest, headers=operator_headers).json()["outcome"] == "created"
    suppressed = next(m for m in _messages(engine) if m.id == nudge.id)
    assert (suppressed.status, suppressed.reason) == ("suppressed", "paid")

    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    history = client.get("/v1/messages", headers=login(user.email)).json()
    entry = next(m for m in history if m["id"] == nudge.id)
    assert (entry["status"], entry["reason"]) == ("suppressed", "paid")
    assert "paid" in entry["why"]
    with Session(engine) as session:
        attempts = session.exec(
            select(OutboxAttempt).where(col(OutboxAttempt.message_id) == nudge.id)
        ).all()
        assert [a.outcome for a in attempts] == ["suppressed"]
    # The sweep runs again the same day: a paid statement gets nothing new.
    run_sweeps(engine, clock)
    assert [m.scenario for m in _messages(engine) if m.status == "pending"] == []


def test_a_nudge_claimed_by_a_dispatcher_is_called_off_if_paid_before_it_decides(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
) -> None:
    from billbot.outbox.dispatcher import DispatchReport

    user = make_user("claimed@example.com", time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20)
    nudge = _due_soon(client, engine, clock, account, operator_headers)
    fake = FakeChannel()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock)
    assert nudge.id in dispatcher.claim()  # claimed: on its way, not yet decided

    paid = {"external_id": "r1", "amount_minor": 50_000, "paid_at": "2026-11-22T12:30:00+00:00"}
    url = f"/operator/v1/accounts/{account.id}/repayments"
    assert client.post(url, json=paid, headers=operator_headers).json()["outcome"] == "created"
    assert dispatcher.decide([nudge.id], DispatchReport()) == []  # nothing left to send
    asyncio.run(dispatcher.run_once())
    assert fake.sent == []
    called_off = next(m for m in _messages(engine) if m.id == nudge.id)
    assert (called_off.status, called_off.reason) == ("suppressed", "paid")
    with Session(engine) as session:
        attempts = session.exec(
            select(OutboxAttempt).where(col(OutboxAttempt.message_id) == nudge.id)
        ).all()
        assert [a.outcome for a in attempts] == ["suppressed"]
