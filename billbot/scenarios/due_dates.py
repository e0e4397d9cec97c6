"""Time-driven scenarios for statements: ready, due soon (3 and 1 days), due today, overdue.

One sweep reads only the statements whose next reminder date (`Statement.next_reminder_on`, a
local date kept by `billbot.bills.reminder_dates`) has come, never one job per borrower, and moves
each date on to the statement's next reminder point. Each message has a dedupe key of scenario,
statement and slot, so running the sweep again, or on another instance, queues nothing twice.
Paid statements get nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, bindparam, exists
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.reminder_dates import (
    CHASED_DAYS,
    DUE_SOON_DAYS,
    OVERDUE_DAYS,
    UNPAID,
    reminder_after,
    slot,
)
from billbot.clock import local_date, zone
from billbot.db import raw_write
from billbot.db_types import UTCDateTime
from billbot.outbox.service import enqueue_many, queued_keys
from billbot.scenarios.messages import money, render
from billbot.users.models import User

__all__ = [
    "DUE_SOON_DAYS",
    "OVERDUE_DAYS",
    "UNPAID",
    "repayment_buttons",
    "sweep_due_dates",
    "sweep_statements_ready",
]
# No time zone is more than 14 hours ahead of UTC: the latest local date anywhere at an instant.
_LATEST_OFFSET = timedelta(hours=14)
_NOT_CHASED = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID)


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
    """The statements whose next reminder date has come anywhere on Earth, with what the
    decision and the text need (whether each is its account's newest closed statement too).

    One range of the partial index on `next_reminder_on`, up to the latest local date at the
    sweep's instant; each row's own local date is checked after. Built once; the date is a bound
    parameter.
    """
    return (
        core_select(
            col(Statement.id),
            col(Statement.due_date),
            col(Statement.status),
            col(Statement.statement_balance_minor),
            col(Statement.paid_minor),
            col(Statement.minimum_due_minor),
            col(Statement.currency),
            col(Statement.next_reminder_on),
            _newest_closed().label("newest"),
            col(User.id).label("user_id"),
            col(User.time_zone),
            col(User.locale),
            col(User.display_name),
            col(Account.name).label("account_name"),
        )
        .join(Account, col(Account.id) == col(Statement.account_id))
        .join(User, col(User.id) == col(Statement.user_id))
        .where(col(Statement.next_reminder_on) <= bindparam("latest_today", type_=Date))
    )


# A statement's next reminder date moves only if what the sweep read is still what it holds.
_MOVE_DATE = (
    "UPDATE statements SET next_reminder_on = {mark} WHERE id = {mark}"
    " AND next_reminder_on = {mark} AND status = {mark} AND due_date = {mark}"
)


def _move_dates(session: Session, moves: list[tuple[int, date, str, date, date | None]]) -> None:
    """Move statements' next reminder dates, unless a statement changed since it was read (a
    repayment or the statement sweep then restarted its reminders: theirs is the date).

    `moves` holds (id, date read, status read, due date read, next date): one `executemany` on
    the driver's cursor, each row found by its primary key.
    """
    raw_write(
        session,
        _MOVE_DATE,
        [(following, sid, read, status, due) for sid, read, status, due, following in moves],
    )


class _Window:
    """The due dates the sweep at `now` chases, by status (a row's own local date decides after).

    Statements not yet chased are reminded of from the earliest date that is "today" anywhere
    (UTC-12) to the end of the due-soon window, overdue ones over the whole window; past it they
    get nothing until they change.
    """

    def __init__(self, now: datetime) -> None:
        self.end = (now + timedelta(days=DUE_SOON_DAYS[0] + 1)).date()
        self.not_chased_from = (now - timedelta(days=1)).date()
        self.overdue_from = (now - timedelta(days=CHASED_DAYS)).date()

    def holds(self, due: date, status: str) -> bool | None:
        """Whether the window holds `due` (None: not yet, it is too far ahead)."""
        if due > self.end:
            return None
        return due >= (self.not_chased_from if status in _NOT_CHASED else self.overdue_from)


def sweep_due_dates(session: Session, *, now: datetime) -> int:
    """Queue due-soon, due-today and overdue reminders for unpaid statements; returns how many.

    Reads the statements whose next reminder date has come; for each, the reminder point of its
    borrower's local date (its slot) is worked out, the slots already queued are looked up
    together, only the new ones are rendered and written, at once, and each statement's date
    moves on to its next point (or is cleared when nothing more can be due).
    """
    todays: dict[str, date] = {}
    candidates: list[tuple[str, str, Any]] = []
    moves: list[tuple[int, date, str, date, date | None]] = []
    window = _Window(now)
    rows = session.execute(_due_query(), {"latest_today": (now + _LATEST_OFFSET).date()})
    for row in rows:
        sid, due, status, balance, paid, _minimum, _currency, read, newest, *_, time_zone = row[:11]
        chased = newest and status in UNPAID and balance > paid and window.holds(due, status)
        if chased is None:
            continue
        if not chased:
            moves.append((sid, read, status, due, None))
            continue
        today = todays.get(time_zone)
        if today is None:
            today = todays[time_zone] = local_date(now, zone(time_zone))
        reached = slot(due, today)
        if reached is None:  # the first point has come further east, not yet here
            continue
        scenario, mark = reached
        # Past the due date, only a missed minimum is overdue; a statement partly paid with at
        # least the minimum is not chased (its interest shows in the next statement).
        if scenario != "overdue" or status == StatementStatus.OVERDUE:
            candidates.append((f"{scenario}:{sid}:{mark}", scenario, row))
        following = reminder_after(due, status, today)
        if following != read:
            moves.append((sid, read, status, due, following))
    queued = queued_keys(session, [key for key, *_ in candidates])
    messages = []
    expires_at = now + timedelta(days=1)
    for key, scenario, row in candidates:
        if key in queued:
            continue
        sid, due, _status, balance, paid, minimum, currency, _read, _newest, user_id = row[:10]
        time_zone, locale, name, account = row[10:]
        days = (due - todays[time_zone]).days
        text = render(
            scenario,
            locale,
            name=name,
            account=account,
            amount=money(balance - paid, currency, locale),
            minimum=money(max(0, minimum - paid), currency, locale),
            due_date=due.isoformat(),
            when=_when(days, locale),
        )
        messages.append(
            {
                "user_id": user_id,
                "scenario": scenario,
                "dedupe_key": key,
                "category": "repayment",
                "debt_key": f"statement:{sid}",
                "body": text,
                "buttons": repayment_buttons(sid, locale),
                "expires_at": expires_at,
                "priority": 2 if scenario == "overdue" else 1,
            }
        )
    count = enqueue_many(session, messages, now=now)
    _move_dates(session, moves)
    return count


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
    """Queue one "statement ready" message per statement closed in the last two days.

    Statements told already are looked up together first: only the new ones are rendered."""
    window = {"closed_since": now - timedelta(days=2), "now": now}
    rows = [
        (f"statement_ready:{statement.id}", statement, account, user)
        for statement, account, user in session.exec(_ready_query(), params=window).all()
        if statement.statement_balance_minor > 0
    ]
    told = queued_keys(session, [key for key, *_ in rows])
    messages = []
    for key, statement, account, user in rows:
        if key in told:
            continue
        text = render(
            "statement_ready",
            user.locale,
            name=user.display_name,
            account=account.name,
            amount=money(statement.statement_balance_minor, statement.currency, user.locale),
            minimum=money(statement.minimum_due_minor, statement.currency, user.locale),
            due_date=statement.due_date.isoformat(),
        )
        messages.append(
            {
                "user_id": user.id,
                "scenario": "statement_ready",
                "dedupe_key": key,
                "category": "spending",
                "body": text,
                "foldable": True,
            }
        )
    return enqueue_many(session, messages, now=now)
