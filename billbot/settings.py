"""Runtime configuration: every setting is read from a `BILLBOT_*` environment variable."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"  # noqa: S105 - the sentinel refused outside development


class Settings(BaseSettings):
    """One settings object for the whole service."""

    model_config = SettingsConfigDict(env_prefix="BILLBOT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default="sqlite:///var/billbot.db")
    secret_key: str = DEFAULT_SECRET
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    default_locale: Literal["en", "zh-CN"] = "en"
    default_time_zone: str = "UTC"
    default_currency: str = Field(default="USD", min_length=3, max_length=3)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    login_attempts_per_window: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    installment_offers: str = (
        "3:fee_per_month:60,6:fee_per_month:60,12:fee_per_month:55,24:apr:1500"
    )
    scheduler_enabled: bool = False
    sweep_seconds: int = Field(default=60, ge=1)
    dispatch_seconds: int = Field(default=10, ge=1)
    link_code_minutes: int = Field(default=10, ge=1, le=24 * 60)
    limit_cooling_off_hours: int = Field(default=24, ge=0, le=24 * 30)
    max_batch_transactions: int = Field(default=10_000, ge=1)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    log_level: str = "INFO"
    log_json: bool = False
    public_base_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "production" and self.secret_key == DEFAULT_SECRET:
            # A throwaway key per process: tokens end with the process, and nothing weak signs them.
            self.secret_key = secrets.token_urlsafe(48)
            return self
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "BILLBOT_SECRET_KEY is still the development default; set a long random value "
                "(for instance `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("BILLBOT_SECRET_KEY must be at least 32 characters in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
