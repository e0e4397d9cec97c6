"""Export and erase: the borrower's own data, on request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from billbot.deps import CurrentUser, SessionDep
from billbot.privacy import service

router = APIRouter(prefix="/v1/me", tags=["borrower: privacy"])


@router.get("/export")
def export_my_data(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """All data held about the borrower, as one JSON document."""
    return service.export_user(session, user)


@router.delete("")
def erase_me(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Erase the borrower's account and everything tied to it. This cannot be undone."""
    return {"erased": service.erase_user(session, user)}
