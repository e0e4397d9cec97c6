"""The borrower's installment plans: convert a statement or a purchase, the ledger, the guard."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import AfterValidator, BaseModel, Field

from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.money import currency_code
from billbot.repayments.installments import (
    PlanDraft,
    create_installment_plan,
    draft_installment_plan,
    installment_ledger,
    set_income,
)
from billbot.repayments.ledger import DEFAULT_INCOME_SHARE_BPS
from billbot.repayments.statement_options import parse_offers

router = APIRouter(prefix="/v1/installments", tags=["borrower: installments"])


class ConversionIn(BaseModel):
    """Convert a statement (or part of it) or a purchase (or part of it) into installments."""

    statement_id: int | None = None
    transaction_id: int | None = None
    amount_minor: int | None = Field(default=None, gt=0, strict=True, description="default: all")
    term_months: int = Field(strict=True)


class IncomeIn(BaseModel):
    """The borrower's monthly income and the share of it they allow for installments."""

    monthly_income_minor: int = Field(gt=0, strict=True)
    currency: Annotated[str, AfterValidator(currency_code)]
    share_bps: int = Field(default=DEFAULT_INCOME_SHARE_BPS, gt=0, le=10_000, strict=True)


def draft_public(draft: PlanDraft) -> dict[str, Any]:
    """A draft as the API (and the bot) shows it."""
    body = asdict(draft)
    body["offer"] = {
        "term_months": draft.offer.term_months,
        "pricing": draft.offer.pricing.value,
        "rate_bps": draft.offer.rate_bps,
    }
    body["guard"] = [
        {
            "month": load.month_date.strftime("%Y-%m"),
            "obligations_minor": load.obligations_minor,
            "limit_minor": load.limit_minor,
            "share_bps": load.share_bps,
            "over_limit": load.over_limit,
        }
        for load in draft.guard
    ]
    body["extra_over_full_minor"] = draft.extra_over_full_minor
    body["warning"] = draft.over_limit
    return body


@router.get("")
def ledger(user: CurrentUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Every active plan with its remaining schedule and statements, the next six statements'
    installments, and the stacking guard against the declared income."""
    return installment_ledger(session, user=user, now=clock.now())


@router.post("/preview")
def preview(
    body: ConversionIn,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """The plan a conversion would make, its full cost, and the guard's verdict; nothing stored."""
    draft = draft_installment_plan(
        session,
        user=user,
        term_months=body.term_months,
        offers=parse_offers(settings.installment_offers),
        now=clock.now(),
        statement_id=body.statement_id,
        transaction_id=body.transaction_id,
        amount_minor=body.amount_minor,
    )
    return draft_public(draft)


@router.post("", status_code=status.HTTP_201_CREATED)
def convert(
    body: ConversionIn,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Convert to installments: stored with its schedule, each installment on its statement."""
    plan, draft = create_installment_plan(
        session,
        user=user,
        term_months=body.term_months,
        offers=parse_offers(settings.installment_offers),
        now=clock.now(),
        statement_id=body.statement_id,
        transaction_id=body.transaction_id,
        amount_minor=body.amount_minor,
    )
    return {"id": plan.id, "user_id": plan.user_id, **draft_public(draft)}


@router.put("/income")
def declare_income(
    body: IncomeIn, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Declare monthly income and the share of it installments may take before a warning."""
    assert user.id is not None
    profile = set_income(
        session,
        user_id=user.id,
        monthly_income_minor=body.monthly_income_minor,
        currency=body.currency,
        share_bps=body.share_bps,
        now=clock.now(),
    )
    return {
        "monthly_income_minor": profile.monthly_income_minor,
        "currency": profile.income_currency,
        "share_bps": profile.income_share_bps,
    }
