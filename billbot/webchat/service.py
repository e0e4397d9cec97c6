"""Web chat: the borrower writes through the consumer API; the bot answers through the outbox.

What the borrower writes is stored here at once. What the bot sends on web chat (answers and
reminders alike) is an outbox message sent on the `webchat` channel; it joins the stored
conversation when the conversation is next read, once per outbox message, so the conversation
has one id sequence a client can poll with `after`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, exists
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from billbot.errors import ValidationFailed
from billbot.outbox.models import OutboxMessage, OutboxStatus
from billbot.users.models import User
from billbot.webchat.models import WebChatMessage
from billbot.webhooks.conversation import Handled, converse_as
from channels import Capabilities

CHANNEL = "webchat"
MAX_TEXT = 2000


@dataclass(frozen=True)
class Said:
    """What the borrower sent and what processing it queued."""

    message: WebChatMessage
    handled: Handled


def write(
    session: Session,
    *,
    user: User,
    capabilities: Capabilities,
    now: datetime,
    text: str | None = None,
    button_id: str | None = None,
) -> Said:
    """Store the borrower's message and queue the bot's answer on web chat (flushes only)."""
    if (text is None) == (button_id is None) or (text is not None and not text.strip()):
        raise ValidationFailed("send either some text or a button id", code="chat.empty")
    if text is not None and len(text) > MAX_TEXT:
        raise ValidationFailed(f"messages are at most {MAX_TEXT} characters", code="chat.too_long")
    assert user.id is not None
    shown = text if text is not None else _button_title(session, user.id, button_id or "")
    stored = WebChatMessage(
        user_id=user.id, direction="in", text=shown, button_id=button_id, at=now
    )
    session.add(stored)
    session.flush()
    handled = converse_as(
        session,
        user=user,
        channel=CHANNEL,
        address=str(user.id),
        inbound_id=f"webchat:{stored.id}",
        capabilities=capabilities,
        now=now,
        text=text,
        button_id=button_id,
    )
    return Said(stored, handled)


def _button_title(session: Session, user_id: int, button_id: str) -> str:
    """The title of the pressed button in the latest bot message that offered it."""
    offered = session.exec(
        select(WebChatMessage.buttons)
        .where(
            col(WebChatMessage.user_id) == user_id,
            col(WebChatMessage.direction) == "out",
            col(WebChatMessage.buttons) != "[]",
        )
        .order_by(col(WebChatMessage.id).desc())
        .limit(5)
    ).all()
    for buttons in offered:
        for button in json.loads(buttons):
            if button.get("id") == button_id:
                return str(button.get("title") or button_id)
    return button_id


def sync_sent(session: Session, *, user_id: int) -> int:
    """Add the bot messages sent on web chat since the last read; returns how many."""
    mirrored = exists().where(col(WebChatMessage.outbox_message_id) == col(OutboxMessage.id))
    sent = session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.user_id) == user_id,
            col(OutboxMessage.sent_channel) == CHANNEL,
            col(OutboxMessage.status) == OutboxStatus.SENT,
            ~mirrored,
        )
        .order_by(col(OutboxMessage.sent_at), col(OutboxMessage.id))
    ).all()
    if not sent:
        return 0
    table: Table = WebChatMessage.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {
            "user_id": user_id,
            "direction": "out",
            "text": message.body,
            "buttons": message.buttons,
            "outbox_message_id": message.id,
            "at": message.sent_at or message.created_at,
        }
        for message in sent
    ]
    statement = (
        dialect.insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["outbox_message_id"])
    )
    added: int = session.execute(statement).rowcount  # type: ignore[attr-defined]
    return added


def conversation(
    session: Session, *, user_id: int, after: int = 0, limit: int = 50
) -> list[WebChatMessage]:
    """The borrower's web chat after message `after`, oldest first."""
    sync_sent(session, user_id=user_id)
    return list(
        session.exec(
            select(WebChatMessage)
            .where(col(WebChatMessage.user_id) == user_id, col(WebChatMessage.id) > after)
            .order_by(col(WebChatMessage.id))
            .limit(limit)
        ).all()
    )


def public(message: WebChatMessage) -> dict[str, Any]:
    """A conversation line as the API shows it."""
    return {
        "id": message.id,
        "direction": message.direction,
        "text": message.text,
        "buttons": json.loads(message.buttons),
        "button_id": message.button_id,
        "at": message.at,
    }
