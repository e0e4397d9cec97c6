"""Chat identities bound to borrowers, and the one-time codes that bind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class ChatIdentity(SQLModel, table=True):
    """A borrower's address on one messaging channel (a Telegram chat, a phone, a Slack user)."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_chat_identities_address"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    channel: str = Field(max_length=20)
    address: str = Field(max_length=255)
    linked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    consent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    opted_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_inbound_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LinkCode(SQLModel, table=True):
    """A short-lived code the borrower sends to the bot to prove the chat is theirs."""

    __tablename__ = "link_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
