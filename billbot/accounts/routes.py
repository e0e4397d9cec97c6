"""The borrower's accounts."""

from __future__ import annotations

from fastapi import APIRouter, status

from billbot.accounts import service
from billbot.accounts.schemas import AccountCreate, AccountPublic
from billbot.deps import ClockDep, CurrentUser, SessionDep

router = APIRouter(prefix="/v1/accounts", tags=["borrower: accounts"])


@router.get("")
def list_accounts(user: CurrentUser, session: SessionDep) -> list[AccountPublic]:
    """Every account the borrower holds."""
    assert user.id is not None
    return [
        AccountPublic.model_validate(a) for a in service.list_accounts(session, user_id=user.id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED)
def open_account(
    body: AccountCreate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> AccountPublic:
    """Add an account (for instance a card from another issuer, to import its statements)."""
    assert user.id is not None
    account = service.open_account(session, user_id=user.id, data=body, now=clock.now())
    return AccountPublic.model_validate(account)


@router.get("/{account_id}")
def get_account(account_id: int, user: CurrentUser, session: SessionDep) -> AccountPublic:
    """One of the borrower's accounts."""
    assert user.id is not None
    return AccountPublic.model_validate(
        service.get_account(session, user_id=user.id, account_id=account_id)
    )
