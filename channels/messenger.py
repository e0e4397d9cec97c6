"""Facebook Messenger channel over the Send API (`/me/messages`, messaging type RESPONSE).

Credentials: in the Meta App Dashboard add the Messenger product to a Business app, connect the
Facebook Page, and generate a Page access token (`pages_messaging` permission). The app secret is
under *App settings > Basic*. Choose any verify token, then set the callback URL and that token
under *Messenger > Settings > Webhooks* and subscribe the Page to `messages`,
`messaging_postbacks` and `message_deliveries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from channels._base import (
    Clock,
    HttpChannel,
    as_dict,
    dicts,
    from_timestamp,
    json_object,
    optional_str,
    response_json,
    utc_now,
)
from channels._capabilities import ButtonLimits, Capabilities
from channels._inbound import (
    ButtonPressed,
    DeliveryState,
    DeliveryStatus,
    HandshakeResponse,
    Ignored,
    InboundEvent,
    InboundRequest,
    Origin,
)
from channels._keywords import keyword_event
from channels._messages import Markup, OutboundMessage, SendResult
from channels._meta import GraphErrorRules, graph_error, hub_handshake, verify_hub_signature
from channels.errors import FailureReason, PermanentError

__all__ = ["MessengerChannel", "MessengerSettings"]

_R = FailureReason
ERROR_RULES = GraphErrorRules(
    permanent={
        (10, 2018278): _R.OUTSIDE_SESSION_WINDOW,  # sent outside of the allowed window
        (10, 2018065): _R.OUTSIDE_SESSION_WINDOW,
        (100, 2018001): _R.INVALID_RECIPIENT,  # no matching user found
        (100, 2018109): _R.INVALID_MESSAGE,  # attachment or text too large
        551: _R.RECIPIENT_BLOCKED,  # this person isn't available right now
        (200, 1545041): _R.RECIPIENT_BLOCKED,
        190: _R.UNAUTHORIZED,
        10: _R.UNAUTHORIZED,
        200: _R.UNAUTHORIZED,
        100: _R.INVALID_MESSAGE,
    },
    rate_limited=frozenset({4, 17, 32, 613}),
    transient=frozenset({1, 2, 1200}),
)


@dataclass(frozen=True, slots=True)
class MessengerSettings:
    """Page credentials; `graph_base_url` points tests at a local fake."""

    page_access_token: str
    app_secret: str
    verify_token: str
    graph_base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"

    def __post_init__(self) -> None:
        if not (self.page_access_token and self.app_secret):
            raise ValueError("Messenger needs a Page access token and an app secret")


class MessengerChannel(HttpChannel):
    """Messenger: replies with quick replies, only inside the 24-hour window."""

    name = "messenger"
    settings_class = MessengerSettings
    capabilities = Capabilities(
        max_text_length=2000,
        buttons=ButtonLimits(max_count=13, max_title_length=20, max_id_bytes=1000),
        markup=Markup.PLAIN,
        session_window=timedelta(hours=24),
        templates_outside_window=False,
    )

    def __init__(
        self,
        settings: MessengerSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(client=client, clock=clock)
        self.settings = settings

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send text parts as RESPONSE messages; quick replies ride on the last part."""
        if message.markup is not Markup.PLAIN:
            raise PermanentError(FailureReason.INVALID_MESSAGE, f"unsupported {message.markup}")
        s = self.settings
        url = f"{s.graph_base_url.rstrip('/')}/{s.api_version}/me/messages"
        rendered = self.render(message)
        ids = []
        for index, part in enumerate(rendered.parts):
            content: dict[str, Any] = {"text": part}
            if index == len(rendered.parts) - 1 and rendered.buttons:
                content["quick_replies"] = [
                    {"content_type": "text", "title": b.title, "payload": b.id}
                    for b in rendered.buttons
                ]
            payload = {
                "recipient": {"id": message.recipient},
                "messaging_type": "RESPONSE",
                "message": content,
            }
            headers = {"Authorization": f"Bearer {s.page_access_token}"}
            response = await self._request("POST", url, json=payload, headers=headers)
            if not response.is_success:
                raise graph_error(response, ERROR_RULES, retry_after=self._retry_after(response))
            ids.append(str(response_json(response).get("message_id", "")))
        return SendResult(provider_message_id=ids[-1], part_ids=tuple(ids))

    def handshake(self, request: InboundRequest) -> HandshakeResponse | None:
        """Answer the `hub.mode=subscribe` verification GET."""
        return hub_handshake(request, self.settings.verify_token)

    def verify(self, request: InboundRequest) -> None:
        """Check `X-Hub-Signature-256` against the raw body."""
        verify_hub_signature(request, self.settings.app_secret)

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """Messages, quick replies, postbacks and deliveries become events; the rest is ignored."""
        envelope = json_object(request.body)
        if envelope.get("object") != "page":
            return [Ignored("not a Messenger page notification")]
        events: list[InboundEvent] = []
        for entry in dicts(envelope.get("entry")):
            for item in dicts(entry.get("messaging")):
                events.extend(self._messaging(item))
            if "standby" in entry:
                events.append(Ignored("messenger standby (another app holds the thread)"))
        return events or [Ignored("messenger notification without messaging")]

    def _messaging(self, item: dict[str, Any]) -> list[InboundEvent]:
        sender = as_dict(item.get("sender")).get("id")
        at = from_timestamp(item.get("timestamp"), self._clock())
        if "delivery" in item:
            mids = as_dict(item["delivery"]).get("mids")
            mids = [m for m in mids if isinstance(m, str)] if isinstance(mids, list) else []
            delivered = DeliveryState.DELIVERED
            recipient = optional_str(sender)
            statuses = [DeliveryStatus(m, delivered, recipient=recipient, at=at) for m in mids]
            return list(statuses) or [Ignored("messenger delivery without message ids")]
        if sender is None:
            return [Ignored("messenger event without sender")]
        if "message" in item:
            return [self._message(as_dict(item["message"]), str(sender), at)]
        if "postback" in item:
            postback = as_dict(item["postback"])
            payload = postback.get("payload")
            if isinstance(payload, str):
                mid = postback.get("mid") or f"postback:{sender}:{item.get('timestamp')}"
                origin = Origin(
                    sender=str(sender), provider_message_id=str(mid), chat_id=str(sender), at=at
                )
                title = optional_str(postback.get("title"))
                return [ButtonPressed(button_id=payload, title=title, **origin)]
        kinds = sorted(k for k in item if k not in ("sender", "recipient", "timestamp"))
        return [Ignored(f"messenger {', '.join(kinds) or 'event'}")]

    def _message(self, message: dict[str, Any], sender: str, at: datetime) -> InboundEvent:
        mid = message.get("mid")
        if message.get("is_echo"):
            return Ignored("messenger echo of our own message", mid)
        if not isinstance(mid, str):
            return Ignored("messenger message without id")
        origin = Origin(sender=sender, provider_message_id=mid, chat_id=sender, at=at)
        quick_reply = as_dict(message.get("quick_reply"))
        if isinstance(quick_reply.get("payload"), str):
            title = optional_str(message.get("text"))
            return ButtonPressed(button_id=quick_reply["payload"], title=title, **origin)
        text = message.get("text")
        if isinstance(text, str):
            return keyword_event(text=text, **origin)
        return Ignored("messenger message without text", mid)
