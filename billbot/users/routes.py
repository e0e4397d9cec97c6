"""Sign-up, sign-in and the borrower's profile."""

from __future__ import annotations

from fastapi import APIRouter, status

from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.users import service
from billbot.users.schemas import LoginRequest, TokenPublic, UserCreate, UserPublic, UserUpdate
from billbot.users.security import issue_token

router = APIRouter(prefix="/v1", tags=["borrower: account"])


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED)
def signup(body: UserCreate, session: SessionDep, clock: ClockDep) -> UserPublic:
    """Register as a borrower."""
    user = service.create_user(
        session, email=body.email, password=body.password, profile=body, now=clock.now()
    )
    return UserPublic.model_validate(user)


@router.post("/auth/login")
def login(
    body: LoginRequest, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> TokenPublic:
    """Exchange email and password for an access token."""
    now = clock.now()
    user = service.authenticate(
        session, email=body.email, password=body.password, now=now, settings=settings
    )
    assert user.id is not None
    token = issue_token(
        user.id, secret=settings.secret_key, now=now, minutes=settings.access_token_minutes
    )
    return TokenPublic(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    """The signed-in borrower."""
    return UserPublic.model_validate(user)


@router.patch("/me")
def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserPublic:
    """Change display name, language or time zone."""
    return UserPublic.model_validate(service.update_user(session, user=user, changes=body))
