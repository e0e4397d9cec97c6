"""Each statement's next reminder date: set at close, moved on by the due-date sweep, cleared
when paid or superseded, restarted when its status or due date changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.reminder_dates import (
    due_date_moved,
    first_reminder_on,
    point_after,
    reminder_after,
    slot,
)
from billbot.bills.service import close_and_age
from billbot.clock import FrozenClock
from billbot.outbox.models import OutboxMessage
from billbot.repayments.due_day import DueDayRules, change_due_day
from billbot.scenarios.due_dates import sweep_due_dates
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.users.models import User


def _post(engine: Engine, account: Account, user: User, at: datetime, *items: Any) -> None:
    with Session(engine) as session:
        stored = session.get(Account, account.id)  # as changed since (its due day)
        assert stored is not None
        ingest(session, account=stored, time_zone=user.time_zone, items=list(items), now=at)
        session.commit()


def _buy(external_id: str, amount: int, at: datetime) -> NewTransaction:
    return NewTransaction(
        external_id=external_id, amount_minor=amount, description="SHOP", posted_at=at
    )


def _pay(external_id: str, amount: int, at: datetime) -> NewTransaction:
    return NewTransaction(
        external_id=external_id, amount_minor=-amount, kind="repayment", posted_at=at
    )


def _close(engine: Engine, at: datetime) -> None:
    with Session(engine) as session:
        close_and_age(session, now=at)
        session.commit()


def _sweep(engine: Engine, at: datetime) -> int:
    with Session(engine) as session:
        close_and_age(session, now=at)
        queued = sweep_due_dates(session, now=at)
        session.commit()
    return queued


def _dates(engine: Engine, account_id: int | None) -> list[tuple[date, str, date | None]]:
    """(cycle end, status, next reminder date) of each statement, in cycle order."""
    with Session(engine) as session:
        rows = session.exec(
            select(Statement)
            .where(col(Statement.account_id) == account_id)
            .order_by(col(Statement.cycle_start_date))
        ).all()
        return [(s.cycle_end_date, s.status, s.next_reminder_on) for s in rows]


def _keys(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [":".join((m.scenario, m.dedupe_key.split(":")[-1])) for m in rows]


def _noon(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def borrower(make_user: Any, make_account: Any) -> tuple[User, Account]:
    """A London borrower whose card closes on the 5th and falls due 20 days later."""
    user = make_user(time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20)
    return user, account


def test_closing_sets_the_date_and_a_newer_statement_clears_it(
    engine: Engine, borrower: tuple[User, Account]
) -> None:
    user, account = borrower
    _post(engine, account, user, _noon(10, 20), _buy("a", 5_000, _noon(10, 20)))
    assert _dates(engine, account.id) == [(date(2026, 11, 5), "open", None)]

    _close(engine, _noon(11, 6))
    assert _dates(engine, account.id) == [
        (date(2026, 11, 5), "closed", date(2026, 11, 22)),  # 3 days before 25 November
        (date(2026, 12, 5), "open", None),
    ]

    _post(engine, account, user, _noon(11, 20), _buy("b", 1_000, _noon(11, 20)))
    _close(engine, _noon(12, 6))
    assert _dates(engine, account.id) == [
        (date(2026, 11, 5), "overdue", None),  # December's statement carries the debt now
        (date(2026, 12, 5), "closed", date(2026, 12, 22)),
        (date(2027, 1, 5), "open", None),
    ]


def test_paying_clears_the_date_and_a_partial_payment_restarts_it(
    engine: Engine, borrower: tuple[User, Account]
) -> None:
    user, account = borrower
    _post(engine, account, user, _noon(10, 20), _buy("a", 50_000, _noon(10, 20)))
    _close(engine, _noon(11, 6))
    assert _sweep(engine, _noon(11, 22)) == 1
    assert _dates(engine, account.id)[0][2] == date(2026, 11, 24)  # the next point: 1 day to go

    _post(engine, account, user, _noon(11, 22), _pay("p1", 10_000, _noon(11, 22)))
    assert _dates(engine, account.id)[0][1:] == ("partially_paid", date(2026, 11, 22))
    assert _sweep(engine, _noon(11, 22)) == 0  # its slot of the day was queued already
    assert _dates(engine, account.id)[0][2] == date(2026, 11, 24)

    _post(engine, account, user, _noon(11, 23), _pay("p2", 40_000, _noon(11, 23)))
    assert _dates(engine, account.id)[0][1:] == ("paid", None)
    for day in range(24, 30):
        assert _sweep(engine, _noon(11, day)) == 0
    assert _keys(engine) == ["due_soon:d-3"]


def test_twice_a_day_and_missed_days(engine: Engine, borrower: tuple[User, Account]) -> None:
    user, account = borrower
    _post(engine, account, user, _noon(10, 20), _buy("a", 50_000, _noon(10, 20)))
    _close(engine, _noon(11, 6))
    assert _sweep(engine, _noon(11, 22)) == 1
    assert _sweep(engine, _noon(11, 22) + timedelta(hours=6)) == 0  # the same day again
    assert _dates(engine, account.id)[0][2] == date(2026, 11, 24)

    assert _sweep(engine, _noon(11, 25)) == 1  # 24 November missed: due today goes
    # Past the due date only an overdue statement is chased: nothing until it is marked overdue.
    assert _dates(engine, account.id)[0][1:] == ("closed", None)

    # No sweep on 26 and 27 November: on the 28th the statement is marked overdue (its reminders
    # start again) and the 3-days-late point is the one sent, the 1-day one having passed.
    assert _sweep(engine, _noon(11, 28)) == 1
    assert _dates(engine, account.id)[0][1:] == ("overdue", date(2026, 12, 2))
    assert _sweep(engine, _noon(11, 29)) == 0
    assert _sweep(engine, _noon(12, 3)) == 1  # 7 days late, a day after the point
    assert _dates(engine, account.id)[0][2] == date(2026, 12, 9)
    assert _keys(engine) == ["due_soon:d-3", "due_soon:d-0", "overdue:late-3", "overdue:late-7"]


def test_the_borrowers_own_date_decides_across_time_zones(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    # 25 November at 09:00 UTC is still the 24th in Honolulu (UTC-10), already the 25th in
    # Tongatapu (UTC+13): the sweep reads both, reminds only the borrower whose point has come.
    west = make_user("west@example.com", time_zone="Pacific/Honolulu")
    east = make_user("east@example.com", time_zone="Pacific/Tongatapu")
    cards = [make_account(u.id, closing_day=5, due_value=23) for u in (west, east)]
    for user, card in zip((west, east), cards, strict=True):
        _post(engine, card, user, _noon(10, 20), _buy(f"a{user.id}", 5_000, _noon(10, 20)))
    _close(engine, _noon(11, 7))
    assert [_dates(engine, card.id)[0][2] for card in cards] == [date(2026, 11, 25)] * 2

    assert _sweep(engine, datetime(2026, 11, 25, 9, tzinfo=UTC)) == 1  # Tongatapu: 3 days to go
    assert [_dates(engine, card.id)[0][2] for card in cards] == [
        date(2026, 11, 25),  # Honolulu: its 25th has not come yet
        date(2026, 11, 27),  # Tongatapu: 1 day to go next
    ]
    assert _sweep(engine, datetime(2026, 11, 25, 11, tzinfo=UTC)) == 1  # Honolulu's 25th
    assert _keys(engine) == ["due_soon:d-3", "due_soon:d-3"]


def test_a_due_day_change_moves_the_date(
    engine: Engine, clock: FrozenClock, borrower: tuple[User, Account]
) -> None:
    user, account = borrower
    _post(engine, account, user, clock.now(), _buy("a", 5_000, clock.now()))
    rules = DueDayRules(allowed=frozenset(range(1, 29)), change_months=12, min_grace_days=10)
    with Session(engine) as session:
        owner = session.get(User, user.id)
        assert owner is not None and account.id is not None
        change_due_day(
            session, user=owner, account_id=account.id, day=20, rules=rules, now=clock.now()
        )
        session.commit()
    _post(engine, account, user, _noon(12, 10), _buy("b", 5_000, _noon(12, 10)))
    _close(engine, _noon(1, 6, 2027))
    assert _dates(engine, account.id)[-2] == (
        date(2027, 1, 5),
        "closed",
        date(2027, 1, 17),  # 3 days before the new due day, 20 January
    )

    statement = Statement(
        account_id=1,
        user_id=1,
        currency="USD",
        cycle_start_date=date(2027, 1, 6),
        cycle_end_date=date(2027, 2, 5),
        due_date=date(2027, 2, 25),
        closes_at=_noon(2, 6, 2027),
        statement_balance_minor=5_000,
        status=StatementStatus.CLOSED,
        next_reminder_on=date(2027, 2, 24),
    )
    statement.due_date = date(2027, 2, 20)
    due_date_moved(statement)
    assert statement.next_reminder_on == date(2027, 2, 17)
    statement.paid_minor = 5_000
    statement.status = StatementStatus.PAID
    due_date_moved(statement)
    assert statement.next_reminder_on is None


def test_the_sweep_clears_a_date_left_on_a_statement_it_does_not_chase(
    engine: Engine, borrower: tuple[User, Account]
) -> None:
    user, account = borrower
    _post(engine, account, user, _noon(10, 20), _buy("a", 5_000, _noon(10, 20)))
    _post(engine, account, user, _noon(11, 20), _buy("b", 5_000, _noon(11, 20)))
    _close(engine, _noon(12, 6))
    with engine.begin() as connection:  # as if a date had been left on the older statement
        connection.execute(
            text("UPDATE statements SET next_reminder_on = :on WHERE cycle_end_date = :end"),
            {"on": date(2026, 11, 22), "end": date(2026, 11, 5)},
        )
    assert _sweep(engine, _noon(12, 8)) == 0
    assert [d[2] for d in _dates(engine, account.id)] == [None, date(2026, 12, 22), None]


def test_each_point_is_where_the_slot_changes() -> None:
    due = date(2026, 3, 29)  # a DST change in Europe: the calendar is dates only
    for offset in range(-10, 120):
        today = due + timedelta(days=offset)
        point = point_after(due, today)
        assert point > today
        days = [today + timedelta(days=n) for n in range((point - today).days)]
        assert all(slot(due, d) == slot(due, today) for d in days)
        assert slot(due, point) not in (None, slot(due, today))
    assert first_reminder_on(due) == date(2026, 3, 26)
    assert slot(due, first_reminder_on(due) - timedelta(days=1)) is None


def test_after_the_due_date_only_overdue_statements_have_a_next_point() -> None:
    due = date(2026, 11, 25)
    assert reminder_after(due, StatementStatus.CLOSED, due - timedelta(days=1)) == due
    assert reminder_after(due, StatementStatus.CLOSED, due) is None
    assert reminder_after(due, StatementStatus.PARTIALLY_PAID, due) is None
    assert reminder_after(due, StatementStatus.OVERDUE, due) == due + timedelta(days=1)
    assert reminder_after(due, StatementStatus.OVERDUE, due + timedelta(days=8)) == date(
        2026, 12, 9
    )
    # Overdue statements are chased within the sweep's 400-day window, then no more.
    assert reminder_after(due, StatementStatus.OVERDUE, due + timedelta(days=390)) is not None
    assert reminder_after(due, StatementStatus.OVERDUE, due + timedelta(days=400)) is None
