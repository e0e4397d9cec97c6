"""Which channels this instance talks through, built from settings.

A chat channel is enabled when its credentials are set (`BILLBOT_TELEGRAM_*`, `BILLBOT_WHATSAPP_*`,
`BILLBOT_MESSENGER_*`, `BILLBOT_SLACK_*`, `BILLBOT_TWILIO_*`); half a set of credentials is an
error that names what is missing, never a silently disabled channel. The console channel prints
every message in development; web chat (the app's own chat) is always on. Sending-rate
overrides (`BILLBOT_CHANNEL_RATE_LIMITS`) replace the rates an adapter declares.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from billbot.errors import BillbotError
from billbot.settings import Settings
from channels import (
    Channel,
    ConsoleChannel,
    ConsoleSettings,
    EmailChannel,
    MessengerChannel,
    MessengerSettings,
    OutboundMessage,
    RateLimits,
    SlackChannel,
    SlackSettings,
    SmtpSettings,
    TelegramChannel,
    TelegramSettings,
    TwilioSmsChannel,
    TwilioSmsSettings,
    WebChatChannel,
    WebChatSettings,
    WebChatStore,
    WhatsAppChannel,
    WhatsAppSettings,
)
from channels.mailfolder import MailFolderChannel, MailFolderSettings

__all__ = ["ChannelConfigError", "build_channels", "parse_rate_limits"]

log = logging.getLogger("billbot.channels")


class ChannelConfigError(BillbotError):
    """The channel settings are incomplete or malformed (raised at start-up)."""

    status_code = 500
    code = "channel_config.invalid"


def _keep_in_outbox(message_id: str, message: OutboundMessage) -> None:
    """Web chat's default store: the sent outbox row (body, buttons, time) is the durable copy."""


def _credentials(settings: Settings, prefix: str, required: tuple[str, ...]) -> bool:
    """Whether all of a channel's required settings are set; raise if only some are."""
    values = {name: getattr(settings, f"{prefix}_{name}") for name in required}
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(values):
        return False
    if missing:
        names = ", ".join(f"BILLBOT_{prefix}_{name}".upper() for name in missing)
        raise ChannelConfigError(
            f"the {prefix} channel is half configured: set {names} too, or unset the rest",
            missing=[f"BILLBOT_{prefix}_{name}".upper() for name in missing],
        )
    return True


def _telegram(s: Settings) -> Channel | None:
    if not _credentials(s, "telegram", ("bot_token", "webhook_secret")):
        return None
    assert s.telegram_bot_token and s.telegram_webhook_secret
    return TelegramChannel(
        TelegramSettings(
            bot_token=s.telegram_bot_token,
            webhook_secret=s.telegram_webhook_secret,
            api_base_url=s.telegram_api_base_url,
        )
    )


def _whatsapp(s: Settings) -> Channel | None:
    required = ("access_token", "phone_number_id", "app_secret", "verify_token")
    if not _credentials(s, "whatsapp", required):
        return None
    assert s.whatsapp_access_token and s.whatsapp_phone_number_id
    assert s.whatsapp_app_secret and s.whatsapp_verify_token
    return WhatsAppChannel(
        WhatsAppSettings(
            access_token=s.whatsapp_access_token,
            phone_number_id=s.whatsapp_phone_number_id,
            app_secret=s.whatsapp_app_secret,
            verify_token=s.whatsapp_verify_token,
            graph_base_url=s.whatsapp_graph_base_url,
            api_version=s.whatsapp_api_version,
        )
    )


def _messenger(s: Settings) -> Channel | None:
    if not _credentials(s, "messenger", ("page_access_token", "app_secret", "verify_token")):
        return None
    assert s.messenger_page_access_token and s.messenger_app_secret and s.messenger_verify_token
    return MessengerChannel(
        MessengerSettings(
            page_access_token=s.messenger_page_access_token,
            app_secret=s.messenger_app_secret,
            verify_token=s.messenger_verify_token,
            graph_base_url=s.messenger_graph_base_url,
            api_version=s.messenger_api_version,
        )
    )


def _slack(s: Settings) -> Channel | None:
    if not _credentials(s, "slack", ("bot_token", "signing_secret")):
        return None
    assert s.slack_bot_token and s.slack_signing_secret
    return SlackChannel(
        SlackSettings(
            bot_token=s.slack_bot_token,
            signing_secret=s.slack_signing_secret,
            api_base_url=s.slack_api_base_url,
        )
    )


