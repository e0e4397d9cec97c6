"""The outbox and its dispatcher: once per dedupe key, the policy obeyed, failures retried, nothing lost."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import ContactPreferences, OutboxAttempt, OutboxMessage
from billbot.outbox.service import enqueue
from channels import FakeChannel
from channels.errors import PermanentError, RateLimited, TransientError

NOON_SHANGHAI = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def fake() -> FakeChannel:
    return FakeChannel()


@pytest.fixture
def dispatcher(engine: Engine, clock: FrozenClock, fake: FakeChannel) -> Dispatcher:
    clock.set(NOON_SHANGHAI)
    return Dispatcher(engine, {"fake": fake}, clock, rng=random.Random(1))


def _queue(engine: Engine, clock: FrozenClock, user_id: int, n: int = 1, **extra: Any) -> list[int]:
    ids = []
    with Session(engine) as session:
        for i in range(n):
            extra.setdefault("category", "spending")
            message = enqueue(
                session,
                user_id=user_id,
                scenario="limit_threshold",
                dedupe_key=f"limit:{user_id}:{i}",
                body=f"message {i}",
                now=clock.now(),
                **extra,
            )
            assert message is not None and message.id is not None
            ids.append(message.id)
        session.commit()
    return ids


def _statuses(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [
            m.status
            for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        ]


def test_enqueue_is_once_per_dedupe_key(engine: Engine, clock: FrozenClock, make_user: Any) -> None:
    user = make_user()
    with Session(engine) as session:
        first = enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="due:1:3d",
            category="repayment",
            debt_key="s1",
            body="due in 3 days",
            now=clock.now(),
        )
        again = enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="due:1:3d",
            category="repayment",
            debt_key="s1",
            body="due in 3 days",
            now=clock.now(),
        )
        session.commit()
    assert first is not None and again is None
    assert len(_statuses(engine)) == 1


def test_sends_and_records(
    engine: Engine, clock: FrozenClock, make_user: Any, dispatcher: Dispatcher, fake: FakeChannel
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 2, buttons=[("ok", "Got it")])
    report = asyncio.run(dispatcher.run_once())
    assert report.claimed == 2 and report.outcomes["sent"] == 2
    assert [m.text for m in fake.sent] == ["message 0", "message 1"]
    assert fake.sent[0].buttons[0].title == "Got it" and fake.sent[0].recipient == str(user.id)
    assert _statuses(engine) == ["sent", "sent"]
    assert asyncio.run(dispatcher.run_once()).claimed == 0  # nothing sent twice


def test_quiet_hours_defer_and_stop_suppresses(
    engine: Engine, clock: FrozenClock, make_user: Any, dispatcher: Dispatcher, fake: FakeChannel
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    _queue(engine, clock, user.id)
    asyncio.run(dispatcher.run_once())
    assert _statuses(engine) == ["deferred"] and fake.sent == []
    with Session(engine) as session:
        message = session.exec(select(OutboxMessage)).one()
        assert message.not_before == datetime(2026, 11, 17, 0, 0, tzinfo=UTC)  # 08:00 local
        assert message.reason == "quiet_hours"
    clock.set(datetime(2026, 11, 17, 0, 0, tzinfo=UTC))
    asyncio.run(dispatcher.run_once())
    assert _statuses(engine) == ["sent"]
    # STOP on any channel: nothing more is sent.
    with Session(engine) as session:
        session.add(
            ContactPreferences(user_id=user.id, stopped_at=clock.now(), updated_at=clock.now())
        )
        session.commit()
        enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="after-stop",
            category="repayment",
            debt_key="s9",
            body="x",
            now=clock.now(),
        )
        session.commit()
    asyncio.run(dispatcher.run_once())
    assert _statuses(engine) == ["sent", "suppressed"] and len(fake.sent) == 1


def test_rate_limits_transient_and_permanent_failures(
    engine: Engine, clock: FrozenClock, make_user: Any, dispatcher: Dispatcher, fake: FakeChannel
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 3)
    fake.fail_next(
        RateLimited(retry_after=42),
        TransientError("502 from provider"),
        PermanentError("recipient_blocked", "blocked"),
    )
    asyncio.run(dispatcher.run_once())
    assert _statuses(engine) == ["pending", "pending", "dead"]
    with Session(engine) as session:
        limited, transient, dead = session.exec(
            select(OutboxMessage).order_by(col(OutboxMessage.id))
        ).all()
        assert limited.not_before == clock.now() + timedelta(seconds=42)
        assert (
            clock.now() + timedelta(seconds=15)
            <= transient.not_before
            <= clock.now() + timedelta(seconds=30)
        )
        assert dead.reason == "recipient_blocked"
        outcomes = [
            a.outcome
            for a in session.exec(select(OutboxAttempt).order_by(col(OutboxAttempt.id))).all()
        ]
        assert outcomes == ["rate_limited", "transient", "permanent"]
    clock.advance(timedelta(seconds=41))
    assert (
        asyncio.run(dispatcher.run_once()).outcomes["sent"] == 1
    )  # the transient one, after its backoff
    clock.advance(timedelta(seconds=1))
    assert (
        asyncio.run(dispatcher.run_once()).outcomes["sent"] == 1
    )  # retry-after honoured to the second
    assert _statuses(engine) == ["sent", "sent", "dead"]


class CrashAfterSend(Dispatcher):
    """Dies after the provider accepted a message and before the dispatcher wrote that down."""

    crashes = 1

    def record(self, results: Any, report: Any) -> None:
        if self.crashes:
            self.crashes -= 1
            raise SystemExit("killed")
        super().record(results, report)


class CrashBeforeSend(Dispatcher):
    """Dies after claiming, before asking the policy or sending anything."""

    def decide(self, ids: list[int], report: Any) -> list[Any]:
        raise SystemExit("killed")


def test_a_killed_dispatcher_loses_nothing_and_sends_nothing_twice(
    engine: Engine, clock: FrozenClock, make_user: Any, fake: FakeChannel
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    clock.set(NOON_SHANGHAI)
    _queue(engine, clock, user.id, 3)
    with pytest.raises(SystemExit):
        asyncio.run(CrashBeforeSend(engine, {"fake": fake}, clock).run_once())
    assert _statuses(engine) == ["sending"] * 3 and fake.sent == []
    survivor = CrashAfterSend(engine, {"fake": fake}, clock)
    assert asyncio.run(survivor.run_once()).claimed == 0  # the dead one's lease still holds
    clock.advance(timedelta(minutes=3))
    with pytest.raises(SystemExit):
        asyncio.run(survivor.run_once())
    clock.advance(timedelta(minutes=3))
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert _statuses(engine) == ["sent"] * 3
    # Each message reached the provider once; the resend after the crash was recognised.
    assert sorted(m.text for m in fake.sent) == ["message 0", "message 1", "message 2"]
    assert len(fake.attempts) > len(fake.sent)


@pytest.mark.skipif(
    "postgresql" not in __import__("os").environ.get("BILLBOT_TEST_DATABASE_URL", ""),
    reason="SKIP LOCKED is PostgreSQL's",
)
def test_two_dispatchers_share_the_work_on_postgresql(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    users = [make_user(f"u{i}@example.com", time_zone="Asia/Shanghai") for i in range(4)]
    clock.set(NOON_SHANGHAI)
    for user in users:
        _queue(engine, clock, user.id, 3, category="digest")
    seen: list[str] = []

    class Recording(FakeChannel):
        async def send(self, message: Any) -> Any:
            seen.append(message.idempotency_key)
            await asyncio.sleep(0.01)
            return await super().send(message)

    def work(_: int) -> None:
        dispatcher = Dispatcher(engine, {"fake": Recording()}, clock, batch=2)
        while asyncio.run(dispatcher.run_once()).claimed:
            pass

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(work, range(2)))
    assert len(seen) == 12 and len(set(seen)) == 12
    assert _statuses(engine) == ["sent"] * 12


def test_caps_hold_within_one_batch(
    engine: Engine, clock: FrozenClock, make_user: Any, dispatcher: Dispatcher, fake: FakeChannel
) -> None:
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 5)  # five nudges at once; the daily cap is three
    asyncio.run(dispatcher.run_once())
    assert sorted(_statuses(engine)) == ["deferred", "deferred", "sent", "sent", "sent"]
    assert len(fake.sent) == 3
    with Session(engine) as session:
        deferred = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.status) == "deferred")
        ).all()
        assert {m.reason for m in deferred} == {"daily_cap"}
        assert all(
            m.not_before >= datetime(2026, 11, 16, 16, 0, tzinfo=UTC) for m in deferred
        )  # next local day
