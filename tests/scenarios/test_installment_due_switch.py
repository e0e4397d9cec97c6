"""Installment-due reminders can be switched off or snoozed like due-soon, with the same warning."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.service import enqueue
from billbot.scenarios.installments_due import SCENARIO
from billbot.scenarios.registry import get_scenario
from channels import FakeChannel


def _queue(engine: Engine, user_id: int, now: datetime, key: str) -> int:
    with Session(engine) as session:
        message = enqueue(
            session,
            user_id=user_id,
            scenario=SCENARIO,
            dedupe_key=f"{SCENARIO}:{key}",
            category="repayment",
            debt_key="statement:7",
            body=f"installment {key}",
            now=now,
            expires_at=now + timedelta(days=6),
            foldable=True,
        )
        session.commit()
        assert message is not None and message.id is not None
        return message.id


def _status(engine: Engine, message_id: int) -> tuple[str, str | None, datetime | None]:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message.status, message.reason, message.not_before


def test_installment_due_is_a_repayment_scenario_like_due_soon() -> None:
    installment, due_soon = get_scenario(SCENARIO), get_scenario("due_soon")
    assert installment.category == due_soon.category == "repayment"
    assert installment.repayment_critical and installment.if_off is not None
    assert set(installment.if_off) == set(due_soon.if_off or {}) == {"en", "zh-CN"}


def test_switching_off_installment_reminders_warns_then_suppresses(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    listed = {s["name"]: s for s in client.get("/v1/scenarios", headers=headers).json()}
    assert listed[SCENARIO]["repayment_critical"] is True
    assert "installment" in listed[SCENARIO]["if_switched_off"]
    off = client.put(f"/v1/scenarios/{SCENARIO}", json={"enabled": False}, headers=headers)
    assert off.status_code == 200
    assert "no reminder before an installment is due" in off.json()["warning"]
    message_id = _queue(engine, user.id, clock.now(), "1")
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    assert _status(engine, message_id)[:2] == ("suppressed", "scenario_off")
    history = {m["id"]: m for m in client.get("/v1/messages", headers=headers).json()}
    assert history[message_id]["reason"] == "scenario_off"


def test_snoozed_installment_reminder_goes_out_when_the_snooze_ends(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    snoozed = client.post(f"/v1/scenarios/{SCENARIO}/snooze", json={"hours": 24}, headers=headers)
    assert snoozed.status_code == 200
    until = clock.now() + timedelta(hours=24)
    message_id = _queue(engine, user.id, clock.now(), "2")
    fake = FakeChannel()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock)
    asyncio.run(dispatcher.run_once())
    assert fake.sent == []
    assert _status(engine, message_id) == ("deferred", "snoozed", until)
    clock.set(until)
    asyncio.run(dispatcher.run_once())
    assert [m.text for m in fake.sent] == ["installment 2"]


def test_zh_cn_borrower_reads_the_warning_in_chinese(
    client: TestClient, make_user: Any, login: Any
) -> None:
    user = make_user("mei@example.com", locale="zh-CN")
    headers = login(user.email)
    off = client.put(f"/v1/scenarios/{SCENARIO}", json={"enabled": False}, headers=headers).json()
    assert "分期到期前将不再提醒你" in off["warning"]
