"""Transport to and from chat apps and email, one adapter per provider behind `Channel`.

`channels` never imports the core and keeps no state of its own. The core renders an
`OutboundMessage`, calls `await channel.send(message)`, and for webhooks calls
`channel.handshake(request)`, then `channel.verify(request)` and `channel.parse(request)`.
Each adapter declares what it can do in `capabilities` so the core never branches on a name.
"""

from channels._base import Channel, Clock, HttpChannel
from channels._capabilities import (
    ButtonFallback,
    ButtonLimits,
    Capabilities,
    Overflow,
    RateLimits,
    TextMeasure,
)
from channels._inbound import (
    ButtonPressed,
    DeliveryState,
    DeliveryStatus,
    HandshakeResponse,
    Headers,
    HelpRequested,
    Ignored,
    InboundEvent,
    InboundRequest,
    OptIn,
    OptOut,
    TextReceived,
)
from channels._keywords import HELP_KEYWORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, keyword_event
from channels._messages import Button, Markup, OutboundMessage, SendResult, Template
from channels._registry import CHANNELS, get_channel_class
from channels.console import ConsoleChannel, ConsoleSettings
from channels.errors import (
    ChannelError,
    DeliveryError,
    FailureReason,
    PermanentError,
    RateLimited,
    SignatureError,
    TransientError,
    UnknownChannelError,
)
from channels.fake import FakeChannel, FakeSettings
from channels.messenger import MessengerChannel, MessengerSettings
from channels.slack import SlackChannel, SlackSettings
from channels.smtp import EmailChannel, SmtpSettings
from channels.telegram import TelegramChannel, TelegramSettings
from channels.twilio_sms import TwilioSmsChannel, TwilioSmsSettings
from channels.webchat import WebChatChannel, WebChatSettings, WebChatStore
from channels.whatsapp import WhatsAppChannel, WhatsAppSettings

__all__ = [
    "CHANNELS",
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "Button",
    "ButtonFallback",
    "ButtonLimits",
    "ButtonPressed",
    "Capabilities",
    "Channel",
    "ChannelError",
    "Clock",
    "ConsoleChannel",
    "ConsoleSettings",
    "DeliveryError",
    "DeliveryState",
    "DeliveryStatus",
    "EmailChannel",
    "FailureReason",
    "FakeChannel",
    "FakeSettings",
    "HandshakeResponse",
    "Headers",
    "HelpRequested",
    "HttpChannel",
    "Ignored",
    "InboundEvent",
    "InboundRequest",
    "Markup",
    "MessengerChannel",
    "MessengerSettings",
    "OptIn",
    "OptOut",
    "OutboundMessage",
    "Overflow",
    "PermanentError",
    "RateLimited",
    "RateLimits",
    "SendResult",
    "SignatureError",
    "SlackChannel",
    "SlackSettings",
    "SmtpSettings",
    "TelegramChannel",
    "TelegramSettings",
    "Template",
    "TextMeasure",
    "TextReceived",
    "TransientError",
    "TwilioSmsChannel",
    "TwilioSmsSettings",
    "UnknownChannelError",
    "WebChatChannel",
    "WebChatSettings",
    "WebChatStore",
    "WhatsAppChannel",
    "WhatsAppSettings",
    "get_channel_class",
    "keyword_event",
]
