"""Installment and BNPL obligations across future statements, and a guard against stacking them.

An installment lands on the statement whose cycle contains the date it posts to the account,
and is due on that statement's due date. Cycles come either as a list (sorted, contiguous, as
`billbot.bills.cycles.cycles_between` returns) or as a function from a date to its cycle (such as
`functools.partial(billbot.bills.cycles.cycle_for, plan=...)`).

The stacking guard adds up what falls due in each calendar month (by statement due date) and flags
the months where it exceeds a share of the borrower's declared monthly income: the limit is
income × threshold_bps, rounded half up; a month is flagged only when obligations exceed it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from billbot.repayments.accrual import div_half_up, share_bps
from billbot.repayments.errors import RepaymentError

DEFAULT_INCOME_SHARE_BPS = 3_000


class StatementCycle(Protocol):
    """A billing cycle: both ends inclusive, and its due date."""

    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date: ...

    @property
    def due_date(self) -> date: ...


CycleSource = Sequence[StatementCycle] | Callable[[date], StatementCycle]


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One remaining installment: the date it posts to the account and its amount."""

    post_date: date
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ActivePlan:
    """An installment or BNPL plan still being paid."""

    plan_id: str
    currency: str
    items: tuple[PlanItem, ...]


@dataclass(frozen=True, slots=True)
class LandedInstallment:
    """An installment tied to the statement it lands on."""

    plan_id: str
    post_date: date
    amount_minor: int
    cycle_end_date: date
    due_date: date


@dataclass(frozen=True, slots=True)
class ProjectedStatement:
    """A future statement's installment obligations."""

    start_date: date
    end_date: date
    due_date: date
    installments_minor: int
    items: tuple[LandedInstallment, ...]


@dataclass(frozen=True, slots=True)
class MonthLoad:
    """What falls due in one month against the share of income the borrower allows for it."""

    month_date: date  # the first day of the month
    obligations_minor: int
    limit_minor: int
    share_bps: int
    over_limit: bool


def _currency(plans: Sequence[ActivePlan]) -> str | None:
    currencies = {plan.currency.upper() for plan in plans}
    if len(currencies) > 1:
        raise RepaymentError(
            "plans in different currencies cannot share a statement", currencies=sorted(currencies)
        )
    return currencies.pop() if currencies else None


def _cycle_finder(cycles: CycleSource) -> Callable[[date], StatementCycle]:
    if callable(cycles):
        return cycles
    ordered = list(cycles)
    ends = [cycle.end_date for cycle in ordered]

    def find(day: date) -> StatementCycle:
        index = bisect_left(ends, day)
        if index >= len(ordered) or not ordered[index].start_date <= day:
            raise RepaymentError(
                f"an installment posting on {day} falls outside the given cycles",
                post_date=day.isoformat(),
            )
        return ordered[index]

    return find


def land_installments(plans: Sequence[ActivePlan], cycles: CycleSource) -> list[LandedInstallment]:
    """Tie every remaining installment to the statement it lands on, in posting order."""
    _currency(plans)
    find = _cycle_finder(cycles)
    landed = []
    for plan in plans:
        for entry in plan.items:
            if entry.amount_minor < 0:
                raise RepaymentError("an installment cannot be negative", plan_id=plan.plan_id)
            cycle = find(entry.post_date)
            landed.append(
                LandedInstallment(
                    plan.plan_id,
                    entry.post_date,
                    entry.amount_minor,
                    cycle.end_date,
                    cycle.due_date,
                )
            )
    landed.sort(key=lambda entry: (entry.post_date, entry.plan_id))
    return landed


def _next_cycles(cycles: CycleSource, today: date, count: int) -> list[StatementCycle]:
    if not callable(cycles):
        return [cycle for cycle in cycles if cycle.end_date >= today][:count]
    upcoming = [cycles(today)]
    while len(upcoming) < count:
        upcoming.append(cycles(upcoming[-1].end_date + timedelta(days=1)))
    return upcoming


def project_statements(
    plans: Sequence[ActivePlan], cycles: CycleSource, *, today: date, count: int = 6
) -> list[ProjectedStatement]:
    """The installments on the next `count` statements, starting with the cycle open on `today`."""
    if count <= 0:
        raise ValueError("count must be positive")
    _currency(plans)
    upcoming = _next_cycles(cycles, today, count)
    if not upcoming:
        return []
    first, last = upcoming[0].start_date, upcoming[-1].end_date
    within = [
        ActivePlan(
            plan.plan_id,
            plan.currency,
            tuple(entry for entry in plan.items if first <= entry.post_date <= last),
        )
        for plan in plans
    ]
    by_cycle: dict[date, list[LandedInstallment]] = {cycle.end_date: [] for cycle in upcoming}
    for landed in land_installments(within, upcoming):
        by_cycle[landed.cycle_end_date].append(landed)
    return [
        ProjectedStatement(
            cycle.start_date,
            cycle.end_date,
            cycle.due_date,
            sum(entry.amount_minor for entry in by_cycle[cycle.end_date]),
            tuple(by_cycle[cycle.end_date]),
        )
        for cycle in upcoming
    ]


def stacking_guard(
    statements: Sequence[ProjectedStatement],
    *,
    monthly_income_minor: int,
    threshold_bps: int = DEFAULT_INCOME_SHARE_BPS,
    other_obligations_minor: int = 0,
) -> list[MonthLoad]:
    """Each month's obligations (by due date) against `threshold_bps` of monthly income."""
    if monthly_income_minor <= 0:
        raise RepaymentError(
            "declare a positive monthly income to compare obligations with",
            monthly_income_minor=monthly_income_minor,
        )
    if not 0 < threshold_bps <= 10_000:
        raise RepaymentError("the income share must be between 1 and 10000 basis points")
    if other_obligations_minor < 0:
        raise ValueError("other_obligations_minor must not be negative")
    months: dict[date, int] = {}
    for statement in statements:
        month = statement.due_date.replace(day=1)
        months[month] = months.get(month, 0) + statement.installments_minor
    limit = share_bps(monthly_income_minor, threshold_bps)
    loads = []
    for month in sorted(months):
        obligations = months[month] + other_obligations_minor
        loads.append(
            MonthLoad(
                month_date=month,
                obligations_minor=obligations,
                limit_minor=limit,
                share_bps=div_half_up(obligations * 10_000, monthly_income_minor),
                over_limit=obligations > limit,
            )
        )
    return loads
