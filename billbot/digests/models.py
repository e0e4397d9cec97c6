"""Weekly digest subscriptions: who gets the digest email, and when it is next due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime

DEFAULT_SEND_DAY = 0  # Monday (0 Monday … 6 Sunday, as `date.weekday()`)
DEFAULT_SEND_TIME = "08:00"


class DigestSubscription(SQLModel, table=True):
    """One borrower's weekly digest: subscribed or not, their local send moment, the next one.

    A borrower without a row is subscribed with the defaults; the sweep adds their row.
    `next_send_at` (UTC) is what the sweep selects on, so it reads only the digests now due.
    """

    __tablename__ = "digest_subscriptions"
    __table_args__ = (Index("ix_digest_subscriptions_due", "subscribed", "next_send_at"),)

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    subscribed: bool = Field(default=True)
    send_day: int = Field(default=DEFAULT_SEND_DAY, ge=0, le=6)
    send_time: str = Field(default=DEFAULT_SEND_TIME, max_length=5)
    next_send_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    unsubscribed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    unsubscribed_via: str | None = Field(default=None, max_length=20)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
