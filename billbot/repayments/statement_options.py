"""A closed statement's repayment options, priced by the account's terms and the issuer's offers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.errors import ValidationFailed
from billbot.repayments.accrual import MinimumRule
from billbot.repayments.options import (
    Combination,
    InstallmentPart,
    PayPart,
    StatementTerms,
    repayment_options,
)
from billbot.repayments.plans import InstallmentOffer, Pricing


def parse_offers(text: str) -> list[InstallmentOffer]:
    """Issuer offers written as `term:pricing:rate_bps`, comma-separated ("6:fee_per_month:60")."""
    offers = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        term, pricing, rate = part.split(":")
        offers.append(
            InstallmentOffer(term_months=int(term), pricing=Pricing(pricing), rate_bps=int(rate))
        )
    return offers


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def options_for(
    statement: Statement,
    account: Account,
    *,
    today: date,
    offers: list[InstallmentOffer],
    custom_amount_minor: int | None = None,
    payday: date | None = None,
) -> list[dict[str, Any]]:
    """Every way to repay what remains on `statement`, each with its total and extra cost."""
    if statement.status == StatementStatus.OPEN:
        raise ValidationFailed(
            "this statement's cycle is still open; options come when it closes",
            code="repayment.open",
        )
    remaining = statement.statement_balance_minor - statement.paid_minor
    if remaining <= 0:
        raise ValidationFailed(
            "nothing remains to pay on this statement", code="repayment.nothing_owed"
        )
    if today > statement.due_date:
        raise ValidationFailed(
            "this statement is past its due date; pay it as soon as you can",
            code="repayment.past_due",
        )
    terms = StatementTerms(
        balance_minor=remaining,
        minimum_due_minor=max(0, statement.minimum_due_minor - statement.paid_minor),
        currency=statement.currency,
        apr_bps=account.apr_bps,
        due_date=statement.due_date,
        minimum_rule=MinimumRule(
            rate_bps=account.min_payment_bps, floor_minor=account.min_payment_floor_minor
        ),
    )
    combinations = []
    if payday is not None and payday > statement.due_date and terms.minimum_due_minor > 0:
        combinations.append(
            Combination(
                parts=(
                    PayPart(statement.due_date, terms.minimum_due_minor, "now"),
                    PayPart(payday, None, "payday"),
                ),
                label="minimum now, the rest on payday",
            )
        )
    if offers and remaining >= 2:
        combinations.append(
            Combination(
                parts=(
                    PayPart(statement.due_date, remaining // 2, "now"),
                    InstallmentPart(offers[0], None, "installments"),
                ),
                label="half now, the rest in installments",
            )
        )
    custom = [custom_amount_minor] if custom_amount_minor else []
    chosen = repayment_options(
        terms, today=today, offers=offers, custom_amounts_minor=custom, combinations=combinations
    )
    return [_plain(asdict(option)) for option in chosen]
