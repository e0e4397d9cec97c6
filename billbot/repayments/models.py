"""Repayments and how each was allocated to statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class Repayment(SQLModel, table=True):
    """Money the borrower paid towards an account; `amount_minor` is positive."""

    __tablename__ = "repayments"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id", name="uq_repayments_account_external"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    transaction_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("transactions.id", ondelete="SET NULL"))
    )
    external_id: str = Field(max_length=128)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    paid_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    funding_source: str = Field(default="", max_length=80)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RepaymentAllocation(SQLModel, table=True):
    """The part of a repayment applied to one statement."""

    __tablename__ = "repayment_allocations"

    id: int | None = Field(default=None, primary_key=True)
    repayment_id: int = Field(
        sa_column=Column(
            ForeignKey("repayments.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    statement_id: int = Field(
        sa_column=Column(
            ForeignKey("statements.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
