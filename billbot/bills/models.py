"""Statements (bills): one per account per cycle."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class StatementStatus(StrEnum):
    OPEN = "open"  # the cycle is still running
    CLOSED = "closed"  # closed, nothing paid yet, not yet due
    PAID = "paid"  # paid in full
    PARTIALLY_PAID = "partially_paid"  # something paid; after the due date, at least the minimum
    OVERDUE = "overdue"  # due date passed with less than the minimum paid


class Statement(SQLModel, table=True):
    """A billing cycle and what it leaves owing in one currency (dual-currency cards have two).

    Balances are cumulative: a statement's balance is the account's balance in its currency at
    the close.
    """

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "currency", "cycle_start_date", name="uq_statements_account_cycle"
        ),
        Index("ix_statements_status_due", "status", "due_date"),
        # The due-date sweep's "is this the account's newest closed statement?" from the index.
        Index("ix_statements_account_newest", "account_id", "currency", "cycle_end_date", "status"),
        # The due-date sweep reads only the statements whose next reminder date has come.
        Index(
            "ix_statements_next_reminder_on",
            "next_reminder_on",
            sqlite_where=text("next_reminder_on IS NOT NULL"),
            postgresql_where=text("next_reminder_on IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    currency: str = Field(max_length=3)
    cycle_start_date: date = Field(sa_column=Column(Date, nullable=False))
    cycle_end_date: date = Field(sa_column=Column(Date, nullable=False))
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    opening_balance_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    charges_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    credits_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    statement_balance_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    minimum_due_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    paid_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # Installments landing on this statement (charges); amounts converted to installment plans
    # during this cycle (credits), of which `converted_previous_minor` was owed on the statement
    # before (a statement or one of its purchases converted): that part counts as paid against it.
    installments_minor: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    converted_minor: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    converted_previous_minor: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    status: str = Field(default=StatementStatus.OPEN, max_length=20)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The local date (borrower's time zone) from which the due-date sweep may have a reminder to
    # queue; NULL: none until the statement changes (`billbot.bills.reminder_dates`).
    next_reminder_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
