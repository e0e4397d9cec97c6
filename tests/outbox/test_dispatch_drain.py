"""Draining the outbox: pass after pass until nothing is due, each recorded before the next."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.service import enqueue
from channels import FakeChannel, OutboundMessage, SendResult

NOON_SHANGHAI = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)


def _queue(engine: Engine, clock: FrozenClock, user_id: int, n: int, category: str) -> None:
    with Session(engine) as session:
        for i in range(n):
            enqueue(
                session,
                user_id=user_id,
                scenario="limit_threshold" if category == "spending" else "weekly_digest",
                dedupe_key=f"drain:{user_id}:{category}:{i}",
                category=category,
                body=f"message {i} for {user_id}",
                now=clock.now(),
            )
        session.commit()


def _statuses(engine: Engine) -> dict[int, list[str]]:
    by_user: dict[int, list[str]] = {}
    with Session(engine) as session:
        for message in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all():
            by_user.setdefault(message.user_id, []).append(message.status)
    return by_user


class Slow(FakeChannel):
    """A fake provider that takes a moment per message."""

    async def send(self, message: OutboundMessage) -> SendResult:
        await asyncio.sleep(0.001)
        return await super().send(message)


def test_drain_sends_every_batch_once(engine: Engine, clock: FrozenClock, make_user: Any) -> None:
    clock.set(NOON_SHANGHAI)
    users = [make_user(f"u{i}@example.com", time_zone="Asia/Shanghai") for i in range(4)]
    for user in users:
        _queue(engine, clock, user.id, 3, "digest")  # digests are not capped
    fake = Slow()
    report = asyncio.run(Dispatcher(engine, {"fake": fake}, clock, batch=2).drain())
    assert report.claimed == 12 and report.outcomes["sent"] == 12
    assert sorted(m.text for m in fake.sent) == sorted(
        f"message {i} for {u.id}" for u in users for i in range(3)
    )
    assert all(statuses == ["sent"] * 3 for statuses in _statuses(engine).values())
    assert asyncio.run(Dispatcher(engine, {"fake": fake}, clock).drain()).claimed == 0


def test_overlapping_batches_never_squeeze_past_a_cap(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    ana = make_user("ana@example.com", time_zone="Asia/Shanghai")
    ben = make_user("ben@example.com", time_zone="Asia/Shanghai")
    _queue(engine, clock, ana.id, 5, "spending")  # nudges: at most 3 a day
    _queue(engine, clock, ben.id, 2, "spending")
    fake = Slow()
    # One message a pass: each of Ana's is decided after the one before it was recorded.
    report = asyncio.run(Dispatcher(engine, {"fake": fake}, clock, batch=1).drain())
    statuses = _statuses(engine)
    assert statuses[ana.id].count("sent") == 3 and statuses[ana.id].count("deferred") == 2
    assert statuses[ben.id] == ["sent", "sent"]
    assert report.outcomes["sent"] == 5 and report.outcomes["deferred"] == 2


def test_a_budget_stops_claiming_new_batches(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 3, "digest")
    report = asyncio.run(Dispatcher(engine, {"fake": FakeChannel()}, clock).drain(budget=0))
    assert report.claimed == 0
    assert _statuses(engine)[user.id] == ["pending"] * 3


def test_a_sent_message_keeps_the_gates_reason(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 2, "digest")
    asyncio.run(Dispatcher(engine, {"fake": Slow()}, clock, batch=1).drain())
    with Session(engine) as session:
        sent = session.exec(select(OutboxMessage)).all()
    assert [(m.status, m.reason) for m in sent] == [("sent", "within_policy")] * 2
    assert all(m.explanation for m in sent)


def test_sends_in_flight_are_recorded_when_the_next_pass_fails(
    engine: Engine, clock: FrozenClock, make_user: Any, monkeypatch: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 2, "digest")
    fake = Slow()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock, batch=1)
    decide, calls = dispatcher.decide, []

    def failing_second(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return decide(*args)

    monkeypatch.setattr(dispatcher, "decide", failing_second)
    with pytest.raises(RuntimeError, match="database went away"):
        asyncio.run(dispatcher.drain())
    # The first pass went out while the second was decided: it is recorded, not left to resend.
    assert len(fake.sent) == 1
    assert _statuses(engine)[user.id] == ["sent", "sending"]


def test_drains_switch_threads_often_and_put_the_interval_back(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 2, "digest")
    seen: list[float] = []

    class Watching(FakeChannel):
        async def send(self, message: OutboundMessage) -> SendResult:
            seen.append(sys.getswitchinterval())
            return await super().send(message)

    before = sys.getswitchinterval()
    dispatcher = Dispatcher(engine, {"fake": Watching()}, clock, batch=1)

    async def two_at_once() -> None:  # overlapping drains: the last one out restores it
        await asyncio.gather(dispatcher.drain(), dispatcher.drain())

    asyncio.run(two_at_once())
    assert len(seen) == 2 and max(seen) <= 0.0005 < before
    assert sys.getswitchinterval() == before
