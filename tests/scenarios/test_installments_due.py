"""Installment-due notices: once per installment, in the borrower's language, called off by payment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.outbox.models import OutboxMessage
from billbot.repayments.installments import create_installment_plan
from billbot.repayments.plans import InstallmentOffer, Pricing
from billbot.scheduler import run_sweeps
from billbot.transactions.models import Transaction
from billbot.users.models import User


def _notices(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.scenario) == "installment_due")
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def test_each_installment_is_announced_once_before_its_due_date(
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    post_at: Callable[..., None],
) -> None:
    user = make_user(time_zone="Asia/Shanghai", locale="zh-CN", currency="CNY")
    account = make_account(
        user.id, currency="CNY", closing_day=5, due_rule="fixed_day", due_value=25
    )
    post_at(
        account,
        user,
        clock.now(),
        external_id="phone",
        amount_minor=600_000,
        description="APPLE STORE",
    )
    with Session(engine) as session:
        holder = session.get(User, user.id)
        assert holder is not None
        phone = session.exec(select(Transaction)).one()
        create_installment_plan(
            session,
            user=holder,
            term_months=3,
            offers=[InstallmentOffer(3, Pricing.FEE_PER_MONTH, 60)],
            now=clock.now(),
            transaction_id=phone.id,
        )
        session.commit()

    clock.set(datetime(2026, 12, 19, 4, tzinfo=UTC))  # 6 days before 25 December: too early
    run_sweeps(engine, clock)
    assert _notices(engine) == []
    clock.set(datetime(2026, 12, 20, 4, tzinfo=UTC))  # 5 days before
    run_sweeps(engine, clock)
    run_sweeps(engine, clock)  # again: nothing new
    (first,) = _notices(engine)
    assert "第1/3期" in first.body and "¥2,036.00" in first.body and "2026-12-25" in first.body
    assert first.category == "repayment" and first.debt_key is not None

    # The December statement is paid in full: the notice is called off before it goes.
    post_at(
        account,
        user,
        datetime(2026, 12, 21, 4, tzinfo=UTC),
        external_id="pay-dec",
        amount_minor=-203_600,
        description="PAYMENT THANK YOU",
        kind="repayment",
    )
    (first,) = _notices(engine)
    assert (first.status, first.reason) == ("suppressed", "paid")

    clock.set(datetime(2027, 1, 22, 4, tzinfo=UTC))
    run_sweeps(engine, clock)
    notices = _notices(engine)
    assert len(notices) == 2 and "第2/3期" in notices[1].body and notices[1].status == "pending"


def test_english_notice(
    engine: Engine, clock: FrozenClock, make_user: Any, make_account: Any
) -> None:
    from billbot.scenarios.messages import render

    text = render(
        "installment_due",
        "en",
        name="Ana",
        account="Everyday Card",
        amount="$20.00",
        seq=2,
        term=6,
        due_date="2026-12-25",
        when="in 3 days",
    )
    assert text.startswith("Hi Ana, installment 2 of 6 ($20.00)") and "2026-12-25" in text
