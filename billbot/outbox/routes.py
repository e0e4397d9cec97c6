"""The borrower's contact preferences and the history of messages with the reason for each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from billbot.deps import ClockDep, CurrentUser, SessionDep
from billbot.outbox.models import ContactPreferences, OutboxMessage
from billbot.outbox.preferences import preferences, set_stopped, update_preferences

router = APIRouter(prefix="/v1", tags=["borrower: contact"])


class PreferencesUpdate(BaseModel):
    quiet_start: str | None = Field(default=None, description="24-hour local time, e.g. 21:00")
    quiet_end: str | None = None
    quiet_enabled: bool | None = None
    daily_cap: int | None = Field(default=None, strict=True, description="lower only, 0 to 3")
    weekly_cap: int | None = Field(default=None, strict=True, description="lower only, 0 to 10")
    channel_order: list[str] | None = None


def _public(prefs: ContactPreferences) -> dict[str, Any]:
    return {
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "quiet_enabled": prefs.quiet_enabled,
        "daily_cap": prefs.daily_cap,
        "weekly_cap": prefs.weekly_cap,
        "channel_order": [c for c in prefs.channel_order.split(",") if c],
        "stopped": prefs.stopped_at is not None,
        "stopped_at": prefs.stopped_at,
    }


@router.get("/contact-preferences")
def get_preferences(user: CurrentUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Quiet hours, caps, channel order and whether all messages are stopped."""
    assert user.id is not None
    return _public(preferences(session, user_id=user.id, now=clock.now()))


@router.patch("/contact-preferences")
def change_preferences(
    body: PreferencesUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Change quiet hours, lower caps, reorder channels."""
    assert user.id is not None
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return _public(update_preferences(session, user_id=user.id, changes=changes, now=clock.now()))


@router.post("/contact-preferences/stop")
def stop(user: CurrentUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Stop every message on every channel (STOP)."""
    assert user.id is not None
    return _public(set_stopped(session, user_id=user.id, stopped=True, now=clock.now()))


@router.post("/contact-preferences/start")
def start(user: CurrentUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Receive messages again (START)."""
    assert user.id is not None
    return _public(set_stopped(session, user_id=user.id, stopped=False, now=clock.now()))


@router.get("/messages")
def messages(
    user: CurrentUser,
    session: SessionDep,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """Messages billbot sent or held back, newest first, each with why ("why did I get this?")."""
    query = select(OutboxMessage).where(col(OutboxMessage.user_id) == user.id)
    if before is not None:
        query = query.where(col(OutboxMessage.created_at) < before)
    rows = session.exec(
        query.order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc()).limit(
            limit
        )
    ).all()
    return [
        {
            "id": m.id,
            "scenario": m.scenario,
            "status": m.status,
            "text": m.body,
            "channel": m.sent_channel,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "next_attempt_at": m.not_before if m.status in ("pending", "deferred") else None,
            "reason": m.reason,
            "why": m.explanation,
        }
        for m in rows
    ]
