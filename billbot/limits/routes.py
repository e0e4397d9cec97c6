"""The borrower's self-imposed limits, and the issuer's pre-purchase check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, status
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, operator
from billbot.limits import service
from billbot.limits.check import Purchase, check_purchase
from billbot.limits.models import Limit
from billbot.limits.progress import progress_for, progress_json
from billbot.limits.schemas import (
    LimitChangePublic,
    LimitChangeRequest,
    LimitCreate,
    LimitPublic,
    PurchaseCheckRequest,
)
from billbot.limits.suggestions import suggestions_for
from billbot.operator.service import find_user
from billbot.users.models import User

router = APIRouter(prefix="/v1/limits", tags=["borrower: limits"])
operator_router = APIRouter(prefix="/operator/v1", tags=["operator"])


def _public(session: Session, user: User, limits: list[Limit], now: Any) -> list[LimitPublic]:
    accounts = {
        a.id: a
        for a in session.exec(select(Account).where(col(Account.user_id) == user.id)).all()
        if a.id
    }
    progress = progress_for(
        session, limits=limits, accounts=accounts, time_zone=user.time_zone, now=now
    )
    return [
        LimitPublic.model_validate(limit).model_copy(
            update={"progress": progress_json(progress[limit.id][0])}
        )
        for limit in limits
        if limit.id is not None
    ]


@router.get("")
def list_limits(user: CurrentUser, session: SessionDep, clock: ClockDep) -> list[LimitPublic]:
    """The borrower's limits with this period's progress, zone and what is left per day."""
    assert user.id is not None
    now = clock.now()
    return _public(session, user, service.list_limits(session, user_id=user.id, now=now), now)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_limit(
    body: LimitCreate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> LimitPublic:
    """Set a limit; it takes effect at once."""
    assert user.id is not None
    now = clock.now()
    limit = service.create_limit(session, user_id=user.id, now=now, **body.model_dump())
    return _public(session, user, [limit], now)[0]


@router.get("/suggestions")
def suggestions(user: CurrentUser, session: SessionDep, clock: ClockDep) -> list[dict[str, Any]]:
    """Suggested limits from the last six complete months, each explained in one line."""
    assert user.id is not None
    return suggestions_for(session, user_id=user.id, time_zone=user.time_zone, now=clock.now())


@router.get("/{limit_id}")
def get_limit(
    limit_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> LimitPublic:
    """One limit with its progress."""
    assert user.id is not None
    now = clock.now()
    return _public(
        session,
        user,
        [service.get_limit(session, user_id=user.id, limit_id=limit_id, now=now)],
        now,
    )[0]


@router.patch("/{limit_id}")
def change_limit(
    limit_id: int,
    body: LimitChangeRequest,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> LimitPublic:
    """Lowering applies at once; raising waits out the cooling-off and can be cancelled."""
    assert user.id is not None
    now = clock.now()
    limit = service.get_limit(session, user_id=user.id, limit_id=limit_id, now=now)
    cooling = timedelta(hours=settings.limit_cooling_off_hours)
    service.change_amount(
        session, limit=limit, amount_minor=body.amount_minor, now=now, cooling_off=cooling
    )
    return _public(session, user, [limit], now)[0]


@router.post("/{limit_id}/cancel-pending")
def cancel_pending(
    limit_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> LimitPublic:
    """Keep the limit as it is: drop a raise or removal that is still cooling off."""
    assert user.id is not None
    now = clock.now()
    limit = service.get_limit(session, user_id=user.id, limit_id=limit_id, now=now)
    service.cancel_pending(session, limit=limit, now=now)
    return _public(session, user, [limit], now)[0]


@router.delete("/{limit_id}")
def remove_limit(
    limit_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> LimitPublic:
    """Ask to remove a limit; like a raise, it happens after the cooling-off."""
    assert user.id is not None
    now = clock.now()
    limit = service.get_limit(session, user_id=user.id, limit_id=limit_id, now=now)
    service.request_removal(
        session, limit=limit, now=now, cooling_off=timedelta(hours=settings.limit_cooling_off_hours)
    )
    return LimitPublic.model_validate(limit)


@router.get("/{limit_id}/history")
def limit_history(
    limit_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> list[LimitChangePublic]:
    """Every change to the limit: created, lowered, raise requested, applied or cancelled."""
    assert user.id is not None
    limit = service.get_limit(session, user_id=user.id, limit_id=limit_id, now=clock.now())
    return [LimitChangePublic.model_validate(c) for c in service.history(session, limit=limit)]


@operator_router.post(
    "/users/{user_id}/purchase-check", dependencies=[Depends(operator("limits:check"))]
)
def purchase_check(
    user_id: int, body: PurchaseCheckRequest, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Would this purchase break the borrower's own limits? allow / warn / decline."""
    user = find_user(session, user_id)
    purchase = Purchase(**body.model_dump() | {"currency": body.currency.upper()})
    return check_purchase(session, user=user, purchase=purchase, now=clock.now())
