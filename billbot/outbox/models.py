"""The outbox: every message that leaves billbot, written with the event that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its moment
    DEFERRED = "deferred"  # held back by the contact policy until `not_before`
    SENDING = "sending"  # claimed by a dispatcher until `lease_until`
    SENT = "sent"
    FOLDED = "folded"  # to be told in the next digest instead
    SUPPRESSED = "suppressed"  # not to be sent (STOP, switched off, expired): reason recorded
    DEAD = "dead"  # the provider refused it for good, or retries ran out: reason recorded


class OutboxMessage(SQLModel, table=True):
    """One message for one borrower; `dedupe_key` makes a scenario fire once, however often run."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    dedupe_key: str = Field(max_length=255, unique=True)
    scenario: str = Field(max_length=40)
    category: str = Field(max_length=20)
    priority: int = Field(default=1)
    foldable: bool = Field(default=False)
    debt_key: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=20, description="pinned channel")
    subject: str | None = Field(default=None, max_length=255)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    headers: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="JSON object"
    )
    buttons: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    not_before: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    attempts: int = Field(default=0)
    sent_channel: str | None = Field(default=None, max_length=20)
    provider_message_id: str | None = Field(default=None, max_length=255, index=True)
    reason: str | None = Field(default=None, max_length=40)
    explanation: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # What the provider later reported about a sent message (status webhooks).
    delivery_status: str | None = Field(default=None, max_length=12)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    delivery_error: str | None = Field(default=None, max_length=255)


class OutboxAttempt(SQLModel, table=True):
    """Every decision and delivery attempt for a message, for audit and "why did I get this?"."""

    __tablename__ = "outbox_attempts"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(
        sa_column=Column(
            ForeignKey("outbox_messages.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    channel: str | None = Field(default=None, max_length=20)
    outcome: str = Field(max_length=20)
    detail: str | None = Field(default=None, max_length=500)
    retry_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ContactPreferences(SQLModel, table=True):
    """How and when a borrower may be contacted; a missing row means the defaults."""

    __tablename__ = "contact_preferences"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    quiet_start: str = Field(default="21:00", max_length=5)
    quiet_end: str = Field(default="08:00", max_length=5)
    quiet_enabled: bool = Field(default=True)
    daily_cap: int = Field(default=3, ge=0)
    weekly_cap: int = Field(default=10, ge=0)
    channel_order: str = Field(default="", max_length=255, description="comma-separated")
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
