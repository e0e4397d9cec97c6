"""The repayment-reminder calendar of a statement, and its `next_reminder_on` date.

A statement's reminder points are local calendar dates (in the borrower's time zone) counted
from its due date: 3 and 1 days before and the day itself (due soon, due today), then 1, 3 and
7 days late and every 7 days after (overdue). On any day the reminder that applies is the one
of the latest point reached (its slot), so a sweep that missed a day still reminds, once.

`next_reminder_on` is the first local date on which the due-date sweep may have something to
queue for the statement; NULL means nothing until the statement changes. The due-date sweep reads
only statements whose date has come, then moves the date to the next point. Whenever what decides
a reminder changes (status, due date, whether anything is owed, whether it is the account's newest
closed statement), the date starts again from the first point: the sweep then finds the slot of
the day, and its dedupe key says whether it was queued already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from billbot.bills.models import Statement, StatementStatus

DUE_SOON_DAYS = (3, 1, 0)  # days before the due date (0: due today)
OVERDUE_DAYS = (1, 3, 7)  # days late, then every 7 days
WEEKLY = 7
UNPAID = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID, StatementStatus.OVERDUE)
# Overdue statements are chased while due within this many days of the sweep's UTC date (the
# sweep's window); one more day covers the time zones ahead of UTC.
CHASED_DAYS = 400
_LAST_POINT_LATE = CHASED_DAYS + 1


def slot(due: date, today: date) -> tuple[str, str] | None:
    """(scenario, slot) of the latest reminder point reached on `today`, or None before the first.

    A slot is sent once (its dedupe key); taking the latest point reached, rather than only an
    exact day, means a sweep that missed a day still reminds, and never twice for one point.
    """
    days = (due - today).days
    if 0 <= days <= DUE_SOON_DAYS[0]:
        return ("due_soon", f"d-{min(d for d in DUE_SOON_DAYS if d >= days)}")
    late = -days
    if late < OVERDUE_DAYS[0]:
        return None
    if late <= OVERDUE_DAYS[-1]:
        return ("overdue", f"late-{max(d for d in OVERDUE_DAYS if d <= late)}")
    weeks = (late - OVERDUE_DAYS[-1]) // WEEKLY
    return ("overdue", f"late-{OVERDUE_DAYS[-1] + WEEKLY * weeks}")


def first_reminder_on(due: date) -> date:
    """The first reminder point of a statement due on `due`."""
    return due - timedelta(days=DUE_SOON_DAYS[0])


def point_after(due: date, today: date) -> date:
    """The first reminder point after `today`."""
    for offset in (*(-d for d in DUE_SOON_DAYS), *OVERDUE_DAYS):
        point = due + timedelta(days=offset)
        if point > today:
            return point
    late = (today - due).days
    weeks = (late - OVERDUE_DAYS[-1]) // WEEKLY + 1
    return due + timedelta(days=OVERDUE_DAYS[-1] + WEEKLY * weeks)


def reminder_after(due: date, status: str, today: date) -> date | None:
    """`next_reminder_on` once the slot of `today` is dealt with (None: nothing more to send).

    Past the due date only an overdue statement is chased; one that becomes overdue later
    changes status, which starts its reminders again.
    """
    point = point_after(due, today)
    if point > due and status != StatementStatus.OVERDUE:
        return None
    if (point - due).days > _LAST_POINT_LATE:
        return None
    return point


@dataclass(frozen=True, slots=True)
class ReminderState:
    """What decides whether, and from when, a statement is reminded of."""

    status: str
    due_date: date
    owing: bool
    newest: bool

    @property
    def chased(self) -> bool:
        """Whether the due-date sweep reminds of this statement at all."""
        return self.newest and self.owing and self.status in UNPAID


def reminder_states(statements: Sequence[Statement]) -> list[ReminderState]:
    """The reminder state of each of an account's statements in one currency (cycle order)."""
    newest = max(
        (i for i, s in enumerate(statements) if s.status != StatementStatus.OPEN), default=-1
    )
    return [
        ReminderState(
            status=s.status,
            due_date=s.due_date,
            owing=s.statement_balance_minor > s.paid_minor,
            newest=i == newest,
        )
        for i, s in enumerate(statements)
    ]


def reminder_on(state: ReminderState) -> date | None:
    """`next_reminder_on` of a statement whose reminder state just became `state`."""
    return first_reminder_on(state.due_date) if state.chased else None


def refresh_reminder_dates(
    statements: Sequence[Statement], before: Sequence[ReminderState] | None = None
) -> None:
    """Set `next_reminder_on` on a book's statements (cycle order) after they changed.

    `before` holds their states before the change (`reminder_states`; None when unknown): a
    statement whose state is unchanged keeps its date (the sweep has moved it along); any other
    starts from its first point, or is cleared when it is no longer chased (paid, not the newest
    closed statement any more, still open).
    """
    after = reminder_states(statements)
    for index, (statement, state) in enumerate(zip(statements, after, strict=True)):
        if not state.chased:
            statement.next_reminder_on = None
        elif before is None or index >= len(before) or before[index] != state:
            statement.next_reminder_on = reminder_on(state)


def due_date_moved(statement: Statement) -> None:
    """Start a statement's reminders again from its first point after its due date moved.

    Whether it is still the account's newest closed statement is left to the sweep (which clears
    the date of one that is not): a spare read, never a missed reminder.
    """
    unpaid = statement.status in UNPAID and statement.statement_balance_minor > statement.paid_minor
    statement.next_reminder_on = first_reminder_on(statement.due_date) if unpaid else None
