"""The borrower's transactions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from billbot.deps import CurrentUser, SessionDep
from billbot.transactions import service
from billbot.transactions.schemas import TransactionPublic

router = APIRouter(prefix="/v1/transactions", tags=["borrower: transactions"])


@router.get("")
def list_transactions(
    user: CurrentUser,
    session: SessionDep,
    account_id: int | None = None,
    statement_id: int | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    before_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TransactionPublic]:
    """Transactions, newest first; filter by account, statement or local dates."""
    assert user.id is not None
    rows = service.list_transactions(
        session,
        user_id=user.id,
        account_id=account_id,
        statement_id=statement_id,
        date_from=date_from,
        date_to=date_to,
        before_id=before_id,
        limit=limit,
    )
    return [TransactionPublic.model_validate(r) for r in rows]


@router.get("/{transaction_id}")
def get_transaction(
    transaction_id: int, user: CurrentUser, session: SessionDep
) -> TransactionPublic:
    """One transaction."""
    assert user.id is not None
    row = service.get_transaction(session, user_id=user.id, transaction_id=transaction_id)
    return TransactionPublic.model_validate(row)
