"""Self-imposed limits and the audit of every change to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class LimitScope(StrEnum):
    IDEAL_BILL = "ideal_bill"  # all spending in the currency, per period
    CATEGORY = "category"
    SUB_CATEGORY = "sub_category"
    MERCHANT = "merchant"
    CREDIT_CAP = "credit_cap"  # a self-lowered cap on one account's balance


class LimitPeriod(StrEnum):
    WEEK = "week"  # the borrower's local week, Monday first
    MONTH = "month"  # the local calendar month
    CYCLE = "cycle"  # the account's current statement cycle (needs account_id)


class Limit(SQLModel, table=True):
    """A limit the borrower set themselves; raising it waits out a cooling-off period."""

    __tablename__ = "limits"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    account_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"))
    )
    scope: str = Field(max_length=20)
    target: str | None = Field(default=None, max_length=255)
    period: str | None = Field(default=None, max_length=10)
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    thresholds_bps: str = Field(default="5000,8000,10000", max_length=64)
    hard: bool = Field(default=False, description="decline purchases that would pass it")
    pending_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    pending_removal: bool = Field(default=False)
    pending_effective_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Removal is kept as a state, not a deletion, so the limit's history stays with it.
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LimitChange(SQLModel, table=True):
    """One change to a limit, kept for the borrower's own record."""

    __tablename__ = "limit_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    limit_id: int = Field(
        sa_column=Column(ForeignKey("limits.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    action: str = Field(max_length=30)
    old_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    new_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    effective_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
