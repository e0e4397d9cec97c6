"""Custom due dates (自定义还款日): the borrower picks the day of the month their bills fall due.

Rules:
- the day must be one the issuer allows (`BILLBOT_DUE_DAY_ALLOWED`, a set or ranges such as
  "1-28") and leave at least `BILLBOT_DUE_DAY_MIN_GRACE_DAYS` between each closing date and its
  due date over the next year of cycles (the closing day itself never moves);
- it may change at most once every `BILLBOT_DUE_DAY_CHANGE_MONTHS` months (from the local date
  of the last change, stepped as `add_months` does);
- it takes effect from the next cycle: the cycle open today, and every statement already closed,
  keep their due dates; statements of later cycles fall due on the new day (the account's due
  rule becomes `fixed_day`, and statements already cut for later cycles are moved). Reminders
  read statements' due dates, so they follow.

`preview_due_day` computes, with the same cycle arithmetic the statement book uses, what
`change_due_day` then makes happen; a change is kept as a `DueDayChange` row (its history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from billbot.accounts.models import Account, DueRule
from billbot.accounts.service import get_account
from billbot.bills.cycles import Cycle, CyclePlan, cycle_for, due_date_for, next_cycle
from billbot.bills.models import Statement
from billbot.bills.reminder_dates import due_date_moved
from billbot.bills.service import advance_accounts, plan_of
from billbot.clock import local_date, zone
from billbot.repayments.accrual import add_months
from billbot.repayments.errors import DueDayNotAllowed, DueDayTooSoon, DueDayUnchanged
from billbot.repayments.models import DueDayChange
from billbot.settings import Settings
from billbot.users.models import User

GRACE_CHECK_CYCLES = 12


def parse_allowed_days(text: str) -> frozenset[int]:
    """Days written as "1-28" or "5,10,15,20-25" (each between 1 and 31)."""
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 31:
            raise ValueError(f"due days must be between 1 and 31: {part!r}")
        days.update(range(first, last + 1))
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class DueDayRules:
    """What the issuer allows."""

    allowed: frozenset[int]
    change_months: int = 12
    min_grace_days: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> DueDayRules:
        return cls(
            parse_allowed_days(settings.due_day_allowed),
            settings.due_day_change_months,
            settings.due_day_min_grace_days,
        )


@dataclass(frozen=True, slots=True)
class PreviewCycle:
    """One cycle's closing and due dates, before and after the change, with interest-free days.

    Interest-free days run from a purchase to the due date: `*_max` for a purchase on the cycle's
    first day, `*_min` for one on its closing date.
    """

    cycle_start_date: date
    closing_date: date
    due_date_before: date
    due_date_after: date
    interest_free_days_max_before: int
    interest_free_days_max_after: int
    interest_free_days_min_before: int
    interest_free_days_min_after: int
    changes: bool


@dataclass(frozen=True, slots=True)
class DueDayPreview:
    """What choosing `day` would do, and whether it may be chosen now."""

    account_id: int
    day: int
    effective_from: date
    allowed_now: bool
    possible_from: date | None
    cycles: tuple[PreviewCycle, ...]


def _fixed(plan: CyclePlan, day: int) -> CyclePlan:
    return CyclePlan(closing_day=plan.closing_day, due_rule=DueRule.FIXED_DAY, due_value=day)


def _shortest_grace(plan: CyclePlan, first: Cycle) -> int:
    cycle, shortest = first, 10**6
    for _ in range(GRACE_CHECK_CYCLES):
        shortest = min(shortest, (cycle.due_date - cycle.end_date).days)
        cycle = next_cycle(cycle, plan)
    return shortest


def allowed_days(account: Account, rules: DueDayRules, *, today: date) -> list[int]:
    """The days this account may be due on: allowed by the issuer, with enough grace."""
    plan = plan_of(account)
    following = next_cycle(cycle_for(today, plan), plan)
    return sorted(
        day
        for day in rules.allowed
        if _shortest_grace(_fixed(plan, day), following) >= rules.min_grace_days
    )


def _last_change(session: Session, account_id: int) -> DueDayChange | None:
    return session.exec(
        select(DueDayChange)
        .where(col(DueDayChange.account_id) == account_id)
        .order_by(col(DueDayChange.changed_at).desc(), col(DueDayChange.id).desc())
        .limit(1)
    ).first()


def next_change_possible(
    session: Session, account: Account, rules: DueDayRules, *, time_zone: str
) -> date | None:
    """The first local date the due day may change again (None: it may change now)."""
    assert account.id is not None
    last = _last_change(session, account.id)
    if last is None or rules.change_months == 0:
        return None
    return add_months(local_date(last.changed_at, zone(time_zone)), rules.change_months)


def _check_day(account: Account, day: int, rules: DueDayRules, *, today: date) -> None:
    if day not in rules.allowed:
        raise DueDayNotAllowed(
            f"the issuer does not offer day {day} as a due day",
            day=day,
            allowed=sorted(rules.allowed),
        )
    choices = allowed_days(account, rules, today=today)
    if day not in choices:
        raise DueDayNotAllowed(
            f"day {day} would leave fewer than {rules.min_grace_days} days between this "
            "account's closing date and its due date",
            day=day,
            allowed=choices,
        )


def _interest_free(cycle: Cycle, due: date) -> tuple[int, int]:
    return (due - cycle.start_date).days, (due - cycle.end_date).days


def _stored_dues(session: Session, account_id: int, first: date) -> dict[date, date]:
    rows = session.exec(
        select(Statement).where(
            col(Statement.account_id) == account_id, col(Statement.cycle_start_date) >= first
        )
    ).all()
    return {row.cycle_start_date: row.due_date for row in rows}


def preview_due_day(
    session: Session,
    *,
    user: User,
    account_id: int,
    day: int,
    rules: DueDayRules,
    now: datetime,
    cycles: int = 3,
) -> DueDayPreview:
    """The cycle open today and the next `cycles` ones, with due dates before and after `day`."""
    assert user.id is not None
    account = get_account(session, user_id=user.id, account_id=account_id)
    today = local_date(now, zone(user.time_zone))
    _check_day(account, day, rules, today=today)
    if account.due_rule == DueRule.FIXED_DAY and account.due_value == day:
        raise DueDayUnchanged(f"this account is already due on day {day}", day=day)
    advance_accounts(session, [(account, user.time_zone)], now=now)
    possible = next_change_possible(session, account, rules, time_zone=user.time_zone)
    plan = plan_of(account)
    new_plan = _fixed(plan, day)
    current = cycle_for(today, plan)
    assert account.id is not None
    stored = _stored_dues(session, account.id, current.start_date)
    rows = []
    cycle = current
    for index in range(cycles + 1):
        before = stored.get(cycle.start_date, cycle.due_date)
        after = before if index == 0 else due_date_for(cycle.end_date, new_plan)
        max_before, min_before = _interest_free(cycle, before)
        max_after, min_after = _interest_free(cycle, after)
        rows.append(
            PreviewCycle(
                cycle.start_date,
                cycle.end_date,
                before,
                after,
                max_before,
                max_after,
                min_before,
                min_after,
                before != after,
            )
        )
        cycle = next_cycle(cycle, plan)
    return DueDayPreview(
        account_id=account.id,
        day=day,
        effective_from=current.end_date + timedelta(days=1),
        allowed_now=possible is None or today >= possible,
        possible_from=possible,
        cycles=tuple(rows),
    )


def change_due_day(
    session: Session, *, user: User, account_id: int, day: int, rules: DueDayRules, now: datetime
) -> DueDayChange:
    """Make the account due on `day` from the next cycle on; kept in the change history."""
    preview = preview_due_day(
        session, user=user, account_id=account_id, day=day, rules=rules, now=now, cycles=0
    )
    if not preview.allowed_now:
        assert preview.possible_from is not None
        raise DueDayTooSoon(
            f"the due day was changed recently; it can change again from "
            f"{preview.possible_from.isoformat()}",
            possible_from=preview.possible_from.isoformat(),
        )
    assert user.id is not None
    account = get_account(session, user_id=user.id, account_id=account_id)
    change = DueDayChange(
        user_id=user.id,
        account_id=account_id,
        from_rule=account.due_rule,
        from_value=account.due_value,
        to_day=day,
        effective_from=preview.effective_from,
        changed_at=now,
    )
    session.add(change)
    account.due_rule, account.due_value = DueRule.FIXED_DAY, day
    plan = plan_of(account)
    later = session.exec(
        select(Statement).where(
            col(Statement.account_id) == account_id,
            col(Statement.cycle_start_date) >= preview.effective_from,
        )
    ).all()
    for statement in later:
        due = due_date_for(statement.cycle_end_date, plan)
        if due != statement.due_date:
            statement.due_date = due
            due_date_moved(statement)
    session.flush()
    return change


def due_day_history(session: Session, *, account_id: int) -> list[DueDayChange]:
    """Every due-day change of the account, newest first."""
    return list(
        session.exec(
            select(DueDayChange)
            .where(col(DueDayChange.account_id) == account_id)
            .order_by(col(DueDayChange.changed_at).desc(), col(DueDayChange.id).desc())
        ).all()
    )
