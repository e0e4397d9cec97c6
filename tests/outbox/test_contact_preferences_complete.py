"""The preferences a borrower controls, end to end: caps only lowered, quiet hours, STOP over switches."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.service import enqueue
from channels import FakeChannel


def _queue(engine: Engine, user_id: int, now: datetime, key: str, **extra: Any) -> None:
    extra.setdefault("scenario", "large_purchase")
    extra.setdefault("category", "spending")
    with Session(engine) as session:
        enqueue(session, user_id=user_id, dedupe_key=key, body=key, now=now, **extra)
        session.commit()


def test_caps_lower_only_and_a_zero_cap_is_explained(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    for bad in ({"weekly_cap": 11}, {"daily_cap": -1}, {"weekly_cap": "5"}):
        response = client.patch("/v1/contact-preferences", json=bad, headers=headers)
        assert response.status_code == 422, bad
    lowered = client.patch(
        "/v1/contact-preferences", json={"daily_cap": 0, "weekly_cap": 4}, headers=headers
    ).json()
    assert (lowered["daily_cap"], lowered["weekly_cap"]) == (0, 4)
    _queue(engine, user.id, clock.now(), "n1", foldable=True)
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    (entry,) = client.get("/v1/messages", headers=headers).json()
    assert (entry["status"], entry["reason"]) == ("folded", "nudges_off")
    assert "limit to zero" in entry["why"]


def test_quiet_hours_can_be_moved_and_switched_off(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user(time_zone="America/New_York")
    clock.set(datetime(2026, 11, 17, 3, tzinfo=UTC))  # 22:00 in New York
    headers = login(user.email)
    _queue(engine, user.id, clock.now(), "q1")
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    (held,) = client.get("/v1/messages", headers=headers).json()
    assert (held["status"], held["reason"]) == ("deferred", "quiet_hours")
    assert datetime.fromisoformat(held["next_attempt_at"]) == datetime(
        2026, 11, 17, 13, tzinfo=UTC
    )  # 08:00 local
    client.patch("/v1/contact-preferences", json={"quiet_enabled": False}, headers=headers)
    _queue(engine, user.id, clock.now(), "q2")
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert [m.text for m in fake.sent] == ["q2"]


def test_stop_is_global_over_scenario_switches_and_they_survive_start(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    client.put("/v1/scenarios/late_night", json={"enabled": False}, headers=headers)
    client.post("/v1/scenarios/due_soon/snooze", json={"hours": 2}, headers=headers)
    client.post("/v1/contact-preferences/stop", headers=headers)
    _queue(engine, user.id, clock.now(), "s1")  # a switched-on scenario: STOP still holds it
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    assert client.get("/v1/messages", headers=headers).json()[0]["reason"] == "stopped"
    client.post("/v1/contact-preferences/start", headers=headers)
    scenarios = {s["name"]: s for s in client.get("/v1/scenarios", headers=headers).json()}
    assert scenarios["late_night"]["enabled"] is False
    assert scenarios["due_soon"]["snoozed_until"] is not None
    _queue(engine, user.id, clock.now(), "s2", scenario="late_night")
    _queue(
        engine,
        user.id,
        clock.now(),
        "s3",
        scenario="due_soon",
        category="repayment",
        debt_key="statement:9",
    )
    _queue(engine, user.id, clock.now(), "s4")
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert [m.text for m in fake.sent] == ["s4"]
    history = {m["text"]: m for m in client.get("/v1/messages", headers=headers).json()}
    assert history["s2"]["reason"] == "scenario_off"
    assert history["s3"]["reason"] == "snoozed"
    clock.advance(timedelta(hours=2))
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert [m.text for m in fake.sent] == ["s4", "s3"]
