"""Recording repayments that arrive as transactions, and which statement each one pays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.bills.service import StatementBook
from billbot.repayments.models import Repayment, RepaymentAllocation
from billbot.repayments.nudges import cancel_paid_nudges
from billbot.transactions.models import TransactionKind


def record_repayments(
    session: Session,
    *,
    rows: Sequence[dict[str, Any]],
    ids: dict[str, int],
    books: Sequence[StatementBook],
    now: datetime,
) -> int:
    """A Repayment for each newly stored repayment row, allocated to the statement it pays.

    A payment made during a cycle pays the statement that closed just before that cycle (the one
    it counts as paid against); a payment in the very first cycle is allocated to that cycle.
    Reminders still pending for a statement the payments settled are suppressed at once
    (`billbot.repayments.nudges`), in this same transaction.
    """
    pays: dict[int | None, Statement] = {}
    for book in books:
        for index, statement in enumerate(book.statements):
            pays[statement.id] = book.statements[max(0, index - 1)]
    count = 0
    for row in rows:
        if row["kind"] != TransactionKind.REPAYMENT or row["external_id"] not in ids:
            continue
        repayment = Repayment(
            user_id=row["user_id"],
            account_id=row["account_id"],
            transaction_id=ids[row["external_id"]],
            external_id=row["external_id"],
            amount_minor=-row["amount_minor"],
            currency=row["currency"],
            paid_at=row["posted_at"],
            funding_source="",
            created_at=now,
        )
        session.add(repayment)
        session.flush()
        paid = pays[row["statement_id"]]
        session.execute(
            insert(RepaymentAllocation),
            [
                {
                    "repayment_id": repayment.id,
                    "statement_id": paid.id,
                    "amount_minor": repayment.amount_minor,
                }
            ],
        )
        count += 1
    if count:
        # Reminders only chase statements due within about a year: the newest cycles suffice.
        recent = [statement for book in books for statement in book.statements[-15:]]
        cancel_paid_nudges(session, recent, now=now)
    return count


def record_funding_source(
    session: Session, *, account_id: int, external_id: str, funding_source: str
) -> Repayment | None:
    """Note where a recorded repayment came from (the first report wins: repayments are facts)."""
    repayment = session.exec(
        select(Repayment).where(
            col(Repayment.account_id) == account_id, col(Repayment.external_id) == external_id
        )
    ).first()
    if repayment is not None and funding_source and not repayment.funding_source:
        repayment.funding_source = funding_source
        session.flush()
    return repayment
