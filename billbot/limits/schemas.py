"""What the API accepts and returns for limits and the pre-purchase check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billbot.limits.models import LimitPeriod, LimitScope


class LimitCreate(BaseModel):
    scope: LimitScope
    amount_minor: int = Field(ge=0, strict=True)
    currency: str = Field(min_length=3, max_length=3)
    target: str | None = Field(
        default=None, max_length=255, description="category or sub-category slug, or merchant name"
    )
    period: LimitPeriod | None = None
    account_id: int | None = None
    thresholds_bps: str = Field(default="5000,8000,10000", max_length=64)
    hard: bool = Field(default=False, description="decline purchases that would pass this limit")


class LimitChangeRequest(BaseModel):
    amount_minor: int = Field(ge=0, strict=True)


class LimitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scope: str
    target: str | None
    period: str | None
    account_id: int | None
    currency: str
    amount_minor: int
    thresholds_bps: str
    hard: bool
    pending_amount_minor: int | None
    pending_removal: bool
    pending_effective_at: datetime | None
    created_at: datetime
    updated_at: datetime
    progress: dict[str, Any] | None = None


class LimitChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    old_amount_minor: int | None
    new_amount_minor: int | None
    at: datetime
    effective_at: datetime | None


class PurchaseCheckRequest(BaseModel):
    amount_minor: int = Field(gt=0, strict=True)
    currency: str = Field(min_length=3, max_length=3)
    merchant: str = Field(min_length=1, max_length=255)
    mcc: str | None = Field(default=None, pattern=r"^\d{4}$")
    account_id: int | None = None
