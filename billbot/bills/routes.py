"""The borrower's statements (bills)."""

from __future__ import annotations

from fastapi import APIRouter

from billbot.bills import queries
from billbot.bills.schemas import StatementPublic
from billbot.deps import ClockDep, CurrentUser, SessionDep

router = APIRouter(prefix="/v1/statements", tags=["borrower: statements"])


@router.get("")
def list_statements(
    user: CurrentUser, session: SessionDep, clock: ClockDep, account_id: int | None = None
) -> list[StatementPublic]:
    """Statements, newest cycle first."""
    rows = queries.list_statements(session, user=user, now=clock.now(), account_id=account_id)
    return [StatementPublic.model_validate(s) for s in rows]


@router.get("/{statement_id}")
def get_statement(
    statement_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> StatementPublic:
    """One statement with what remains due."""
    row = queries.get_statement(session, user=user, statement_id=statement_id, now=clock.now())
    return StatementPublic.model_validate(row)
