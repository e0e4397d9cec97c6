"""Reading a borrower's transactions, always scoped to them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.errors import NotFoundError
from billbot.transactions.models import Transaction


def list_transactions(
    session: Session,
    *,
    user_id: int,
    account_id: int | None = None,
    statement_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Transaction]:
    """Newest first by local date; page with `before_id` (the last id of the previous page)."""
    query = select(Transaction).where(col(Transaction.user_id) == user_id)
    if account_id is not None:
        query = query.where(col(Transaction.account_id) == account_id)
    if statement_id is not None:
        statement = session.get(Statement, statement_id)
        if statement is None or statement.user_id != user_id:
            return []
        # Within the cycle's dates, so the (user, local date) index finds the rows.
        query = query.where(
            col(Transaction.statement_id) == statement_id,
            col(Transaction.local_date) >= statement.cycle_start_date,
            col(Transaction.local_date) <= statement.cycle_end_date,
        )
    if date_from is not None:
        query = query.where(col(Transaction.local_date) >= date_from)
    if date_to is not None:
        query = query.where(col(Transaction.local_date) <= date_to)
    if before_id is not None:
        last = get_transaction(session, user_id=user_id, transaction_id=before_id)
        query = query.where(
            or_(
                col(Transaction.local_date) < last.local_date,
                and_(col(Transaction.local_date) == last.local_date, col(Transaction.id) < last.id),
            )
        )
    query = query.order_by(col(Transaction.local_date).desc(), col(Transaction.id).desc())
    query = query.limit(limit)
    return list(session.exec(query).all())


def get_transaction(session: Session, *, user_id: int, transaction_id: int) -> Transaction:
    """One of the user's transactions; anyone else's looks like it does not exist."""
    transaction = session.get(Transaction, transaction_id)
    if transaction is None or transaction.user_id != user_id:
        raise NotFoundError("no such transaction", code="transaction.not_found")
    return transaction
