"""Accounts a borrower holds with an issuer: cards, credit lines, BNPL and debit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class AccountKind(StrEnum):
    CREDIT_CARD = "credit_card"
    CREDIT_LINE = "credit_line"
    BNPL = "bnpl"
    DEBIT = "debit"


class DueRule(StrEnum):
    """How a statement's due date follows from its closing date."""

    DAYS_AFTER_CLOSE = "days_after_close"  # due = closing date + N days
    FIXED_DAY = "fixed_day"  # due = the first day-of-month N after closing (clamped to month end)


class Account(SQLModel, table=True):
    """One account; credit limit and minimum-payment floor in minor units, rates in basis points."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("user_id", "external_ref", name="uq_accounts_user_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    external_ref: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=120)
    issuer: str = Field(default="", max_length=120)
    kind: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    last4: str | None = Field(default=None, max_length=4)
    credit_limit_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    closing_day: int = Field(ge=1, le=31)
    due_rule: str = Field(default=DueRule.DAYS_AFTER_CLOSE, max_length=20)
    due_value: int = Field(default=25, ge=1, le=60)
    apr_bps: int = Field(default=0, ge=0)
    min_payment_bps: int = Field(default=300, ge=0, le=10_000)
    min_payment_floor_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
