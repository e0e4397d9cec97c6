"""What the API accepts and returns for borrowers and sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from billbot.clock import zone
from billbot.money import currency_code

Locale = Literal["en", "zh-CN"]


class UserBase(BaseModel):
    display_name: str = Field(min_length=1, max_length=120)
    locale: Locale = "en"
    time_zone: str = Field(default="UTC", max_length=64)
    currency: str = Field(default="USD", min_length=3, max_length=3)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        return currency_code(value)


class UserCreate(UserBase):
    email: EmailStr
    password: str = Field(min_length=10, max_length=256)


class UserOperatorCreate(UserBase):
    """An issuer enrolling one of its customers; they set a password later (or never: bot only)."""

    email: EmailStr
    password: str | None = Field(default=None, min_length=10, max_length=256)


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    locale: Locale | None = None
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    locale: str
    time_zone: str
    currency: str
    created_at: datetime


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(max_length=256)


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_in: int
