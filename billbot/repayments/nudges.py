"""Once a statement is paid, its pending repayment reminders are called off in the same transaction.

Repayment reminders carry the debt key `statement:<id>` of the statement they chase (due soon,
due today, overdue, an installment falling due). When a statement's status becomes `paid`, each of
its reminders still pending, deferred or claimed by a dispatcher that has not decided on it yet
is suppressed with the reason `paid`, so the dispatcher never sends "your bill is due" (or "you
are overdue") after the money arrived. A statement that is no longer overdue (the minimum was
paid) loses its pending overdue reminders the same way. (A dispatcher decides only on messages
still claimed; one already on its way to the provider when the payment lands is recorded as
sent, with the suppression in its history.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from billbot.bills.models import Statement, StatementStatus
from billbot.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus

PAID_REASON = "paid"
_EXPLANATION = "Not sent: this statement was paid before the reminder went out."
_OPEN = (OutboxStatus.PENDING, OutboxStatus.DEFERRED, OutboxStatus.SENDING)


def debt_key(statement_id: int) -> str:
    """The debt key repayment reminders about a statement carry."""
    return f"statement:{statement_id}"


def cancel_paid_nudges(session: Session, statements: Sequence[Statement], *, now: datetime) -> int:
    """Suppress pending reminders of the paid statements (and overdue ones of statements no
    longer overdue) among `statements`; returns how many were suppressed."""
    paid = [
        debt_key(s.id) for s in statements if s.id is not None and s.status == StatementStatus.PAID
    ]
    settled = [
        debt_key(s.id)
        for s in statements
        if s.id is not None and s.status in (StatementStatus.PARTIALLY_PAID, StatementStatus.PAID)
    ]
    if not paid and not settled:
        return 0
    chased = or_(
        col(OutboxMessage.debt_key).in_(paid),
        col(OutboxMessage.debt_key).in_(settled) & (col(OutboxMessage.scenario) == "overdue"),
    )
    ids = [
        i
        for i in session.exec(
            select(OutboxMessage.id).where(
                chased,
                col(OutboxMessage.category) == "repayment",
                col(OutboxMessage.status).in_(_OPEN),
            )
        ).all()
        if i is not None
    ]
    if not ids:
        return 0
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status).in_(_OPEN))
        .values(
            status=OutboxStatus.SUPPRESSED,
            reason=PAID_REASON,
            explanation=_EXPLANATION,
            lease_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        OutboxAttempt(message_id=i, at=now, outcome=OutboxStatus.SUPPRESSED, detail=_EXPLANATION)
        for i in ids
    )
    session.flush()
    return len(ids)
