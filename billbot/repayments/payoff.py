"""Paying off several debts with one monthly budget: avalanche against snowball.

Each month, in this order:
1. every open balance earns `monthly_interest` (balance × APR / 12, rounded half up);
2. every account gets its minimum payment on that balance (its `MinimumRule`); if the budget
   cannot cover them all, the plan is refused;
3. what is left of the budget goes to the accounts in the strategy's order, each paid off before
   the next gets anything: avalanche targets the highest APR first (ties: smaller balance), snowball
   the smallest starting balance first (ties: higher APR); ties after that keep the input order.
   The order is fixed at the start. An account paid off frees its minimum for the others, since the
   budget stays the same.
A plan is refused as never clearing when the budget cannot outpace the interest that the balances
left would earn even at the lowest of their APRs, or when it does not reach zero in fifty years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from billbot.money import exponent
from billbot.repayments.accrual import MinimumRule
from billbot.repayments.collector import collector_paused
from billbot.repayments.errors import BudgetBelowMinimums, NeverClears, NothingOwed
from billbot.repayments.plans import MAX_MONTHS


class Strategy(StrEnum):
    AVALANCHE = "avalanche"  # highest APR first: least interest
    SNOWBALL = "snowball"  # smallest balance first: fastest first win


@dataclass(frozen=True, slots=True)
class Debt:
    """One account to pay off."""

    account_id: str
    balance_minor: int
    apr_bps: int
    minimum: MinimumRule


@dataclass(frozen=True, slots=True)
class AccountMonth:
    """One account in one month: interest added, payment made, balance left after it."""

    account_id: str
    interest_minor: int
    payment_minor: int
    balance_minor: int


@dataclass(frozen=True, slots=True)
class PayoffMonth:
    """One month of a payoff plan, for the accounts still open at its start."""

    month: int  # 1 for the first month
    payment_minor: int
    interest_minor: int
    balance_minor: int  # left on all accounts after this month's payments
    accounts: tuple[AccountMonth, ...]


@dataclass(frozen=True, slots=True)
class PayoffPlan:
    """Month by month, how one strategy clears every debt within the budget."""

    strategy: Strategy
    currency: str
    monthly_budget_minor: int
    order: tuple[str, ...]
    months_to_debt_free: int
    total_interest_minor: int
    total_paid_minor: int
    months: tuple[PayoffMonth, ...]


@dataclass(frozen=True, slots=True)
class PayoffComparison:
    """Avalanche and snowball side by side."""

    avalanche: PayoffPlan
    snowball: PayoffPlan
    interest_saved_minor: int  # snowball interest less avalanche interest
    months_saved: int  # snowball months less avalanche months


def _order(debts: Sequence[Debt], strategy: Strategy) -> list[int]:
    indexes = range(len(debts))
    if strategy is Strategy.AVALANCHE:
        return sorted(indexes, key=lambda i: (-debts[i].apr_bps, debts[i].balance_minor, i))
    return sorted(indexes, key=lambda i: (debts[i].balance_minor, -debts[i].apr_bps, i))


@collector_paused()
def plan_payoff(
    debts: Sequence[Debt],
    *,
    currency: str,
    monthly_budget_minor: int,
    strategy: Strategy,
    max_months: int = MAX_MONTHS,
) -> PayoffPlan:
    """Clear every debt with `monthly_budget_minor` a month, surplus going by `strategy`.

    The cyclic garbage collector is paused meanwhile (`billbot.repayments.collector`).
    """
    exponent(currency)
    open_debts = [debt for debt in debts if debt.balance_minor > 0]
    if not open_debts:
        raise NothingOwed("there is no balance to pay off")
    ids = [debt.account_id for debt in open_debts]
    aprs = [debt.apr_bps for debt in open_debts]
    rules = [(debt.minimum.rate_bps, debt.minimum.floor_minor) for debt in open_debts]
    balances = [debt.balance_minor for debt in open_debts]
    order = _order(open_debts, strategy)
    count = len(open_debts)
    months: list[PayoffMonth] = []
    total_interest = total_paid = 0
    owed_total = sum(balances)
    while owed_total > 0:
        month = len(months) + 1
        if month > max_months:
            raise NeverClears(
                f"this budget does not clear the debts within {max_months} months",
                monthly_budget_minor=monthly_budget_minor,
                balance_minor=owed_total,
            )
        interests = [0] * count
        payments = [0] * count
        for i in range(count):
            balance = balances[i]
            if balance:
                # monthly_interest and MinimumRule.due, inlined for long simulations.
                interest = (balance * aprs[i] * 2 + 120_000) // 240_000
                balance += interest
                balances[i] = balance
                interests[i] = interest
                rate_bps, floor_minor = rules[i]
                payments[i] = min(
                    balance, max(floor_minor, (balance * rate_bps * 2 + 10_000) // 20_000)
                )
        required = sum(payments)
        if required > monthly_budget_minor:
            raise BudgetBelowMinimums(
                "the monthly budget does not cover the minimum payments",
                month=month,
                minimums_minor=required,
                monthly_budget_minor=monthly_budget_minor,
            )
        surplus = monthly_budget_minor - required
        for i in order:
            if not surplus:
                break
            extra = min(surplus, balances[i] - payments[i])
            payments[i] += extra
            surplus -= extra
        rows = []
        for i in range(count):
            if balances[i] or payments[i]:
                balances[i] -= payments[i]
                rows.append(AccountMonth(ids[i], interests[i], payments[i], balances[i]))
        month_interest = sum(interests)
        month_paid = monthly_budget_minor - surplus
        total_interest += month_interest
        total_paid += month_paid
        owed_total = sum(balances)
        months.append(PayoffMonth(month, month_paid, month_interest, owed_total, tuple(rows)))
        open_aprs = [aprs[i] for i in range(count) if balances[i]]
        # Every open balance earns at least the lowest open APR, less half a minor unit of
        # rounding; a budget no larger than that can never bring the total down.
        if open_aprs and monthly_budget_minor * 120_000 <= owed_total * min(
            open_aprs
        ) - 60_000 * len(open_aprs):
            raise NeverClears(
                "this budget does not outpace the interest: the debts would never clear",
                month=month,
                monthly_budget_minor=monthly_budget_minor,
                balance_minor=owed_total,
            )
    return PayoffPlan(
        strategy=strategy,
        currency=currency.upper(),
        monthly_budget_minor=monthly_budget_minor,
        order=tuple(ids[i] for i in order),
        months_to_debt_free=len(months),
        total_interest_minor=total_interest,
        total_paid_minor=total_paid,
        months=tuple(months),
    )


def compare_payoff(
    debts: Sequence[Debt],
    *,
    currency: str,
    monthly_budget_minor: int,
    max_months: int = MAX_MONTHS,
) -> PayoffComparison:
    """Avalanche and snowball plans for the same debts and budget."""
    with collector_paused():
        avalanche, snowball = (
            plan_payoff(
                debts,
                currency=currency,
                monthly_budget_minor=monthly_budget_minor,
                strategy=strategy,
                max_months=max_months,
            )
            for strategy in (Strategy.AVALANCHE, Strategy.SNOWBALL)
        )
    return PayoffComparison(
        avalanche=avalanche,
        snowball=snowball,
        interest_saved_minor=snowball.total_interest_minor - avalanche.total_interest_minor,
        months_saved=snowball.months_to_debt_free - avalanche.months_to_debt_free,
    )
