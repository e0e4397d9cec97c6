"""Card, credit-line and BNPL transactions.

Sign convention: `amount_minor` is what the movement does to the balance the borrower owes.
Positive amounts add to it (purchases, fees, interest, cash advances); negative amounts reduce it
(refunds, repayments, other credits). So a $12.50 coffee is `1250` and its refund is `-1250`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import BigIntPK, UTCDateTime


class TransactionKind(StrEnum):
    PURCHASE = "purchase"
    REFUND = "refund"
    FEE = "fee"
    INTEREST = "interest"
    REPAYMENT = "repayment"
    CASH_ADVANCE = "cash_advance"


class TransactionStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"


# Which sign each kind must carry; a refund that adds to the balance is an input error.
CREDIT_KINDS = frozenset({TransactionKind.REFUND, TransactionKind.REPAYMENT})


class Transaction(SQLModel, table=True):
    """One movement on an account, unique per (account, external id)."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id", name="uq_transactions_account_external"),
        Index("ix_transactions_user_date", "user_id", "local_date"),
        # Covers the breakdown and report reads: grouped by labels in index order, no table rows.
        Index(
            "ix_transactions_spending",
            "user_id",
            "currency",
            "kind",
            "status",
            "category",
            "sub_category",
            "merchant_name",
            "local_date",
            "amount_minor",
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True))
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    statement_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("statements.id", ondelete="SET NULL"))
    )
    external_id: str = Field(max_length=128)
    posted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    local_date: date = Field(sa_column=Column(Date, nullable=False))
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    merchant_raw: str = Field(default="", max_length=255)
    merchant_name: str = Field(default="", max_length=255)
    mcc: str | None = Field(default=None, max_length=4)
    kind: str = Field(default=TransactionKind.PURCHASE, max_length=20)
    status: str = Field(default=TransactionStatus.POSTED, max_length=10)
    category: str | None = Field(default=None, max_length=40)
    sub_category: str | None = Field(default=None, max_length=60)
    category_source: str | None = Field(default=None, max_length=20)
    category_rule: str | None = Field(default=None, max_length=255)
    # What the explanation quotes (a rule's label, an MCC's description), so it can be re-told.
    category_detail: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SpendingDay(SQLModel, table=True):
    """A borrower's transactions of one local day, account, currency, kind and labels, summed.

    Kept up to date with every ingest (`billbot.transactions.spending_days`), so readers of weeks
    or months of one borrower's spending read a row a day and label instead of every transaction.
    Labels a transaction lacks are stored as "" (a key column cannot be NULL).
    """

    __tablename__ = "spending_days"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    local_date: date = Field(sa_column=Column(Date, primary_key=True))
    account_id: int = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    currency: str = Field(max_length=3, primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    category: str = Field(default="", max_length=40, primary_key=True)
    sub_category: str = Field(default="", max_length=60, primary_key=True)
    entries: int = Field(sa_column=Column(Integer, nullable=False))
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Every amount of the group, comma-separated: medians and amount thresholds read these.
    amounts: str = Field(sa_column=Column(Text, nullable=False))


class SpendingStamp(SQLModel, table=True):
    """A random stamp a borrower's `spending_days` get anew with every change to them.

    Processes that keep a borrower's days (`billbot.transactions.kept_days`) use them only while
    the stored stamp is the one they were kept at.
    """

    __tablename__ = "spending_stamps"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    stamp: int = Field(sa_column=Column(BigInteger, nullable=False))