def _sms(s: Settings) -> Channel | None:
    if not _credentials(s, "twilio", ("account_sid", "auth_token")):
        return None
    assert s.twilio_account_sid and s.twilio_auth_token
    if not (s.twilio_from_number or s.twilio_messaging_service_sid):
        raise ChannelConfigError(
            "the twilio channel needs a sender: set BILLBOT_TWILIO_FROM_NUMBER or "
            "BILLBOT_TWILIO_MESSAGING_SERVICE_SID",
            missing=["BILLBOT_TWILIO_FROM_NUMBER"],
        )
    return TwilioSmsChannel(
        TwilioSmsSettings(
            account_sid=s.twilio_account_sid,
            auth_token=s.twilio_auth_token,
            from_number=s.twilio_from_number,
            messaging_service_sid=s.twilio_messaging_service_sid,
            status_callback_url=s.twilio_status_callback_url,
            webhook_url=s.twilio_webhook_url,
            api_base_url=s.twilio_api_base_url,
        )
    )


def _email(s: Settings) -> Channel | None:
    """Email: the SMTP relay when `BILLBOT_SMTP_HOST` is set, else `.eml` files in development."""
    if s.smtp_host:
        if s.smtp_use_tls and s.smtp_start_tls:
            raise ChannelConfigError(
                "set either BILLBOT_SMTP_USE_TLS (implicit TLS, port 465) or "
                "BILLBOT_SMTP_START_TLS (port 587), not both"
            )
        return EmailChannel(
            SmtpSettings(
                host=s.smtp_host,
                from_address=s.email_from_address,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                use_tls=s.smtp_use_tls,
                start_tls=s.smtp_start_tls,
            )
        )
    if s.environment == "development":
        folder = MailFolderSettings(folder=Path(s.mail_folder), from_address=s.email_from_address)
        return MailFolderChannel(folder)
    return None


# Adding a provider adds one builder here; each returns None when its credentials are unset.
_BUILDERS: tuple[Callable[[Settings], Channel | None], ...] = (
    _telegram,
    _whatsapp,
    _messenger,
    _slack,
    _sms,
    _email,
)


def parse_rate_limits(text: str) -> dict[str, dict[str, float]]:
    """`"telegram:global=20,per_chat=1;sms:global=3"` → {"telegram": {"global": 20, ...}, ...}."""
    overrides: dict[str, dict[str, float]] = {}
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, body = entry.partition(":")
        rates: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in body.split(","))):
            key, eq, value = item.partition("=")
            key = key.strip()
            try:
                rate = float(value)
            except ValueError:
                rate = -1.0
            if not (sep and eq and key in ("global", "per_chat") and rate > 0):
                raise ChannelConfigError(
                    f"BILLBOT_CHANNEL_RATE_LIMITS: cannot read {entry!r}; write e.g. "
                    "'telegram:global=20,per_chat=1' (messages per second, above 0)",
                    entry=entry,
                )
            rates[key] = rate
        if not rates:
            raise ChannelConfigError(
                f"BILLBOT_CHANNEL_RATE_LIMITS: {entry!r} names no rate", entry=entry
            )
        overrides[name.strip()] = rates
    return overrides


def _apply_rate_limits(channels: Mapping[str, Channel], text: str) -> None:
    for name, rates in parse_rate_limits(text).items():
        adapter = channels.get(name)
        if adapter is None:
            log.warning("channel.rate_limits_ignored channel=%s (not enabled)", name)
            continue
        current = adapter.capabilities.rate_limits
        limits = RateLimits(
            per_chat=rates.get("per_chat", current.per_chat),
            global_=rates.get("global", current.global_),
        )
        # Per instance: the class-level declaration stays the documented default.
        adapter.capabilities = dataclasses.replace(adapter.capabilities, rate_limits=limits)


def build_channels(
    settings: Settings,
    *,
    webchat_store: WebChatStore | None = None,
    console: ConsoleSettings | None = None,
) -> dict[str, Channel]:
    """Every channel this instance can send through, by name.

    The console is on in development only; web chat always (by default its messages are read
    back from the sent outbox rows, so its store keeps nothing else).
    """
    channels: dict[str, Channel] = {}
    if settings.environment == "development":
        channels["console"] = ConsoleChannel(console)
    for builder in _BUILDERS:
        adapter = builder(settings)
        if adapter is not None:
            channels[adapter.name] = adapter
    channels["webchat"] = WebChatChannel(WebChatSettings(store=webchat_store or _keep_in_outbox))
    _apply_rate_limits(channels, settings.channel_rate_limits)
    return channels
