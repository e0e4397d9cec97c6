"""Due-date reminders: each reminder point once, in the borrower's language, never after payment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.scheduler import run_sweeps
from channels import FakeChannel


def _scenarios(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        # The weekly digest sweep runs too; its messages are tested in tests/digests.
        return [
            (m.scenario, m.dedupe_key.split(":")[-1]) for m in rows if m.scenario != "weekly_digest"
        ]


def _statement_of(engine: Engine, scenario: str) -> str:
    with Session(engine) as session:
        message = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.scenario) == scenario)
        ).first()
        assert message is not None and message.debt_key is not None
        return message.debt_key.split(":")[1]


def test_reminders_follow_the_due_date(
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    post_at: Callable[..., None],
) -> None:
    user = make_user(time_zone="Asia/Shanghai", locale="zh-CN", currency="CNY")
    account = make_account(
        user.id,
        currency="CNY",
        closing_day=5,
        due_rule="fixed_day",
        due_value=25,
        min_payment_bps=1000,
    )
    clock.set(datetime(2026, 10, 20, 4, tzinfo=UTC))
    post_at(
        account,
        user,
        clock.now(),
        external_id="buy",
        amount_minor=123_400,
        description="JD.COM",
    )
    fake = FakeChannel()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock)

    def day(month: int, date: int) -> None:
        clock.set(datetime(2026, month, date, 4, tzinfo=UTC))  # noon in Shanghai
        run_sweeps(engine, clock)
        run_sweeps(engine, clock)  # a second run (or another instance) queues nothing new
        asyncio.run(dispatcher.run_once())

    day(11, 6)  # the cycle closed on 5 November: statement ready
    day(11, 20)
    day(11, 22)  # 3 days to go
    day(11, 23)  # 2 days: the 3-day point was sent already
    day(11, 24)  # tomorrow
    day(11, 25)  # due today
    day(11, 27)  # 2 days late: the day-1 point, missed by no sweep, goes now
    day(11, 28)  # 3 days late
    day(12, 2)  # 7 days late
    day(12, 6)  # December's statement is out, carrying the debt
    day(12, 9)  # 14 days late on November's, but December's is the one to pay now
    assert _scenarios(engine) == [
        ("statement_ready", "1"),
        ("due_soon", "d-3"),
        ("due_soon", "d-1"),
        ("due_soon", "d-0"),
        ("overdue", "late-1"),
        ("overdue", "late-3"),
        ("overdue", "late-7"),
        # December's statement closed on the 5th and carries the debt: reminders follow it now.
        ("statement_ready", "2"),
    ]
    assert len(fake.sent) == 8
    assert "¥1,234.00" in fake.sent[1].text and "3天后" in fake.sent[1].text
    statement = _statement_of(engine, "due_soon")
    assert [(b.id, b.title) for b in fake.sent[1].buttons] == [
        (f"options:{statement}", "还款方式"),
        (f"paid:{statement}", "我已还款"),
        (f"snooze:{statement}", "明天提醒我"),
    ]
    assert [b.id for b in fake.sent[4].buttons] == [  # overdue nudges carry them too
        f"options:{statement}",
        f"paid:{statement}",
        f"snooze:{statement}",
    ]


def test_no_reminder_once_paid(
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    post_at: Callable[..., None],
) -> None:
    user = make_user(time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20)
    clock.set(datetime(2026, 10, 20, 12, tzinfo=UTC))
    post_at(
        account,
        user,
        clock.now(),
        external_id="buy",
        amount_minor=5_000,
        description="TESCO",
    )
    clock.set(datetime(2026, 11, 22, 12, tzinfo=UTC))  # 3 days before 25 November
    run_sweeps(engine, clock)
    assert _scenarios(engine)[-1] == ("due_soon", "d-3")
    post_at(account, user, clock.now(), external_id="pay", amount_minor=-5_000, kind="repayment")
    for _ in range(10):
        clock.advance(timedelta(days=1))
        run_sweeps(engine, clock)
    # The statement closed weeks before the first sweep: too late to say it is ready.
    assert [s for s, _ in _scenarios(engine)] == ["due_soon"]
