"""Keeping an account's statements in step with its transactions and the calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.balances import recompute
from billbot.bills.cycles import Cycle, CyclePlan, closes_at, cycles_between
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.reminder_dates import refresh_reminder_dates, reminder_states
from billbot.clock import local_date, zone
from billbot.repayments.landing import attach_installments
from billbot.transactions.models import Transaction, TransactionStatus


def plan_of(account: Account) -> CyclePlan:
    """The cycle plan an account's settings describe."""
    return CyclePlan(
        closing_day=account.closing_day, due_rule=account.due_rule, due_value=account.due_value
    )


@dataclass
class StatementBook:
    """An account's statements in one currency, in cycle order, ready to extend and roll forward."""

    account: Account
    time_zone: str
    currency: str
    statements: list[Statement]

    @property
    def cycles(self) -> list[Cycle]:
        return [Cycle(s.cycle_start_date, s.cycle_end_date, s.due_date) for s in self.statements]


def load_book(
    session: Session, account: Account, time_zone: str, currency: str | None = None
) -> StatementBook:
    """Read an account's statements in `currency` (default: the account's), oldest first."""
    currency = currency or account.currency
    rows = session.exec(
        select(Statement)
        .where(col(Statement.account_id) == account.id, col(Statement.currency) == currency)
        .order_by(col(Statement.cycle_start_date))
    ).all()
    return StatementBook(
        account=account, time_zone=time_zone, currency=currency, statements=list(rows)
    )


def load_books(session: Session, account: Account, time_zone: str) -> list[StatementBook]:
    """One book per currency the account has statements in (at least its own currency)."""
    currencies = set(
        session.exec(
            select(Statement.currency).where(col(Statement.account_id) == account.id).distinct()
        ).all()
    )
    currencies.add(account.currency)
    return [load_book(session, account, time_zone, c) for c in sorted(currencies)]


def cover(session: Session, book: StatementBook, first: date, last: date) -> None:
    """Make sure statements exist, contiguous, for every cycle from `first` to `last`."""
    if book.statements:
        first = min(first, book.statements[0].cycle_start_date)
        last = max(last, book.statements[-1].cycle_end_date)
    wanted = cycles_between(first, last, plan_of(book.account))
    have = {s.cycle_start_date: s for s in book.statements}
    tz = zone(book.time_zone)
    merged: list[Statement] = []
    created = False
    for cycle in wanted:
        statement = have.get(cycle.start_date)
        if statement is None:
            created = True
            assert book.account.id is not None
            statement = Statement(
                account_id=book.account.id,
                user_id=book.account.user_id,
                currency=book.currency,
                cycle_start_date=cycle.start_date,
                cycle_end_date=cycle.end_date,
                due_date=cycle.due_date,
                closes_at=closes_at(cycle, tz),
            )
            session.add(statement)
        merged.append(statement)
    session.flush()
    book.statements = merged
    if created:
        assert book.account.id is not None
        attach_installments(
            session, account_id=book.account.id, currency=book.currency, statements=merged
        )


def apply_deltas(
    book: StatementBook, deltas: Iterable[tuple[int, int, int]], *, now: datetime
) -> None:
    """Add (statement id, charges, credits) deltas of new posted rows, then roll forward."""
    by_id = {s.id: s for s in book.statements}
    for statement_id, charges, credits in deltas:
        statement = by_id.get(statement_id)
        if statement is None:  # a delta for another currency's book
            continue
        statement.charges_minor += charges
        statement.credits_minor += credits
    roll_forward(book, now=now)


def roll_forward(book: StatementBook, *, now: datetime) -> None:
    """Recompute balances, minimums and statuses for the whole book as of `now`, and each
    statement's next reminder date (set when it closes, cleared when paid or when a newer one
    closes, restarted when its status changes)."""
    today = local_date(now, zone(book.time_zone))
    before = reminder_states(book.statements)
    recompute(
        book.statements,
        today=today,
        now=now,
        rate_bps=book.account.min_payment_bps,
        floor_minor=book.account.min_payment_floor_minor,
    )
    refresh_reminder_dates(book.statements, before)


def rebuild(session: Session, book: StatementBook, *, now: datetime) -> None:
    """Recount every statement's charges and credits from its transactions (repair and checks)."""
    amount = col(Transaction.amount_minor)
    rows = session.execute(
        sa_select(
            col(Transaction.statement_id),
            func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0),
            func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0),
        )
        .where(col(Transaction.account_id) == book.account.id)
        .where(col(Transaction.currency) == book.currency)
        .where(col(Transaction.status) == TransactionStatus.POSTED)
        .group_by(col(Transaction.statement_id))
    ).all()
    sums = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    for statement in book.statements:
        statement.charges_minor, statement.credits_minor = sums.get(statement.id, (0, 0))
    roll_forward(book, now=now)
    session.flush()


def advance_accounts(
    session: Session, accounts: Sequence[tuple[Account, str]], *, now: datetime
) -> int:
    """Bring statements up to `now` for (account, time zone) pairs; returns how many changed."""
    changed = 0
    for account, time_zone in accounts:
        today = local_date(now, zone(time_zone))
        for book in load_books(session, account, time_zone):
            before = [(s.status, s.statement_balance_minor) for s in book.statements]
            start = book.statements[0].cycle_start_date if book.statements else today
            cover(session, book, start, today)
            roll_forward(book, now=now)
            after = [(s.status, s.statement_balance_minor) for s in book.statements]
            changed += sum(1 for b, a in zip(before, after, strict=False) if b != a)
            changed += max(0, len(after) - len(before))
    session.flush()
    return changed


def accounts_needing_advance(session: Session, *, now: datetime) -> list[tuple[Account, str]]:
    """Accounts with an open statement past its close, or a closed one past its due date."""
    from billbot.users.models import User  # local: users imports nothing from bills

    late_open = (col(Statement.status) == StatementStatus.OPEN) & (col(Statement.closes_at) <= now)
    unpaid = col(Statement.status).in_([StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID])
    # Due dates are local dates: a day's margin covers every time zone east of UTC, and
    # advance_accounts decides exactly, so a spare account costs a little work, never an error.
    past_due = unpaid & (col(Statement.due_date) <= now.date())
    ids = sa_select(col(Statement.account_id)).where(late_open | past_due).distinct()
    rows = session.execute(
        sa_select(Account, col(User.time_zone))
        .join(User, col(User.id) == col(Account.user_id))
        .where(col(Account.id).in_(ids))
    ).all()
    return [(row[0], row[1]) for row in rows]


def close_and_age(session: Session, *, now: datetime) -> int:
    """The statement sweep: close cycles that ended and mark missed due dates."""
    return advance_accounts(session, accounts_needing_advance(session, now=now), now=now)
