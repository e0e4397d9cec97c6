"""What the API accepts and returns for accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from billbot.accounts.models import AccountKind, DueRule
from billbot.money import currency_code


class AccountCreate(BaseModel):
    """A new account; amounts in minor units of `currency`, rates in basis points."""

    name: str = Field(min_length=1, max_length=120)
    issuer: str = Field(default="", max_length=120)
    kind: AccountKind = AccountKind.CREDIT_CARD
    currency: str = Field(min_length=3, max_length=3)
    external_ref: str | None = Field(default=None, max_length=64)
    last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    credit_limit_minor: int = Field(default=0, ge=0, strict=True)
    closing_day: int = Field(default=25, ge=1, le=31)
    due_rule: DueRule = DueRule.DAYS_AFTER_CLOSE
    due_value: int = Field(default=25, ge=1, le=60)
    apr_bps: int = Field(default=0, ge=0, le=100_000, strict=True)
    min_payment_bps: int = Field(default=300, ge=0, le=10_000, strict=True)
    min_payment_floor_minor: int = Field(default=0, ge=0, strict=True)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        return currency_code(value)

    @model_validator(mode="after")
    def _due_value_fits_rule(self) -> AccountCreate:
        if self.due_rule == DueRule.FIXED_DAY and self.due_value > 31:
            raise ValueError("a fixed due day must be between 1 and 31")
        return self


class AccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    issuer: str
    kind: str
    currency: str
    external_ref: str | None
    last4: str | None
    credit_limit_minor: int
    closing_day: int
    due_rule: str
    due_value: int
    apr_bps: int
    min_payment_bps: int
    min_payment_floor_minor: int
    created_at: datetime
