"""Request dependencies: the session that owns the transaction, the clock, the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.clock import Clock
from billbot.errors import AuthError, BillbotError, ForbiddenError, NotFoundError
from billbot.settings import Settings
from billbot.users.models import User
from billbot.users.security import read_token
from billbot.users.service import api_key_scopes, get_user

_bearer = HTTPBearer(auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds."""
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BillbotError as exc:
            if exc.keep_changes:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_current_user(
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The signed-in borrower named by the bearer token."""
    if credentials is None:
        raise AuthError("sign in first: send `Authorization: Bearer <token>`")
    user_id = read_token(credentials.credentials, secret=settings.secret_key, now=clock.now())
    try:
        return get_user(session, user_id)
    except NotFoundError as exc:
        raise AuthError("the account behind this token no longer exists") from exc


CurrentUser = Annotated[User, Depends(get_current_user)]


def operator(scope: str) -> Callable[..., None]:
    """A dependency that admits only operator keys holding `scope`."""

    def check(session: SessionDep, key: Annotated[str | None, Depends(_api_key)]) -> None:
        if not key:
            raise AuthError(
                "operator endpoints need an `X-API-Key` header", code="auth.api_key_required"
            )
        if scope not in api_key_scopes(session, key):
            raise ForbiddenError(f"this API key lacks the {scope!r} scope", code="auth.scope")

    return check
