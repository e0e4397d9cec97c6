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
    # Custom due dates: the days a borrower may choose ("1-28", "5,10,15,20-25"), how often
    # (months), and the fewest days the issuer leaves between a closing date and its due date.
    due_day_allowed: str = "1-28"
    due_day_change_months: int = Field(default=12, ge=0, le=120)
    due_day_min_grace_days: int = Field(default=10, ge=0, le=60)
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
    # Email (the weekly digest): SMTP when a host is set, else `.eml` files in `mail_folder`.
    email_from_address: str = "billbot <digest@billbot.localhost>"
    digest_unsubscribe_mailto: str = "unsubscribe@billbot.localhost"
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = False
    smtp_start_tls: bool | None = None
    mail_folder: str = "var/mail"
    # Chat channels (billbot/channel_config.py): each is enabled when its credentials are set;
    # the base URLs point tests and benchmarks at local fakes.
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    whatsapp_access_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_graph_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"
    whatsapp_template_name: str = "billbot_update"
    whatsapp_template_language: str = "en"
    messenger_page_access_token: str | None = None
    messenger_app_secret: str | None = None
    messenger_verify_token: str | None = None
    messenger_graph_base_url: str = "https://graph.facebook.com"
    messenger_api_version: str = "v23.0"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_base_url: str = "https://slack.com/api"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_status_callback_url: str | None = None
    twilio_webhook_url: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    # Sending-rate overrides, e.g. "telegram:global=20,per_chat=1;sms:global=3" (messages/s).
    channel_rate_limits: str = ""

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
