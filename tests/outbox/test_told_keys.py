"""Told keys remembered per borrower: found committed, they are not looked up again; found but
written in the same database transaction, they are not remembered (a rollback takes them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.db import make_engine
from billbot.outbox import service
from billbot.outbox.service import enqueue, enqueue_many, queued_keys

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _message(user_id: int, key: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "scenario": "limit_threshold",
        "dedupe_key": key,
        "category": "spending",
        "body": f"body of {key}",
    }


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The keys each outbox lookup read (a lookup served from memory reads nothing)."""
    seen: list[list[str]] = []
    real = service.raw_rows

    def counting(session: Session, sql: str, params: Any) -> Any:
        seen.append(list(params))
        return real(session, sql, params)

    monkeypatch.setattr(service, "raw_rows", counting)
    return seen


def test_committed_keys_are_remembered_for_their_borrower(
    engine: Engine, make_user: Any, reads: list[list[str]]
) -> None:
    user = make_user("told@example.com")
    borrower = (user.id, user.created_at)
    with Session(engine) as session:
        enqueue_many(session, [_message(user.id, "a"), _message(user.id, "b")], now=NOW)
        session.commit()
    with Session(engine) as session:
        assert queued_keys(session, ["a", "b", "c"], known_for=borrower) == {"a", "b"}
        assert queued_keys(session, ["a", "b", "c"], known_for=borrower) == {"a", "b"}
        # Another borrower given the same id later is not this one.
        assert queued_keys(session, ["a"], known_for=(user.id, "later")) == {"a"}
    assert reads == [["a", "b", "c"], ["c"], ["a"]]
    # Another engine on the same database keeps its own.
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    with Session(elsewhere) as session:
        assert queued_keys(session, ["a"], known_for=borrower) == {"a"}
    elsewhere.dispose()
    assert reads[-1] == ["a"]


def test_keys_written_in_the_same_transaction_are_not_remembered(
    engine: Engine, make_user: Any, reads: list[list[str]]
) -> None:
    user = make_user("rolled@example.com")
    borrower = (user.id, user.created_at)
    with Session(engine) as session:
        enqueue_many(session, [_message(user.id, "many")], now=NOW)
        enqueue(session, now=NOW, **_message(user.id, "one"))
        found = queued_keys(session, ["many", "one"], known_for=borrower)
        assert found == {"many", "one"}  # this transaction's own rows
        session.rollback()
    with Session(engine) as session:
        assert queued_keys(session, ["many", "one"], known_for=borrower) == set()
    assert reads[-1] == ["many", "one"]


def test_sessions_joining_one_transaction_share_what_it_wrote(
    engine: Engine, make_user: Any
) -> None:
    user = make_user("joined@example.com")
    borrower = (user.id, user.created_at)
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection) as writer:
            enqueue_many(writer, [_message(user.id, "shared")], now=NOW)
            writer.flush()
        with Session(bind=connection) as reader:
            assert queued_keys(reader, ["shared"], known_for=borrower) == {"shared"}
        transaction.rollback()
    with Session(engine) as session:
        assert queued_keys(session, ["shared"], known_for=borrower) == set()
