"""Channels are built from settings: enabled by credentials, never half configured, rates overridable."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from sqlalchemy import Engine

from billbot.app import create_app
from billbot.channel_config import ChannelConfigError, build_channels, parse_rate_limits
from billbot.clock import FrozenClock
from billbot.settings import Settings
from channels import (
    ConsoleSettings,
    FakeChannel,
    OutboundMessage,
    RateLimits,
    SlackChannel,
    TelegramChannel,
    TwilioSmsChannel,
    WhatsAppChannel,
)

SECRET = "test-secret-" + "x" * 32

ALL_CREDENTIALS: dict[str, str] = {
    "telegram_bot_token": "123:abc",
    "telegram_webhook_secret": "hook-secret",
    "telegram_api_base_url": "http://127.0.0.1:9001",
    "whatsapp_access_token": "wa-token",
    "whatsapp_phone_number_id": "1055",
    "whatsapp_app_secret": "wa-app-secret",
    "whatsapp_verify_token": "wa-verify",
    "whatsapp_graph_base_url": "http://127.0.0.1:9002",
    "messenger_page_access_token": "page-token",
    "messenger_app_secret": "m-app-secret",
    "messenger_verify_token": "m-verify",
    "messenger_graph_base_url": "http://127.0.0.1:9003",
    "slack_bot_token": "xoxb-1",
    "slack_signing_secret": "slack-signing",
    "slack_api_base_url": "http://127.0.0.1:9004/api",
    "twilio_account_sid": "AC123",
    "twilio_auth_token": "twilio-token",
    "twilio_from_number": "+15005550006",
    "twilio_api_base_url": "http://127.0.0.1:9005",
}


def _settings(environment: str = "test", **fields: Any) -> Settings:
    return Settings(environment=environment, secret_key=SECRET, **fields)


def test_development_has_the_console_and_web_chat_only() -> None:
    chat = {"telegram", "whatsapp", "messenger", "slack", "sms"}
    development = set(build_channels(_settings("development")))
    assert {"console", "webchat"} <= development and not development & chat
    assert sorted(build_channels(_settings("test"))) == ["webchat"]
    assert sorted(build_channels(_settings("production"))) == ["webchat"]


def test_every_provider_is_enabled_by_its_credentials_and_points_at_its_base_url() -> None:
    channels = build_channels(_settings(**ALL_CREDENTIALS))
    assert sorted(channels) == ["messenger", "slack", "sms", "telegram", "webchat", "whatsapp"]
    telegram = channels["telegram"]
    assert isinstance(telegram, TelegramChannel)
    assert telegram.settings.api_base_url == "http://127.0.0.1:9001"
    assert telegram.settings.webhook_secret == "hook-secret"
    whatsapp = channels["whatsapp"]
    assert isinstance(whatsapp, WhatsAppChannel)
    assert whatsapp.settings.graph_base_url == "http://127.0.0.1:9002"
    assert whatsapp.settings.phone_number_id == "1055"
    slack = channels["slack"]
    assert isinstance(slack, SlackChannel) and slack.settings.api_base_url.endswith(":9004/api")
    sms = channels["sms"]
    assert isinstance(sms, TwilioSmsChannel)
    assert sms.settings.from_number == "+15005550006"
    # Declared rates come from the adapters unless overridden.
    assert telegram.capabilities.rate_limits == TelegramChannel.capabilities.rate_limits


def test_credentials_are_read_from_billbot_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BILLBOT_SLACK_BOT_TOKEN", "xoxb-env")
    monkeypatch.setenv("BILLBOT_SLACK_SIGNING_SECRET", "env-signing")
    monkeypatch.setenv("BILLBOT_SLACK_API_BASE_URL", "http://127.0.0.1:9999/api")
    channels = build_channels(Settings(environment="test", secret_key=SECRET))
    slack = channels["slack"]
    assert isinstance(slack, SlackChannel)
    assert (slack.settings.bot_token, slack.settings.api_base_url) == (
        "xoxb-env",
        "http://127.0.0.1:9999/api",
    )


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"telegram_bot_token": "123:abc"}, "BILLBOT_TELEGRAM_WEBHOOK_SECRET"),
        (
            {"whatsapp_access_token": "t", "whatsapp_phone_number_id": "1"},
            "BILLBOT_WHATSAPP_APP_SECRET",
        ),
        ({"slack_signing_secret": "s"}, "BILLBOT_SLACK_BOT_TOKEN"),
        ({"twilio_account_sid": "AC1", "twilio_auth_token": "t"}, "BILLBOT_TWILIO_FROM_NUMBER"),
    ],
)
def test_half_a_set_of_credentials_is_refused_by_name(fields: dict[str, str], missing: str) -> None:
    with pytest.raises(ChannelConfigError) as raised:
        build_channels(_settings(**fields))
    assert missing in raised.value.message
    assert raised.value.code == "channel_config.invalid"


def test_twilio_may_send_from_a_messaging_service() -> None:
    channels = build_channels(
        _settings(
            twilio_account_sid="AC1", twilio_auth_token="t", twilio_messaging_service_sid="MG1"
        )
    )
    sms = channels["sms"]
    assert isinstance(sms, TwilioSmsChannel) and sms.settings.messaging_service_sid == "MG1"


def test_rate_overrides_change_this_instance_only() -> None:
    channels = build_channels(
        _settings(**ALL_CREDENTIALS, channel_rate_limits="telegram:global=12.5; sms:per_chat=0.5")
    )
    assert channels["telegram"].capabilities.rate_limits == RateLimits(per_chat=1.0, global_=12.5)
    assert channels["sms"].capabilities.rate_limits == RateLimits(per_chat=0.5, global_=1.0)
    assert TelegramChannel.capabilities.rate_limits == RateLimits(per_chat=1.0, global_=30.0)
    # Other capabilities are untouched.
    assert channels["telegram"].capabilities.max_text_length == 4096


def test_a_rate_override_for_a_channel_not_enabled_is_ignored() -> None:
    channels = build_channels(_settings(channel_rate_limits="telegram:global=5"))
    assert "telegram" not in channels


@pytest.mark.parametrize(
    "text",
    ["telegram", "telegram:global", "telegram:global=fast", "telegram:global=0", "telegram:x=1"],
)
def test_malformed_rate_overrides_are_refused(text: str) -> None:
    with pytest.raises(ChannelConfigError):
        parse_rate_limits(text)


def test_rate_overrides_parse() -> None:
    assert parse_rate_limits("") == {}
    assert parse_rate_limits("whatsapp:global=40,per_chat=0.2;slack:per_chat=1") == {
        "whatsapp": {"global": 40.0, "per_chat": 0.2},
        "slack": {"per_chat": 1.0},
    }


def test_console_and_web_chat_send() -> None:
    stream = io.StringIO()
    stored: list[str] = []
    channels = build_channels(
        _settings("development"),
        console=ConsoleSettings(stream=stream),
        webchat_store=lambda message_id, message: stored.append(message.text),
    )
    asyncio.run(channels["console"].send(OutboundMessage(recipient="ana@example.com", text="Due")))
    asyncio.run(channels["webchat"].send(OutboundMessage(recipient="7", text="Hello")))
    assert "Due" in stream.getvalue()
    assert stored == ["Hello"]
    # The default web chat store keeps nothing itself (the sent outbox row is the copy).
    default = build_channels(_settings())
    result = asyncio.run(default["webchat"].send(OutboundMessage(recipient="7", text="Hi")))
    assert result.provider_message_id


def test_create_app_keeps_the_channels_on_its_state(engine: Engine, clock: FrozenClock) -> None:
    built = create_app(settings=_settings(**ALL_CREDENTIALS), engine=engine, clock=clock)
    assert sorted(built.state.channels) == [
        "messenger",
        "slack",
        "sms",
        "telegram",
        "webchat",
        "whatsapp",
    ]
    fake = FakeChannel()
    given = create_app(settings=_settings(), engine=engine, clock=clock, channels={"fake": fake})
    assert given.state.channels == {"fake": fake}


def test_create_app_refuses_half_configured_channels(engine: Engine, clock: FrozenClock) -> None:
    with pytest.raises(ChannelConfigError):
        create_app(settings=_settings(slack_bot_token="xoxb"), engine=engine, clock=clock)
