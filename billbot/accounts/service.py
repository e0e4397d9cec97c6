"""Opening and finding accounts; every lookup is scoped to its owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.accounts.schemas import AccountCreate
from billbot.errors import ConflictError, NotFoundError


def open_account(session: Session, *, user_id: int, data: AccountCreate, now: datetime) -> Account:
    """Create an account for `user_id`; an external reference may be used once per user."""
    account = Account(user_id=user_id, created_at=now, **data.model_dump())
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(
            f"this user already has an account with reference {data.external_ref!r}",
            code="account.exists",
        ) from exc
    return account


def list_accounts(session: Session, *, user_id: int) -> list[Account]:
    """The user's accounts, oldest first."""
    query = select(Account).where(col(Account.user_id) == user_id).order_by(col(Account.id))
    return list(session.exec(query).all())


def get_account(session: Session, *, user_id: int, account_id: int) -> Account:
    """The account if it belongs to `user_id`; anyone else's looks like it does not exist."""
    account = session.get(Account, account_id)
    if account is None or account.user_id != user_id:
        raise NotFoundError("no such account", code="account.not_found")
    return account


def lock_account(session: Session, account_id: int) -> None:
    """Serialise writers of one account's transactions and statements (row lock on PostgreSQL)."""
    session.execute(text("UPDATE accounts SET id = id WHERE id = :id"), {"id": account_id})
