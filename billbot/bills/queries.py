"""Reading a borrower's statements, brought up to date first."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.service import advance_accounts
from billbot.errors import NotFoundError
from billbot.users.models import User


def list_statements(
    session: Session, *, user: User, now: datetime, account_id: int | None = None
) -> list[Statement]:
    """The user's statements, newest cycle first, with statuses as of `now`."""
    accounts = session.exec(select(Account).where(col(Account.user_id) == user.id)).all()
    # The statement sweep closes cycles on schedule; catching up here keeps reads exact.
    advance_accounts(session, [(a, user.time_zone) for a in accounts], now=now)
    query = select(Statement).where(col(Statement.user_id) == user.id)
    if account_id is not None:
        query = query.where(col(Statement.account_id) == account_id)
    query = query.order_by(col(Statement.cycle_end_date).desc(), col(Statement.account_id))
    return list(session.exec(query).all())


def get_statement(session: Session, *, user: User, statement_id: int, now: datetime) -> Statement:
    """One of the user's statements; anyone else's looks like it does not exist."""
    statement = session.get(Statement, statement_id)
    if statement is None or statement.user_id != user.id:
        raise NotFoundError("no such statement", code="statement.not_found")
    account = session.get(Account, statement.account_id)
    assert account is not None
    advance_accounts(session, [(account, user.time_zone)], now=now)
    return statement


def newest_statement(
    session: Session, account_id: int, *, currency: str | None = None, closed: bool = False
) -> Statement | None:
    """The account's statement with the latest cycle (in `currency`; only closed ones if asked)."""
    query = select(Statement).where(col(Statement.account_id) == account_id)
    if currency is not None:
        query = query.where(col(Statement.currency) == currency)
    if closed:
        query = query.where(col(Statement.status) != StatementStatus.OPEN)
    return session.exec(query.order_by(col(Statement.cycle_end_date).desc()).limit(1)).first()
