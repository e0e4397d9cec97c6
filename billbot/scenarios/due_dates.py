"""Time-driven scenarios for statements: ready, due soon (3 and 1 days), due today, overdue.

One sweep queries the statements that matter now (indexed by status and due date), never one
job per borrower. Each message has a dedupe key of scenario, statement and slot, so running the
sweep again, or on another instance, queues nothing twice. Paid statements get nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, bindparam, exists, union_all
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.clock import local_date, zone
from billbot.db_types import UTCDateTime
from billbot.outbox.service import enqueue, enqueue_many, queued_keys
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


@lru_cache(maxsize=1)
def _due_query() -> Any:
    """The unpaid newest statements that may need a reminder, with what the text needs.

    Two index ranges on (status, due date): statements not yet chased are read from the
    earliest date that is "today" anywhere (UTC-12) to the end of the due-soon window, overdue
    ones over the whole window. Statements past due with their minimum paid never get a reminder
    and are not read at all. Built once; the dates are bound parameters.
    """
    columns: tuple[Any, ...] = (
        col(Statement.id),
        col(Statement.due_date),
        col(Statement.status),
        col(Statement.statement_balance_minor),
        col(Statement.paid_minor),
        col(Statement.minimum_due_minor),
        col(Statement.currency),
        col(User.id).label("user_id"),
        col(User.time_zone),
        col(User.locale),
        col(User.display_name),
        col(Account.name).label("account_name"),
    )
    window_end = bindparam("window_end", type_=Date)

    def part(statuses: tuple[str, ...], since: str) -> Any:
        return (
            core_select(*columns)
            .join(Account, col(Account.id) == col(Statement.account_id))
            .join(User, col(User.id) == col(Statement.user_id))
            .where(
                col(Statement.status).in_(statuses),
                col(Statement.due_date) >= bindparam(since, type_=Date),
                col(Statement.due_date) <= window_end,
                col(Statement.statement_balance_minor) > col(Statement.paid_minor),
                _newest_closed(),
            )
        )

    not_chased = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID)
    return union_all(
        part(not_chased, "earliest_today"), part((StatementStatus.OVERDUE,), "window_start")
    )


def _due_rows(session: Session, now: datetime) -> list[Any]:
    """The rows of `_due_query` at `now`."""
    dates = {
        "window_start": (now - timedelta(days=400)).date(),
        "window_end": (now + timedelta(days=4)).date(),
        "earliest_today": (now - timedelta(days=1)).date(),
    }
    return list(session.execute(_due_query(), dates).all())


def sweep_due_dates(session: Session, *, now: datetime) -> int:
    """Queue due-soon, due-today and overdue reminders for unpaid statements; returns how many.

    A statement's reminder point (its slot) is worked out for each row read, the slots already
    queued are looked up together, and only the new ones are rendered and written, at once.
    """
    todays: dict[str, date] = {}
    candidates: list[tuple[str, str, str, Any]] = []
    for row in _due_rows(session, now):
        today = todays.get(row.time_zone)
        if today is None:
            today = todays[row.time_zone] = local_date(now, zone(row.time_zone))
        slot = _slot(row.due_date, today)
        if slot is None:
            continue
        scenario, mark = slot
        # Past the due date, only a missed minimum is overdue; a statement partly paid with at
        # least the minimum is not chased (its interest shows in the next statement).
        if scenario == "overdue" and row.status != StatementStatus.OVERDUE:
            continue
        candidates.append((f"{scenario}:{row.id}:{mark}", scenario, mark, row))
    queued = queued_keys(session, [key for key, *_ in candidates])
    messages = []
    for key, scenario, _mark, row in candidates:
        if key in queued:
            continue
        today = todays[row.time_zone]
        remaining = row.statement_balance_minor - row.paid_minor
        days = (row.due_date - today).days
        text = render(
            scenario,
            row.locale,
            name=row.display_name,
            account=row.account_name,
            amount=money(remaining, row.currency, row.locale),
            minimum=money(max(0, row.minimum_due_minor - row.paid_minor), row.currency, row.locale),
            due_date=row.due_date.isoformat(),
            when=_when(days, row.locale),
        )
        messages.append(
            {
                "user_id": row.user_id,
                "scenario": scenario,
                "dedupe_key": key,
                "category": "repayment",
                "debt_key": f"statement:{row.id}",
                "body": text,
                "buttons": repayment_buttons(row.id, row.locale),
                "expires_at": now + timedelta(days=1),
                "priority": 2 if scenario == "overdue" else 1,
            }
        )
    return enqueue_many(session, messages, now=now)


@lru_cache(maxsize=1)
def _ready_query() -> Any:
    """Unpaid newest statements closed in a window (bound parameters); built once."""
    return (
        select(Statement, Account, User)
        .join(Account, col(Account.id) == col(Statement.account_id))
        .join(User, col(User.id) == col(Statement.user_id))
        .where(
            col(Statement.closes_at) >= bindparam("closed_since", type_=UTCDateTime()),
            col(Statement.closes_at) <= bindparam("now", type_=UTCDateTime()),
            col(Statement.status).in_(UNPAID),
            _newest_closed(),
        )
    )


def sweep_statements_ready(session: Session, *, now: datetime) -> int:
    """Queue one "statement ready" message per statement closed in the last two days."""
    window = {"closed_since": now - timedelta(days=2), "now": now}
    rows = session.exec(_ready_query(), params=window).all()
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
