"""The consumer app's chat with the bot: send a message, read the conversation."""

from __future__ import annotations

from typing import Any

import anyio.from_thread
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from billbot.deps import ClockDep, CurrentUser, SessionDep
from billbot.errors import NotFoundError
from billbot.webchat import service
from billbot.webhooks.delivery import deliver_now
from billbot.webhooks.service import app_channels, reply_dispatcher

router = APIRouter(prefix="/v1/chat", tags=["borrower: chat"])


class ChatMessageIn(BaseModel):
    """Either what the borrower typed or the id of a button they pressed."""

    text: str | None = Field(default=None, max_length=service.MAX_TEXT)
    button_id: str | None = Field(default=None, min_length=1, max_length=256)


@router.post("/messages")
def send_message(
    body: ChatMessageIn,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """Write to the bot; the answer comes back in `replies` (and in the conversation)."""
    adapter = app_channels(request.app.state).get(service.CHANNEL)
    if adapter is None:
        raise NotFoundError("web chat is not enabled here", code="chat.disabled")
    said = service.write(
        session,
        user=user,
        capabilities=adapter.capabilities,
        now=clock.now(),
        text=body.text,
        button_id=body.button_id,
    )
    session.commit()
    if said.handled.replies:
        dispatcher = reply_dispatcher(request.app.state)
        anyio.from_thread.run(deliver_now, dispatcher, said.handled.replies)
    assert user.id is not None and said.message.id is not None
    lines = service.conversation(session, user_id=user.id, after=said.message.id - 1)
    mine = [service.public(line) for line in lines]
    return {
        "message": mine[0],
        "replies": [line for line in mine[1:] if line["direction"] == "out"],
        "next_after": mine[-1]["id"],
    }


@router.get("/messages")
def messages(
    user: CurrentUser,
    session: SessionDep,
    after: int = Query(0, ge=0, description="the last message id already shown"),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """The web chat conversation after message `after`, oldest first."""
    assert user.id is not None
    lines = service.conversation(session, user_id=user.id, after=after, limit=limit)
    return {
        "messages": [service.public(line) for line in lines],
        "next_after": lines[-1].id if lines else after,
    }
