"""Spending breakdowns for a borrower: a calendar month, a statement, or any date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.breakdowns.frames import statement_spending, user_spending_between
from billbot.errors import NotFoundError, ValidationFailed
from billbot.users.models import User
from insights.breakdown import breakdown
from insights.periods import (
    DateRange,
    month_range,
    previous_month_range,
    previous_range_same_length,
)

MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Exactly one of: a month ("2026-10"), a statement id, or a date range."""

    month: str | None = None
    statement_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _with_labels(result: dict[str, Any], kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    result["period"] |= {"kind": kind, **extra}
    return result


def breakdown_for(
    session: Session, *, user: User, period: Period, today: date, top_merchants: int = 5
) -> dict[str, Any]:
    """The borrower's breakdown for `period` (default: this month), against the one before it."""
    assert user.id is not None
    if period == Period():
        period = Period(month=today.strftime("%Y-%m"))
    chosen = sum(
        x is not None
        for x in (period.month, period.statement_id, period.date_from or period.date_to)
    )
    if chosen != 1:
        raise ValidationFailed(
            "give exactly one of: month (YYYY-MM), statement_id, or from and to dates",
            code="breakdown.period",
        )
    if period.month is not None:
        try:
            current, previous = month_range(period.month), previous_month_range(period.month)
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="breakdown.period") from exc
        result = _dated_breakdown(session, user.id, current, previous, top_merchants)
        return _with_labels(result, "month", {"month": period.month})
    if period.statement_id is not None:
        return _statement_breakdown(
            session, user=user, statement_id=period.statement_id, top_merchants=top_merchants
        )
    if period.date_from is None or period.date_to is None:
        raise ValidationFailed("a date range needs both from and to", code="breakdown.period")
    if period.date_to < period.date_from:
        raise ValidationFailed("the range ends before it starts", code="breakdown.period")
    if (period.date_to - period.date_from).days > MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"a range covers at most {MAX_RANGE_DAYS} days", code="breakdown.period"
        )
    current = DateRange(period.date_from, period.date_to)
    previous = previous_range_same_length(period.date_from, period.date_to)
    return _with_labels(
        _dated_breakdown(session, user.id, current, previous, top_merchants), "range", {}
    )


def _dated_breakdown(
    session: Session, user_id: int, current: DateRange, previous: DateRange, top_merchants: int
) -> dict[str, Any]:
    """A breakdown of every account's spending in `current`, against `previous`."""
    frame = user_spending_between(
        session, user_id=user_id, start=current.start, end=current.end, prev_start=previous.start
    )
    return breakdown(
        frame,
        user_id=user_id,
        start=current.start,
        end=current.end,
        prev_start=previous.start,
        prev_end=previous.end,
        top_merchants=top_merchants,
    )


def _statement_breakdown(
    session: Session, *, user: User, statement_id: int, top_merchants: int
) -> dict[str, Any]:
    statement = session.get(Statement, statement_id)
    if statement is None or statement.user_id != user.id:
        raise NotFoundError("no such statement", code="statement.not_found")
    assert user.id is not None and statement.id is not None
    previous = session.exec(
        select(Statement)
        .where(
            col(Statement.account_id) == statement.account_id,
            col(Statement.currency) == statement.currency,
            col(Statement.cycle_end_date) < statement.cycle_start_date,
        )
        .order_by(col(Statement.cycle_end_date).desc())
        .limit(1)
    ).first()
    if previous is not None:
        prev_start, prev_end = previous.cycle_start_date, previous.cycle_end_date
    else:
        prev_start, prev_end = previous_range_same_length(
            statement.cycle_start_date, statement.cycle_end_date
        )
    frame = statement_spending(
        session,
        user_id=user.id,
        statement_id=statement.id,
        previous_id=previous.id if previous is not None else None,
        start=statement.cycle_start_date,
        end=statement.cycle_end_date,
        prev_start=prev_start,
    )
    result = breakdown(
        frame,
        user_id=user.id,
        start=statement.cycle_start_date,
        end=statement.cycle_end_date,
        prev_start=prev_start,
        prev_end=prev_end,
        top_merchants=top_merchants,
    )
    return _with_labels(
        result, "statement", {"statement_id": statement.id, "account_id": statement.account_id}
    )
