"""The inbound events already taken in, so a provider's re-delivery is recognised and dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class InboundReceipt(SQLModel, table=True):
    """One provider message or event id seen on one channel.

    `provider_key` is the SHA-256 of the provider's id (a Telegram id embeds the chat id): a
    fixed-width key that says nothing about the sender.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("channel", "provider_key", name="uq_inbound_events_provider"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    provider_key: str = Field(max_length=64)
    kind: str = Field(max_length=20)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
