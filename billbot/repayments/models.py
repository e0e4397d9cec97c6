"""Repayments and their allocation, due-day changes, installment plans and the borrowing profile."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, UniqueConstraint
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


class DueDayChange(SQLModel, table=True):
    """A borrower's change of an account's due day: its history and its frequency check."""

    __tablename__ = "due_day_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    from_rule: str = Field(max_length=20)
    from_value: int
    to_day: int
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class InstallmentPlan(SQLModel, table=True):
    """A statement (or part of it) or a purchase converted to installments at the issuer's price."""

    __tablename__ = "installment_plans"
    __table_args__ = (UniqueConstraint("transaction_id", name="uq_installment_plans_purchase"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    source: str = Field(max_length=20)  # "statement" or "purchase"
    statement_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("statements.id", ondelete="SET NULL"))
    )
    transaction_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("transactions.id", ondelete="SET NULL"))
    )
    converted_statement_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("statements.id", ondelete="SET NULL")),
        description="the statement of the cycle the conversion was made in (it carries the credit)",
    )
    currency: str = Field(max_length=3)
    principal_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    term_months: int
    pricing: str = Field(max_length=20)
    rate_bps: int
    fees_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    interest_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class InstallmentItem(SQLModel, table=True):
    """One installment: it posts on its cycle's closing date and lands on that cycle's statement."""

    __tablename__ = "installment_items"
    __table_args__ = (
        UniqueConstraint("plan_id", "seq", name="uq_installment_items_seq"),
        Index("ix_installment_items_account_post", "account_id", "post_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(
            ForeignKey("installment_plans.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    seq: int
    post_date: date = Field(sa_column=Column(Date, nullable=False))
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    principal_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    interest_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    statement_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("statements.id", ondelete="SET NULL"), index=True),
    )


class BorrowingProfile(SQLModel, table=True):
    """What the borrower told us for planning: income and the share of it they allow for
    installments, and the payoff order they chose. A missing row means nothing declared."""

    __tablename__ = "borrowing_profiles"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    monthly_income_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    income_currency: str | None = Field(default=None, max_length=3)
    income_share_bps: int = Field(default=3_000)
    payoff_strategy: str | None = Field(default=None, max_length=20)
    payoff_currency: str | None = Field(default=None, max_length=3)
    payoff_budget_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    payoff_order: str = Field(
        default="", max_length=500, description="account ids, comma-separated"
    )
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
