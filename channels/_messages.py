"""Outbound messages: what the core hands to `Channel.send` and what it gets back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Button", "Markup", "OutboundMessage", "SendResult", "Template"]


class Markup(StrEnum):
    """How a message's text is formatted; a channel declares the flavour it renders."""

    PLAIN = "plain"
    TELEGRAM_HTML = "telegram_html"
    TELEGRAM_MARKDOWN_V2 = "telegram_markdown_v2"
    SLACK_MRKDWN = "slack_mrkdwn"
    WHATSAPP = "whatsapp"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class Button:
    """A reply button or quick reply: `id` comes back in `ButtonPressed.button_id`."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Template:
    """A provider-approved template (WhatsApp) with its positional body parameters."""

    name: str
    language: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message already rendered by the core for one recipient on one channel."""

    recipient: str
    text: str
    buttons: tuple[Button, ...] = ()
    template: Template | None = None
    markup: Markup = Markup.PLAIN
    subject: str | None = None
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    locale: str = "en"
    # The sender's key for this message: a provider that supports idempotent sends uses it so a
    # retry after a crash cannot deliver the same message twice.
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        # Accept any iterable of buttons (a list is the natural literal) but store a tuple.
        object.__setattr__(self, "buttons", tuple(self.buttons))


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider answered: its id for the (last) message, and every part's id."""

    provider_message_id: str
    part_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.part_ids:
            object.__setattr__(self, "part_ids", (self.provider_message_id,))
