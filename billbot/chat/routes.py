"""Linking the borrower's chat apps to their account."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from billbot.chat import linking
from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep

router = APIRouter(prefix="/v1/chat", tags=["borrower: chat"])


class LinkCodePublic(BaseModel):
    code: str
    expires_at: datetime
    how: dict[str, str]


@router.post("/link-codes", status_code=status.HTTP_201_CREATED)
def new_link_code(
    user: CurrentUser, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> LinkCodePublic:
    """A one-time code to send to the bot in a chat app; it expires in a few minutes."""
    assert user.id is not None
    code, expires = linking.issue_code(
        session,
        user_id=user.id,
        now=clock.now(),
        lifetime=timedelta(minutes=settings.link_code_minutes),
    )
    return LinkCodePublic(
        code=code,
        expires_at=expires,
        how={
            "telegram": f"open the bot and send /start {code}",
            "other": f"send {code} to the billbot number or app",
        },
    )


@router.get("/identities")
def identities(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """The chats linked to this account (addresses masked)."""
    assert user.id is not None
    return [
        {
            "id": i.id,
            "channel": i.channel,
            "address": linking.masked(i.address),
            "linked_at": i.linked_at,
            "consent_at": i.consent_at,
            "opted_out": i.opted_out_at is not None,
        }
        for i in linking.list_identities(session, user_id=user.id)
    ]


@router.delete("/identities/{identity_id}", status_code=status.HTTP_204_NO_CONTENT)
def unlink(identity_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Stop using this chat: billbot forgets the link."""
    assert user.id is not None
    linking.unlink(session, user_id=user.id, identity_id=identity_id)
