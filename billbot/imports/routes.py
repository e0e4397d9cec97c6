"""Borrower file uploads (CSV, OFX/QFX, QIF)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from billbot.accounts.service import get_account
from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.imports.service import import_parsed, parse_upload

router = APIRouter(prefix="/v1/accounts", tags=["borrower: imports"])


@router.post("/{account_id}/imports")
def import_file(
    account_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV, OFX/QFX or QIF export")],
    profile: Annotated[str | None, Form(description="CSV mapping profile")] = None,
    date_order: Annotated[str | None, Form(pattern="^(dmy|mdy|ymd)$")] = None,
    source_account: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Import a statement file into one of the borrower's accounts: all rows or none."""
    assert user.id is not None
    account = get_account(session, user_id=user.id, account_id=account_id)
    data = file.file.read(settings.max_upload_bytes + 1)
    parsed = parse_upload(
        data,
        account=account,
        filename=file.filename,
        profile=profile,
        date_order=date_order,
        max_bytes=settings.max_upload_bytes,
        time_zone=user.time_zone,
    )
    summary = import_parsed(
        session,
        account=account,
        time_zone=user.time_zone,
        parsed=parsed,
        now=clock.now(),
        source_account=source_account,
        categorise=request.app.state.categorise,
        after_store=request.app.state.after_store,
    )
    return asdict(summary)
