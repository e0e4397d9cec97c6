"""`plain_instances`: rows read without the ORM carry the same values as the ORM's own objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, inspect
from sqlmodel import Session, col, select

from billbot.db import plain_instances
from billbot.limits.models import Limit
from billbot.limits.service import change_amount, create_limit

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_plain_limits_equal_the_orm_ones(engine: Engine, make_user: Any) -> None:
    user = make_user("plain@example.com")
    with Session(engine, expire_on_commit=False) as session:
        limit = create_limit(
            session,
            user_id=user.id,
            scope="category",
            target="food",
            period="month",
            currency="USD",
            amount_minor=40_000,
            now=NOW,
        )
        # A raise waits for its cooling-off: a pending amount and a UTC instant to compare.
        change_amount(
            session, limit=limit, amount_minor=60_000, now=NOW, cooling_off=timedelta(hours=24)
        )
        session.commit()
    with Session(engine) as session:
        (plain,) = plain_instances(session, Limit, "user_id = {mark}", [user.id])
        (loaded,) = session.exec(select(Limit).where(col(Limit.user_id) == user.id)).all()
        assert plain.model_dump() == loaded.model_dump()
        assert plain.pending_effective_at == NOW + timedelta(hours=24)
        assert plain.pending_effective_at.tzinfo is not None
        assert plain.hard is False
        assert inspect(plain, raiseerr=False) is None  # no ORM state: read-only
        assert plain_instances(session, Limit, "user_id = {mark}", [user.id + 1]) == []
