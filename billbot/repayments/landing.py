"""Installments landing on statements: each posts on its cycle's closing date.

An installment is tied to the statement of the cycle containing its post date, in its plan's
currency, as soon as that statement exists (when the plan is made, or when the statement sweep
opens the cycle later); the statement's `installments_minor` grows by its amount, and the next
roll-forward puts it in the statement's balance and minimum due.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.repayments.models import InstallmentItem, InstallmentPlan


def attach_installments(
    session: Session, *, account_id: int, currency: str, statements: Sequence[Statement]
) -> int:
    """Tie the account's unattached installments posting within `statements` (contiguous, in
    cycle order, all in `currency`) to them; returns how many were tied."""
    if not statements:
        return 0
    items = session.exec(
        select(InstallmentItem)
        .join(InstallmentPlan, col(InstallmentPlan.id) == col(InstallmentItem.plan_id))
        .where(
            col(InstallmentItem.account_id) == account_id,
            col(InstallmentItem.statement_id).is_(None),
            col(InstallmentPlan.currency) == currency,
            col(InstallmentItem.post_date) >= statements[0].cycle_start_date,
            col(InstallmentItem.post_date) <= statements[-1].cycle_end_date,
        )
    ).all()
    ends = [statement.cycle_end_date for statement in statements]
    for entry in items:
        statement = statements[bisect_left(ends, entry.post_date)]
        assert statement.id is not None
        entry.statement_id = statement.id
        statement.installments_minor += entry.amount_minor
    if items:
        session.flush()
    return len(items)
