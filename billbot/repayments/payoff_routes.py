"""The borrower's payoff planner: avalanche against snowball across all their accounts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field

from billbot.deps import ClockDep, CurrentUser, SessionDep
from billbot.errors import ValidationFailed
from billbot.money import currency_code
from billbot.repayments.models import BorrowingProfile
from billbot.repayments.payoff import PayoffPlan, Strategy
from billbot.repayments.payoff_planner import (
    choose_payoff_order,
    debts_of,
    payoff_plans,
    priority_account,
)

router = APIRouter(prefix="/v1/payoff-plan", tags=["borrower: payoff planner"])


class ChoiceIn(BaseModel):
    """The strategy the borrower chose, with the monthly amount and currency it was planned for."""

    strategy: Strategy
    monthly_budget_minor: int = Field(gt=0, strict=True)
    currency: Annotated[str, AfterValidator(currency_code)]


def _plan(plan: PayoffPlan, *, months: bool) -> dict[str, Any]:
    body = asdict(plan)
    body["strategy"] = plan.strategy.value
    body["order"] = [int(account_id) for account_id in plan.order]
    if not months:
        body.pop("months")
    return body


def _choice(profile: BorrowingProfile | None, priority: int | None) -> dict[str, Any] | None:
    if profile is None or not profile.payoff_strategy:
        return None
    return {
        "strategy": profile.payoff_strategy,
        "currency": profile.payoff_currency,
        "monthly_budget_minor": profile.payoff_budget_minor,
        "order": [int(p) for p in profile.payoff_order.split(",") if p],
        "priority_account_id": priority,
    }


@router.get("")
def plans(
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    monthly_budget_minor: Annotated[int | None, Query(gt=0)] = None,
    currency: str | None = None,
    months: bool = True,
) -> dict[str, Any]:
    """Months to debt-free, total interest and a month-by-month plan for both strategies.

    Without `monthly_budget_minor`, the amount of the saved choice is used. Owing nothing in the
    currency answers with no plans.
    """
    assert user.id is not None
    try:
        chosen = currency_code(currency) if currency else user.currency
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="payoff.currency") from exc
    profile = session.get(BorrowingProfile, user.id)
    choice = _choice(profile, priority_account(session, user_id=user.id))
    body: dict[str, Any] = {
        "currency": chosen,
        "avalanche": None,
        "snowball": None,
        "interest_saved_minor": 0,
        "months_saved": 0,
        "choice": choice,
    }
    if not debts_of(session, user=user, currency=chosen, now=clock.now()):
        return body
    budget = monthly_budget_minor or (profile.payoff_budget_minor if profile else None)
    if budget is None:
        raise ValidationFailed(
            "say how much you can pay a month: ?monthly_budget_minor=N", code="payoff.budget"
        )
    comparison = payoff_plans(
        session, user=user, monthly_budget_minor=budget, currency=chosen, now=clock.now()
    )
    body |= {
        "avalanche": _plan(comparison.avalanche, months=months),
        "snowball": _plan(comparison.snowball, months=months),
        "interest_saved_minor": comparison.interest_saved_minor,
        "months_saved": comparison.months_saved,
    }
    return body


@router.put("/choice")
def choose(
    body: ChoiceIn, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any] | None:
    """Save the chosen strategy and its account order (reminders can follow it)."""
    assert user.id is not None
    profile = choose_payoff_order(
        session,
        user=user,
        strategy=body.strategy,
        monthly_budget_minor=body.monthly_budget_minor,
        currency=body.currency,
        now=clock.now(),
    )
    return _choice(profile, priority_account(session, user_id=user.id))
