"""The web chat conversation: what the borrower wrote and what the bot sent on web chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class WebChatMessage(SQLModel, table=True):
    """One line of a borrower's web chat; its id is the conversation's cursor.

    Bot lines mirror the outbox messages sent on web chat (`outbox_message_id`, once each), so a
    reminder sent there by the dispatcher shows in the conversation like a reply does.
    """

    __tablename__ = "webchat_messages"
    __table_args__ = (Index("ix_webchat_messages_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    direction: str = Field(max_length=3, description="'in' from the borrower, 'out' from the bot")
    text: str = Field(sa_column=Column(Text, nullable=False))
    button_id: str | None = Field(default=None, max_length=256)
    buttons: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    outbox_message_id: int | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("outbox_messages.id", ondelete="SET NULL"), unique=True, nullable=True
        ),
    )
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
