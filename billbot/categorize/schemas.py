"""What the API accepts and returns for categories, rules and corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from billbot.transactions.schemas import TransactionPublic


class RuleCreate(BaseModel):
    match: Literal["exact", "contains"] = "exact"
    pattern: str = Field(min_length=1, max_length=255, description="a merchant name, or a keyword")
    sub_category: str = Field(min_length=1, max_length=60)
    label: str | None = Field(default=None, max_length=255)


class RuleUpdate(BaseModel):
    match: Literal["exact", "contains"] | None = None
    pattern: str | None = Field(default=None, min_length=1, max_length=255)
    sub_category: str | None = Field(default=None, min_length=1, max_length=60)
    label: str | None = Field(default=None, min_length=1, max_length=255)


class RulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    match: str
    pattern: str
    sub_category: str
    label: str
    created_at: datetime
    updated_at: datetime


class RuleChange(BaseModel):
    rule: RulePublic | None
    recategorised: int


class CorrectionRequest(BaseModel):
    sub_category: str = Field(min_length=1, max_length=60)
    always: bool = Field(
        default=False, description="make a rule for this merchant and apply it to all history"
    )


class CorrectionResult(BaseModel):
    transaction: TransactionPublic
    rule: RulePublic | None
    recategorised: int
