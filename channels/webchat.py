"""In-app web chat: the consumer app fetches bot messages through the consumer API.

Credentials: none. The core passes a store callback that saves each message where the app's chat
endpoint reads it; users' replies arrive through the authenticated consumer API, not a webhook.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels._base import Channel, Clock, utc_now
from channels._capabilities import ButtonLimits, Capabilities
from channels._messages import Markup, OutboundMessage, SendResult

__all__ = ["WebChatChannel", "WebChatSettings", "WebChatStore"]

WebChatStore = Callable[[str, OutboundMessage], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class WebChatSettings:
    """`store(message_id, message)` persists a bot message (sync or async)."""

    store: WebChatStore


class WebChatChannel(Channel):
    """In-app chat: buttons, long text, no provider in between, so sending always succeeds."""

    name = "webchat"
    settings_class = WebChatSettings
    capabilities = Capabilities(
        max_text_length=None,
        buttons=ButtonLimits(max_count=10, max_title_length=40, max_id_bytes=256),
        markup=Markup.PLAIN,
        inbound=False,
    )

    def __init__(self, settings: WebChatSettings, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self.settings = settings

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the store under a fresh id (store errors propagate unchanged)."""
        self.render(message)  # validates button ids and titles like any other channel
        message_id = uuid.uuid4().hex
        result = self.settings.store(message_id, message)
        if inspect.isawaitable(result):
            await result
        return SendResult(provider_message_id=message_id)
