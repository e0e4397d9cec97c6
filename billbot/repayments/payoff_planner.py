"""The payoff planner across every account a borrower holds in one currency.

Each account's debt is its current balance (the newest statement's running balance, which includes
the open cycle), its APR and minimum-payment rule; installment plans keep their own fixed
schedules and are not re-planned here. `billbot.repayments.payoff` compares avalanche (highest
APR first) and snowball (smallest balance first). The borrower may save the order they chose;
`priority_account` tells reminders (and the bot) which account it puts first.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from billbot.accounts.models import Account, AccountKind
from billbot.bills.queries import newest_statement
from billbot.bills.service import advance_accounts
from billbot.errors import ValidationFailed
from billbot.repayments.accrual import MinimumRule
from billbot.repayments.errors import NothingOwed
from billbot.repayments.models import BorrowingProfile
from billbot.repayments.payoff import Debt, PayoffComparison, Strategy, compare_payoff
from billbot.users.models import User


def debts_of(session: Session, *, user: User, currency: str, now: datetime) -> list[Debt]:
    """The borrower's accounts in `currency` that owe something, as payoff debts."""
    accounts = [
        a
        for a in session.exec(
            select(Account).where(col(Account.user_id) == user.id).order_by(col(Account.id))
        ).all()
        if a.kind != AccountKind.DEBIT
    ]
    advance_accounts(session, [(a, user.time_zone) for a in accounts], now=now)
    debts = []
    for account in accounts:
        newest = newest_statement(session, account.id or 0, currency=currency)
        if newest is None or newest.statement_balance_minor <= 0:
            continue
        debts.append(
            Debt(
                str(account.id),
                newest.statement_balance_minor,
                account.apr_bps,
                MinimumRule(account.min_payment_bps, account.min_payment_floor_minor),
            )
        )
    return debts


def payoff_plans(
    session: Session, *, user: User, monthly_budget_minor: int, currency: str, now: datetime
) -> PayoffComparison:
    """Avalanche and snowball plans for everything the borrower owes in `currency`."""
    if monthly_budget_minor <= 0:
        raise ValidationFailed("the monthly amount must be positive", code="payoff.budget")
    debts = debts_of(session, user=user, currency=currency.upper(), now=now)
    if not debts:
        raise NothingOwed(f"nothing is owed in {currency.upper()}", currency=currency.upper())
    return compare_payoff(debts, currency=currency, monthly_budget_minor=monthly_budget_minor)


def choose_payoff_order(
    session: Session,
    *,
    user: User,
    strategy: Strategy,
    monthly_budget_minor: int,
    currency: str,
    now: datetime,
) -> BorrowingProfile:
    """Save the strategy the borrower chose and the account order it gives."""
    assert user.id is not None
    comparison = payoff_plans(
        session, user=user, monthly_budget_minor=monthly_budget_minor, currency=currency, now=now
    )
    plan = comparison.avalanche if strategy is Strategy.AVALANCHE else comparison.snowball
    profile = session.get(BorrowingProfile, user.id) or BorrowingProfile(
        user_id=user.id, updated_at=now
    )
    profile.payoff_strategy = strategy.value
    profile.payoff_currency = currency.upper()
    profile.payoff_budget_minor = monthly_budget_minor
    profile.payoff_order = ",".join(plan.order)
    profile.updated_at = now
    session.add(profile)
    session.flush()
    return profile


def saved_order(session: Session, *, user_id: int) -> list[int]:
    """The account ids in the order the borrower chose to pay them off (empty: none chosen)."""
    profile = session.get(BorrowingProfile, user_id)
    if profile is None or not profile.payoff_order:
        return []
    return [int(part) for part in profile.payoff_order.split(",")]


def priority_account(session: Session, *, user_id: int) -> int | None:
    """The first account in the borrower's chosen order that still owes, for reminders to name."""
    for account_id in saved_order(session, user_id=user_id):
        newest = newest_statement(session, account_id)
        if newest is not None and newest.statement_balance_minor > 0:
            return account_id
    return None
