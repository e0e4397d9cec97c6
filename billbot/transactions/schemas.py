"""What the API accepts and returns for transactions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from billbot.transactions.models import TransactionKind, TransactionStatus


class TransactionIn(BaseModel):
    """One transaction as an issuer posts it; see the sign convention in the README."""

    external_id: str = Field(min_length=1, max_length=128)
    posted_at: AwareDatetime
    amount_minor: int = Field(strict=True, description="minor units; positive adds to what is owed")
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    merchant: str = Field(default="", max_length=255)
    mcc: str | None = Field(default=None, pattern=r"^\d{4}$")
    kind: TransactionKind = TransactionKind.PURCHASE
    status: TransactionStatus = TransactionStatus.POSTED


class TransactionBatch(BaseModel):
    transactions: list[TransactionIn] = Field(min_length=1)


class IngestItem(BaseModel):
    index: int
    external_id: str
    outcome: Literal["created", "duplicate", "updated", "rejected"]
    id: int | None = None
    reason: str | None = None


class IngestSummary(BaseModel):
    created: int
    duplicates: int
    updated: int
    rejected: int
    items: list[IngestItem] | None = None


class TransactionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    statement_id: int | None
    external_id: str
    posted_at: datetime
    local_date: date
    amount_minor: int
    currency: str
    merchant_raw: str
    merchant_name: str
    mcc: str | None
    kind: str
    status: str
    category: str | None
    sub_category: str | None
    category_source: str | None
    category_rule: str | None
