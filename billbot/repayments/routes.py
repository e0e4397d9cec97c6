"""Repayment choices for a statement, stated honestly."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from billbot.accounts.models import Account
from billbot.bills.queries import get_statement
from billbot.clock import local_date, zone
from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.repayments.statement_options import options_for, parse_offers

router = APIRouter(prefix="/v1/statements", tags=["borrower: repayment"])


@router.get("/{statement_id}/repayment-options")
def repayment_options(
    statement_id: int,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    custom_amount_minor: Annotated[int | None, Query(gt=0)] = None,
    payday: date | None = None,
) -> list[dict[str, Any]]:
    """In full, the minimum, a custom amount, installments, combined plans: each with its total."""
    now = clock.now()
    statement = get_statement(session, user=user, statement_id=statement_id, now=now)
    account = session.get(Account, statement.account_id)
    assert account is not None
    return options_for(
        statement,
        account,
        today=local_date(now, zone(user.time_zone)),
        offers=parse_offers(settings.installment_offers),
        custom_amount_minor=custom_amount_minor,
        payday=payday,
    )
