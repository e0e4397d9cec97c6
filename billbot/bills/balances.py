"""What a statement leaves owing: cumulative balances, minimum due and status, in integers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from billbot.bills.models import Statement, StatementStatus
from billbot.money import apply_rate_bps


def minimum_due(balance_minor: int, *, rate_bps: int, floor_minor: int) -> int:
    """The larger of a share of the balance and a floor, never more than the balance."""
    if balance_minor <= 0:
        return 0
    return min(balance_minor, max(floor_minor, apply_rate_bps(balance_minor, rate_bps)))


def statement_status(
    *, balance: int, minimum: int, paid: int, end_date: date, due_date: date, today: date
) -> StatementStatus:
    """Where a statement stands on `today` (local date of the account holder)."""
    if today <= end_date:
        return StatementStatus.OPEN
    if balance <= 0 or paid >= balance:
        return StatementStatus.PAID
    if today > due_date:
        return StatementStatus.PARTIALLY_PAID if paid >= minimum else StatementStatus.OVERDUE
    return StatementStatus.PARTIALLY_PAID if paid > 0 else StatementStatus.CLOSED


def recompute(
    statements: Sequence[Statement],
    *,
    today: date,
    now: datetime,
    rate_bps: int,
    floor_minor: int,
) -> None:
    """Roll balances forward through an account's statements, oldest first, in place.

    Each statement's balance is the account balance at its close: the previous balance plus the
    cycle's charges and the installments landing on it, less its credits and what was converted
    to installment plans during the cycle. Credits posted during the next cycle (refunds and
    repayments), and what of this statement's balance was converted then, count as paid against
    it (a purchase of the next cycle converted in that cycle only offsets itself). The
    minimum due includes every installment landing on the statement in full, plus the minimum
    rule applied to the rest of the balance.
    """
    opening = 0
    for index, statement in enumerate(statements):
        statement.opening_balance_minor = opening
        installments = statement.installments_minor
        balance = (
            opening
            + statement.charges_minor
            + installments
            - statement.credits_minor
            - statement.converted_minor
        )
        statement.statement_balance_minor = balance
        following = statements[index + 1] if index + 1 < len(statements) else None
        statement.paid_minor = (
            following.credits_minor + following.converted_previous_minor
            if following is not None
            else 0
        )
        revolving = minimum_due(balance - installments, rate_bps=rate_bps, floor_minor=floor_minor)
        statement.minimum_due_minor = min(max(balance, 0), installments + revolving)
        status = statement_status(
            balance=balance,
            minimum=statement.minimum_due_minor,
            paid=statement.paid_minor,
            end_date=statement.cycle_end_date,
            due_date=statement.due_date,
            today=today,
        )
        if status != StatementStatus.OPEN and statement.closed_at is None:
            statement.closed_at = now
        statement.status = status
        opening = balance
