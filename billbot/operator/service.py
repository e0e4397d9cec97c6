"""Lookups for the operator API, which may address any customer of the issuer."""

from __future__ import annotations

from sqlmodel import Session

from billbot.accounts.models import Account
from billbot.errors import NotFoundError
from billbot.users.models import User


def find_user(session: Session, user_id: int) -> User:
    """An enrolled user, or NotFoundError."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}", code="user.not_found")
    return user


def find_account(session: Session, account_id: int) -> tuple[Account, User]:
    """An account and its holder, or NotFoundError."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}", code="account.not_found")
    return account, find_user(session, account.user_id)
