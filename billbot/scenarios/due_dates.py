"""Time-driven scenarios for statements: ready, due soon (3 and 1 days), due today, overdue.

One sweep queries the statements that matter now (indexed by status and due date), never one
job per borrower. Each message has a dedupe key of scenario, statement and slot, so running the
sweep again, or on another instance, queues nothing twice. Paid statements get nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.clock import local_date, zone
from billbot.outbox.service import enqueue
from billbot.scenarios.messages import money, render
from billbot.users.models import User

DUE_SOON_DAYS = (3, 1, 0)  # days before the due date (0: due today)
OVERDUE_DAYS = (1, 3, 7)  # days late, then every 7 days
UNPAID = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID, StatementStatus.OVERDUE)


def _slot(due: date, today: date) -> tuple[str, str] | None:
    """(scenario, slot) of the latest reminder point reached, or None before the first one.

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
    weeks = (late - OVERDUE_DAYS[-1]) // 7
    return ("overdue", f"late-{OVERDUE_DAYS[-1] + 7 * weeks}")


# The chat bot answers these button ids; titles stay within WhatsApp's 20 characters.
_BUTTONS = {
    "en": (("options", "Ways to pay"), ("paid", "I've paid"), ("snooze", "Remind me tomorrow")),
    "zh-CN": (("options", "还款方式"), ("paid", "我已还款"), ("snooze", "明天提醒我")),
}


def repayment_buttons(statement_id: int | None, locale: str) -> list[tuple[str, str]]:
    """The buttons of a repayment nudge: ways to pay, I've paid, remind me tomorrow."""
    titles = _BUTTONS["zh-CN" if locale == "zh-CN" else "en"]
    return [(f"{action}:{statement_id}", title) for action, title in titles]


def _when(days: int, locale: str) -> str:
    if locale == "zh-CN":
        return {0: "今天", 1: "明天"}.get(days, f"{days}天后")
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _newest_closed() -> Any:
    """Only each account's newest closed statement per currency: older debt rolled into it."""
    newer = aliased(Statement)
    return ~exists().where(
        col(newer.account_id) == col(Statement.account_id),
        col(newer.currency) == col(Statement.currency),
        col(newer.cycle_end_date) > col(Statement.cycle_end_date),
        col(newer.status) != StatementStatus.OPEN,
    )


def sweep_due_dates(session: Session, *, now: datetime) -> int:
    """Queue due-soon, due-today and overdue reminders for unpaid statements; returns how many."""
    # Unpaid newest statements due within the due-soon window or already past due.
    window_start, window_end = (now - timedelta(days=400)).date(), (now + timedelta(days=4)).date()
    rows = session.exec(
        select(Statement, Account, User)
        .join(Account, col(Account.id) == col(Statement.account_id))
        .join(User, col(User.id) == col(Statement.user_id))
        .where(
            col(Statement.status).in_(UNPAID),
            col(Statement.due_date) >= window_start,
            col(Statement.due_date) <= window_end,
            _newest_closed(),
        )
    ).all()
    queued = 0
    for statement, account, user in rows:
        remaining = statement.statement_balance_minor - statement.paid_minor
        if remaining <= 0:
            continue
        today = local_date(now, zone(user.time_zone))
        slot = _slot(statement.due_date, today)
        if slot is None:
            continue
        scenario, mark = slot
        # Past the due date, only a missed minimum is overdue; a statement partly paid with at
        # least the minimum is not chased (its interest shows in the next statement).
        if scenario == "overdue" and statement.status != StatementStatus.OVERDUE:
            continue
        days = (statement.due_date - today).days
        text = render(
            scenario,
            user.locale,
            name=user.display_name,
            account=account.name,
            amount=money(remaining, statement.currency, user.locale),
            minimum=money(
                max(0, statement.minimum_due_minor - statement.paid_minor),
                statement.currency,
                user.locale,
            ),
            due_date=statement.due_date.isoformat(),
            when=_when(days, user.locale),
        )
        assert user.id is not None
        message = enqueue(
            session,
            user_id=user.id,
            scenario=scenario,
            dedupe_key=f"{scenario}:{statement.id}:{mark}",
            category="repayment",
            debt_key=f"statement:{statement.id}",
            body=text,
            buttons=repayment_buttons(statement.id, user.locale),
            now=now,
            expires_at=now + timedelta(days=1),
            priority=2 if scenario == "overdue" else 1,
        )
        queued += message is not None
    return queued


def sweep_statements_ready(session: Session, *, now: datetime) -> int:
    """Queue one "statement ready" message per statement closed in the last two days."""
    rows = session.exec(
        select(Statement, Account, User)
        .join(Account, col(Account.id) == col(Statement.account_id))
        .join(User, col(User.id) == col(Statement.user_id))
        .where(
            col(Statement.closes_at) >= now - timedelta(days=2),
            col(Statement.closes_at) <= now,
            col(Statement.status).in_(UNPAID),
            _newest_closed(),
        )
    ).all()
    queued = 0
    for statement, account, user in rows:
        if statement.statement_balance_minor <= 0:
            continue
        assert user.id is not None
        text = render(
            "statement_ready",
            user.locale,
            name=user.display_name,
            account=account.name,
            amount=money(statement.statement_balance_minor, statement.currency, user.locale),
            minimum=money(statement.minimum_due_minor, statement.currency, user.locale),
            due_date=statement.due_date.isoformat(),
        )
        message = enqueue(
            session,
            user_id=user.id,
            scenario="statement_ready",
            dedupe_key=f"statement_ready:{statement.id}",
            category="spending",
            body=text,
            now=now,
            foldable=True,
        )
        queued += message is not None
    return queued
