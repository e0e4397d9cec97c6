"""Channel names to adapter classes: adding a provider adds one line here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from channels._base import Channel
from channels.console import ConsoleChannel
from channels.errors import UnknownChannelError
from channels.fake import FakeChannel
from channels.messenger import MessengerChannel
from channels.slack import SlackChannel
from channels.smtp import EmailChannel
from channels.telegram import TelegramChannel
from channels.twilio_sms import TwilioSmsChannel
from channels.webchat import WebChatChannel
from channels.whatsapp import WhatsAppChannel

__all__ = ["CHANNELS", "get_channel_class"]

CHANNELS: Mapping[str, type[Channel]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (
            TelegramChannel,
            WhatsAppChannel,
            MessengerChannel,
            SlackChannel,
            TwilioSmsChannel,
            EmailChannel,
            WebChatChannel,
            ConsoleChannel,
            FakeChannel,
        )
    }
)


def get_channel_class(name: str) -> type[Channel]:
    """The adapter class registered under `name`; build it with `cls(cls.settings_class(...))`."""
    try:
        return CHANNELS[name]
    except KeyError:
        known = ", ".join(sorted(CHANNELS))
        raise UnknownChannelError(f"no channel named {name!r} (known: {known})") from None
