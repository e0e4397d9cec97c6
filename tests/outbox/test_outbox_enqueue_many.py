"""Queuing many messages at once: the rows `enqueue` writes, each dedupe key once, a true count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.outbox.models import OutboxMessage
from billbot.outbox.service import enqueue, enqueue_many
from billbot.users.models import User

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))


def _message(user_id: int, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "scenario": "due_soon",
        "dedupe_key": key,
        "category": "repayment",
        "body": f"body of {key}",
        **extra,
    }


def _stored(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        return {row.dedupe_key: row.model_dump(exclude={"id", "dedupe_key"}) for row in rows}


def test_writes_what_enqueue_writes(engine: Engine, make_user: Any) -> None:
    user = make_user()
    full = {
        "priority": 2,
        "foldable": True,
        "debt_key": "statement:7",
        "subject": "Due soon",
        "buttons": [("paid:7", "我已还款"), ("snooze:7", 'Say "later"')],
        "channel": "sms",
        "not_before": datetime(2026, 11, 16, 18, 0, tzinfo=SHANGHAI),
        "expires_at": NOW + timedelta(days=1),
        "html": "<p>due</p>",
        "headers": {"List-Unsubscribe": "<mailto:x@example.com>", "X-名": "值"},
    }
    with Session(engine) as session:
        enqueue(session, now=NOW, **_message(user.id, "one", **full))
        assert enqueue_many(session, [_message(user.id, "many", **full)], now=NOW) == 1
        session.commit()
    stored = _stored(engine)
    many = stored["many"]
    assert many["body"] == "body of many"
    many["body"] = "body of one"
    assert many == stored["one"]
    assert many["not_before"] == datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    assert many["status"] == "pending" and many["attempts"] == 0


def test_counts_only_new_keys(engine: Engine, make_user: Any) -> None:
    user = make_user()
    with Session(engine) as session:
        assert enqueue_many(session, [_message(user.id, "a", body="first")], now=NOW) == 1
        session.commit()
    later = NOW + timedelta(hours=1)
    batch = [
        _message(user.id, "a", body="again"),  # queued before
        _message(user.id, "b"),
        _message(user.id, "b", body="twice in one batch"),
        _message(user.id, "c"),
    ]
    with Session(engine) as session:
        assert enqueue_many(session, batch, now=later) == 2
        assert enqueue_many(session, batch, now=later) == 0
        assert enqueue_many(session, [], now=later) == 0
        session.commit()
    stored = _stored(engine)
    assert sorted(stored) == ["a", "b", "c"]
    assert stored["a"]["body"] == "first" and stored["a"]["created_at"] == NOW
    assert stored["b"]["body"] == "body of b"
    assert stored["c"]["buttons"] == "[]" and stored["c"]["not_before"] == later


def test_sees_a_borrower_added_in_the_same_session(engine: Engine) -> None:
    with Session(engine) as session:
        user = User(
            id=4242,
            email="new@example.com",
            display_name="New",
            locale="en",
            time_zone="UTC",
            currency="USD",
            created_at=NOW,
        )
        session.add(user)  # not flushed yet: the batch's rows refer to it
        assert enqueue_many(session, [_message(4242, "welcome")], now=NOW) == 1
        session.commit()
    with Session(engine) as session:
        assert session.get(User, 4242) is not None
        keys = session.exec(
            select(OutboxMessage.dedupe_key).where(col(OutboxMessage.user_id) == 4242)
        ).all()
    assert keys == ["welcome"]


def test_naive_time_is_refused(engine: Engine, make_user: Any) -> None:
    user = make_user()
    with Session(engine) as session:
        naive = _message(user.id, "naive", expires_at=datetime(2026, 11, 17, 9, 0))
        with pytest.raises(ValueError, match="naive"):
            enqueue_many(session, [_message(user.id, "fine"), naive], now=NOW)
        session.rollback()
    assert _stored(engine) == {}
