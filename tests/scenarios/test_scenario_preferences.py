"""Per-scenario switches, snoozes and settings: the service, the dispatcher honouring them, the API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from billbot.clock import FrozenClock
from billbot.errors import ConflictError, NotFoundError, ValidationFailed
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.service import enqueue
from billbot.scenarios.preferences import (
    set_enabled,
    settings_for,
    snooze,
    snooze_message,
    switches_for,
    update_settings,
)
from channels import FakeChannel


def _queue(engine: Engine, user_id: int, now: datetime, key: str, **extra: Any) -> int:
    extra.setdefault("scenario", "due_soon")
    extra.setdefault("category", "repayment")
    extra.setdefault("debt_key", "statement:1")
    with Session(engine) as session:
        message = enqueue(
            session, user_id=user_id, dedupe_key=key, body=f"text {key}", now=now, **extra
        )
        session.commit()
        assert message is not None and message.id is not None
        return message.id


def _dispatch(engine: Engine, clock: FrozenClock, fake: FakeChannel) -> None:
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())


def _message(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def test_switched_off_scenario_is_suppressed_and_shown_in_history(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    off = client.put("/v1/scenarios/large_purchase", json={"enabled": False}, headers=headers)
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert off.json()["warning"] is None  # not a repayment scenario: nothing critical missed
    spending = _queue(
        engine, user.id, clock.now(), "lp1", scenario="large_purchase", category="spending"
    )
    due = _queue(engine, user.id, clock.now(), "d1")
    fake = FakeChannel()
    _dispatch(engine, clock, fake)
    assert [m.text for m in fake.sent] == ["text d1"]
    assert _message(engine, due).status == "sent"
    history = {m["id"]: m for m in client.get("/v1/messages", headers=headers).json()}
    assert history[spending]["status"] == "suppressed"
    assert history[spending]["reason"] == "scenario_off"
    assert "switched off large purchase" in history[spending]["why"]

    # On again: the next instance goes out.
    client.put("/v1/scenarios/large_purchase", json={"enabled": True}, headers=headers)
    _queue(engine, user.id, clock.now(), "lp2", scenario="large_purchase", category="spending")
    _dispatch(engine, clock, fake)
    assert [m.text for m in fake.sent][-1] == "text lp2"


def test_snoozed_scenario_is_deferred_to_the_end_and_never_dropped(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    user = make_user()
    now = clock.now()
    until = now + timedelta(days=2)
    with Session(engine) as session:
        snooze(session, user_id=user.id, scenario="due_soon", until=until, now=now)
        session.commit()
    # It would lapse after a day on its own; a snooze keeps it for after.
    message_id = _queue(engine, user.id, now, "d1", expires_at=now + timedelta(days=1))
    other = _queue(engine, user.id, now, "o1", scenario="overdue", debt_key="statement:2")
    fake = FakeChannel()
    _dispatch(engine, clock, fake)
    assert [m.text for m in fake.sent] == ["text o1"]
    held = _message(engine, message_id)
    assert (held.status, held.reason, held.not_before) == ("deferred", "snoozed", until)
    assert held.expires_at == until + timedelta(days=1)
    clock.set(until - timedelta(minutes=1))
    _dispatch(engine, clock, fake)
    assert len(fake.sent) == 1
    clock.set(until)
    _dispatch(engine, clock, fake)
    assert [m.text for m in fake.sent] == ["text o1", "text d1"]
    assert _message(engine, other).status == "sent"


def test_snooze_refuses_past_naive_too_long_and_unknown(
    session: Session, clock: FrozenClock, make_user: Any
) -> None:
    user = make_user()
    now = clock.now()
    for until, code in (
        (now, "scenario.snooze"),
        (now - timedelta(hours=1), "scenario.snooze"),
        (now.replace(tzinfo=None) + timedelta(hours=1), "scenario.snooze"),
        (now + timedelta(days=91), "scenario.snooze"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            snooze(session, user_id=user.id, scenario="due_soon", until=until, now=now)
        assert caught.value.code == code
    with pytest.raises(NotFoundError):
        snooze(session, user_id=user.id, scenario="nope", until=now + timedelta(hours=1), now=now)


def test_switches_and_settings_read_in_one_query_per_batch(
    session: Session, clock: FrozenClock, make_user: Any
) -> None:
    ana, bo, cy = make_user("ana@example.com"), make_user("bo@example.com"), make_user("c@x.com")
    now = clock.now()
    set_enabled(session, user_id=ana.id, scenario="late_night", enabled=False, now=now)
    snooze(session, user_id=bo.id, scenario="overdue", until=now + timedelta(hours=3), now=now)
    # An ended snooze is not reported.
    snooze(session, user_id=cy.id, scenario="overdue", until=now + timedelta(hours=1), now=now)
    update_settings(
        session, user_id=bo.id, scenario="late_night", settings={"start": "23:00"}, now=now
    )
    later = now + timedelta(hours=2)
    switches = switches_for(session, [ana.id, bo.id, cy.id], later)
    assert switches[ana.id] == (frozenset({"late_night"}), {})
    assert switches[bo.id] == (frozenset(), {"overdue": now + timedelta(hours=3)})
    assert switches[cy.id] == (frozenset(), {})
    settings = settings_for(session, [ana.id, bo.id], "late_night")
    assert settings[ana.id] == {"start": "00:00", "end": "05:00"}
    assert settings[bo.id] == {"start": "23:00", "end": "05:00"}


def test_scenarios_api_lists_changes_and_validates(
    client: TestClient, make_user: Any, login: Any, clock: FrozenClock
) -> None:
    user = make_user(locale="zh-CN")
    headers = login(user.email)
    listed = {s["name"]: s for s in client.get("/v1/scenarios", headers=headers).json()}
    assert {"due_soon", "overdue", "large_purchase", "late_night", "credit_utilisation"} <= set(
        listed
    )
    late = listed["late_night"]
    assert late["enabled"] is True and late["snoozed_until"] is None
    assert late["settings"] == {"start": "00:00", "end": "05:00"}
    assert late["description"] == "深夜消费（当地时间）"
    assert listed["due_soon"]["repayment_critical"] is True

    changed = client.put(
        "/v1/scenarios/large_purchase",
        json={"settings": {"amount_minor": 50_000, "median_multiple": 4}},
        headers=headers,
    ).json()
    assert changed["settings"] == {"amount_minor": 50_000, "median_multiple": 4}
    cleared = client.put(
        "/v1/scenarios/large_purchase", json={"settings": {"amount_minor": None}}, headers=headers
    ).json()
    assert cleared["settings"]["amount_minor"] is None
    for bad in (
        {"settings": {"median_multiple": 100}},
        {"settings": {"median_multiple": "3"}},
        {"settings": {"colour": "red"}},
        {"settings": {"amount_minor": True}},
    ):
        response = client.put("/v1/scenarios/large_purchase", json=bad, headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "scenario.setting"
    bad_clock = client.put(
        "/v1/scenarios/late_night", json={"settings": {"start": "24:00"}}, headers=headers
    )
    assert bad_clock.status_code == 422
    bad_kind = client.put(
        "/v1/scenarios/frequent_small",
        json={"settings": {"sub_categories": ["food_delivery", "moon_rocks"]}},
        headers=headers,
    )
    assert bad_kind.status_code == 422
    assert client.put("/v1/scenarios/nope", json={}, headers=headers).status_code == 404
    # A rejected change leaves the stored settings as they were.
    again = {s["name"]: s for s in client.get("/v1/scenarios", headers=headers).json()}
    assert again["large_purchase"]["settings"] == {"amount_minor": None, "median_multiple": 4}


def test_switching_off_repayment_reminders_is_allowed_and_says_what_is_missed(
    client: TestClient, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    off = client.put("/v1/scenarios/overdue", json={"enabled": False}, headers=headers).json()
    assert off["enabled"] is False
    assert "late payment may be reported" in off["warning"]
    on = client.put("/v1/scenarios/overdue", json={"enabled": True}, headers=headers).json()
    assert on["warning"] is None and on["if_switched_off"]


def test_snooze_api_takes_until_or_hours(
    client: TestClient, make_user: Any, login: Any, clock: FrozenClock
) -> None:
    user = make_user()
    headers = login(user.email)
    now = clock.now()
    by_hours = client.post("/v1/scenarios/due_soon/snooze", json={"hours": 24}, headers=headers)
    assert by_hours.status_code == 200
    assert datetime.fromisoformat(by_hours.json()["snoozed_until"]) == now + timedelta(hours=24)
    until = "2026-11-20T09:00:00+08:00"
    by_until = client.post("/v1/scenarios/due_soon/snooze", json={"until": until}, headers=headers)
    assert datetime.fromisoformat(by_until.json()["snoozed_until"]) == datetime(
        2026, 11, 20, 1, tzinfo=UTC
    )
    for bad in ({}, {"hours": 2, "until": until}, {"until": "2026-11-01T00:00:00Z"}, {"hours": 0}):
        response = client.post("/v1/scenarios/due_soon/snooze", json=bad, headers=headers)
        assert response.status_code == 422, bad
    assert (
        client.post("/v1/scenarios/nope/snooze", json={"hours": 1}, headers=headers).status_code
        == 404
    )
    ended = client.delete("/v1/scenarios/due_soon/snooze", headers=headers).json()
    assert ended["snoozed_until"] is None


def test_message_snooze_defers_a_pending_one_and_requeues_a_sent_one(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    now = clock.now()
    sent_id = _queue(engine, user.id, now, "d1", buttons=[("snooze:1", "Remind me tomorrow")])
    fake = FakeChannel()
    _dispatch(engine, clock, fake)
    assert len(fake.sent) == 1

    clock.advance(timedelta(minutes=5))
    again = client.post(f"/v1/messages/{sent_id}/snooze", json={"hours": 24}, headers=headers)
    assert again.status_code == 200, again.text
    copy = again.json()
    assert copy["id"] != sent_id and copy["status"] == "pending"
    tomorrow = clock.now() + timedelta(hours=24)
    assert datetime.fromisoformat(copy["next_attempt_at"]) == tomorrow
    _dispatch(engine, clock, fake)
    assert len(fake.sent) == 1  # nothing before tomorrow: the scenario is snoozed as well
    clock.set(tomorrow)
    _dispatch(engine, clock, fake)
    assert [m.text for m in fake.sent] == ["text d1", "text d1"]
    assert fake.sent[1].buttons[0].id == "snooze:1"

    pending_id = _queue(engine, user.id, clock.now(), "d2", not_before=clock.now())
    with Session(engine) as session:
        snooze_message(
            session,
            user_id=user.id,
            message_id=pending_id,
            until=clock.now() + timedelta(hours=3),
            now=clock.now(),
        )
        session.commit()
    held = _message(engine, pending_id)
    assert (held.status, held.not_before) == ("deferred", clock.now() + timedelta(hours=3))


def test_message_snooze_refuses_others_and_unsnoozable(
    session: Session, engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    ana, bo = make_user("ana@example.com"), make_user("bo@example.com")
    now = clock.now()
    message_id = _queue(engine, ana.id, now, "d1")
    later = now + timedelta(hours=1)
    with pytest.raises(NotFoundError):
        snooze_message(session, user_id=bo.id, message_id=message_id, until=later, now=now)
    with pytest.raises(NotFoundError):
        snooze_message(session, user_id=ana.id, message_id=999_999, until=later, now=now)
    message = session.exec(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
    message.status = "suppressed"
    session.add(message)
    session.flush()
    with pytest.raises(ConflictError) as caught:
        snooze_message(session, user_id=ana.id, message_id=message_id, until=later, now=now)
    assert caught.value.code == "message.not_snoozable"
    message.status = "sending"
    session.add(message)
    session.flush()
    with pytest.raises(ConflictError):
        snooze_message(session, user_id=ana.id, message_id=message_id, until=later, now=now)
