"""Borrowers: sign-up, sign-in with a shared rate limiter, profile, operator keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from billbot.errors import AuthError, ConflictError, NotFoundError, TooManyRequests
from billbot.settings import Settings
from billbot.users.models import ApiKey, LoginFailure, User
from billbot.users.schemas import UserBase, UserUpdate
from billbot.users.security import hash_api_key, hash_password, new_api_key, verify_password

OPERATOR_SCOPES = frozenset(
    {"transactions:write", "users:write", "limits:check", "repayments:write", "rules:write"}
)


def create_user(
    session: Session, *, email: str, password: str | None, profile: UserBase, now: datetime
) -> User:
    """Register a borrower; an email already registered is a conflict."""
    user = User(
        email=email.strip().lower(),
        display_name=profile.display_name,
        locale=profile.locale,
        time_zone=profile.time_zone,
        currency=profile.currency,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(
            "an account with this email already exists; sign in instead", code="user.exists"
        ) from exc
    return user


def get_user(session: Session, user_id: int) -> User:
    """The user with `user_id`, or NotFoundError."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user", code="user.not_found")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user registered with `email`, if any."""
    return session.exec(select(User).where(col(User.email) == email.strip().lower())).first()


def update_user(session: Session, *, user: User, changes: UserUpdate) -> User:
    """Apply the fields a borrower changed."""
    for field, value in changes.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(user, field, value)
    session.flush()
    return user


def authenticate(
    session: Session, *, email: str, password: str, now: datetime, settings: Settings
) -> User:
    """Check credentials, refusing after too many recent failures for the same email."""
    email = email.strip().lower()
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    failures = session.execute(
        select(func.count(), func.min(LoginFailure.failed_at)).where(
            col(LoginFailure.email) == email, col(LoginFailure.failed_at) > window_start
        )
    ).one()
    if failures[0] >= settings.login_attempts_per_window:
        oldest: datetime = failures[1]
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        retry_after = max(1, int((oldest - window_start).total_seconds()) + 1)
        raise TooManyRequests(
            "too many failed sign-in attempts; wait a few minutes and try again",
            retry_after=retry_after,
            code="auth.locked",
        )
    user = find_user_by_email(session, email)
    if user is None or not verify_password(password, user.password_hash):
        session.add(LoginFailure(email=email, failed_at=now))
        session.execute(delete(LoginFailure).where(col(LoginFailure.failed_at) < window_start))
        session.flush()
        error = AuthError("email or password is wrong", code="auth.invalid_credentials")
        error.keep_changes = True  # the failure must count even though the request fails
        raise error
    session.execute(delete(LoginFailure).where(col(LoginFailure.email) == email))
    return user


def create_api_key(
    session: Session, *, name: str, scopes: set[str], now: datetime
) -> tuple[ApiKey, str]:
    """A new operator key; the plain key is returned once and never stored."""
    unknown = scopes - OPERATOR_SCOPES
    if unknown:
        raise ConflictError(
            f"unknown scopes {sorted(unknown)}; known: {sorted(OPERATOR_SCOPES)}",
            code="apikey.bad_scope",
        )
    key, prefix, digest = new_api_key()
    record = ApiKey(
        name=name, prefix=prefix, key_hash=digest, scopes=" ".join(sorted(scopes)), created_at=now
    )
    session.add(record)
    session.flush()
    return record, key


def api_key_scopes(session: Session, key: str) -> set[str]:
    """The scopes of a live key; AuthError for an unknown or revoked one."""
    record = session.exec(select(ApiKey).where(col(ApiKey.key_hash) == hash_api_key(key))).first()
    if record is None or record.revoked_at is not None:
        raise AuthError("the API key is not valid", code="auth.bad_api_key")
    return set(record.scopes.split())
