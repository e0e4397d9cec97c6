"""WhatsApp Business channel over Meta's Cloud API (Graph `/{phone-number-id}/messages`).

Credentials: in the Meta App Dashboard create a Business app, add the WhatsApp product, and from
*WhatsApp > API Setup* copy the phone number ID; create a System User in Business Settings and
generate a permanent access token with `whatsapp_business_messaging`. The app secret is under
*App settings > Basic*. Choose any verify token, then under *WhatsApp > Configuration* set the
callback URL and that token and subscribe to the `messages` field.
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
from channels._capabilities import ButtonLimits, Capabilities, RateLimits
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
from channels._messages import Button, Markup, OutboundMessage, SendResult, Template
from channels._meta import GraphErrorRules, graph_error, hub_handshake, verify_hub_signature
from channels.errors import FailureReason, PermanentError

__all__ = ["WhatsAppChannel", "WhatsAppSettings"]

_R = FailureReason
ERROR_RULES = GraphErrorRules(
    permanent={
        131047: _R.OUTSIDE_SESSION_WINDOW,  # re-engagement message: more than 24 h since reply
        131050: _R.RECIPIENT_UNSUBSCRIBED,  # user stopped marketing messages
        131026: _R.INVALID_RECIPIENT,  # message undeliverable
        131030: _R.INVALID_RECIPIENT,  # recipient not in the allowed list
        131021: _R.INVALID_RECIPIENT,  # recipient is the sender
        100: _R.INVALID_MESSAGE,
        131008: _R.INVALID_MESSAGE,
        131009: _R.INVALID_MESSAGE,
        131051: _R.INVALID_MESSAGE,
        132000: _R.INVALID_MESSAGE,  # template parameter count mismatch
        132001: _R.INVALID_MESSAGE,  # template does not exist
        132005: _R.INVALID_MESSAGE,
        132007: _R.INVALID_MESSAGE,
        132012: _R.INVALID_MESSAGE,
        132015: _R.INVALID_MESSAGE,  # template paused
        132016: _R.INVALID_MESSAGE,  # template disabled
        0: _R.UNAUTHORIZED,
        3: _R.UNAUTHORIZED,
        10: _R.UNAUTHORIZED,
        190: _R.UNAUTHORIZED,
        200: _R.UNAUTHORIZED,
        131005: _R.UNAUTHORIZED,
        131031: _R.UNAUTHORIZED,  # business account locked
    },
    rate_limited=frozenset({4, 80007, 130429, 131048, 131056}),
    transient=frozenset({1, 2, 131000, 131016, 131049, 133004}),
)

_STATUSES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "played": DeliveryState.READ,
    "failed": DeliveryState.FAILED,
}


@dataclass(frozen=True, slots=True)
class WhatsAppSettings:
    """Cloud API credentials; `graph_base_url` points tests at a local fake."""

    access_token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    graph_base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"

    def __post_init__(self) -> None:
        if not (self.access_token and self.phone_number_id and self.app_secret):
            raise ValueError("WhatsApp needs an access token, a phone number id and an app secret")


class WhatsAppChannel(HttpChannel):
    """WhatsApp: text, up to 3 reply buttons, templates outside the 24-hour window."""

    name = "whatsapp"
    settings_class = WhatsAppSettings
    capabilities = Capabilities(
        max_text_length=4096,
        buttons=ButtonLimits(
            max_count=3, max_title_length=20, max_id_bytes=256, max_text_length=1024
        ),
        markup=Markup.WHATSAPP,
        # Cloud API: 80 messages/s per business number; one message every 6 s to the same user.
        rate_limits=RateLimits(per_chat=1 / 6, global_=80.0),
        session_window=timedelta(hours=24),
        templates_outside_window=True,
        supports_templates=True,
    )

    def __init__(
        self,
        settings: WhatsAppSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(client=client, clock=clock)
        self.settings = settings

    def requires_template(self, last_inbound_at: datetime | None, now: datetime) -> bool:
        """Whether only a template may be sent: no inbound message in the last 24 hours."""
        return self.capabilities.requires_template(last_inbound_at, now)

    @property
    def _messages_url(self) -> str:
        s = self.settings
        return f"{s.graph_base_url.rstrip('/')}/{s.api_version}/{s.phone_number_id}/messages"

    async def _post(self, recipient: str, content: dict[str, Any]) -> str:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient}
        response = await self._request(
            "POST",
            self._messages_url,
            json=payload | content,
            headers={"Authorization": f"Bearer {self.settings.access_token}"},
        )
        if not response.is_success:
            raise graph_error(response, ERROR_RULES, retry_after=self._retry_after(response))
        messages = dicts(response_json(response).get("messages"))
        return str(messages[0].get("id", "")) if messages else ""

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send a template if the message has one, else text parts and an interactive last part."""
        if message.template is not None:
            content = _template_content(message.template, message.buttons)
            return SendResult(provider_message_id=await self._post(message.recipient, content))
        if message.markup not in (Markup.PLAIN, Markup.WHATSAPP):
            raise PermanentError(FailureReason.INVALID_MESSAGE, f"unsupported {message.markup}")
        rendered = self.render(message)
        ids = []
        for index, part in enumerate(rendered.parts):
            last = index == len(rendered.parts) - 1
            if last and rendered.buttons:
                content = _interactive_content(part, rendered.buttons)
            else:
                content = {"type": "text", "text": {"preview_url": False, "body": part}}
            ids.append(await self._post(message.recipient, content))
        return SendResult(provider_message_id=ids[-1], part_ids=tuple(ids))

    def handshake(self, request: InboundRequest) -> HandshakeResponse | None:
        """Answer the `hub.mode=subscribe` verification GET."""
        return hub_handshake(request, self.settings.verify_token)

    def verify(self, request: InboundRequest) -> None:
        """Check `X-Hub-Signature-256` against the raw body."""
        verify_hub_signature(request, self.settings.app_secret)

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """Messages, button replies and statuses become events; everything else is ignored."""
        envelope = json_object(request.body)
        if envelope.get("object") != "whatsapp_business_account":
            return [Ignored("not a WhatsApp Business Account notification")]
        events: list[InboundEvent] = []
        for entry in dicts(envelope.get("entry")):
            for change in dicts(entry.get("changes")):
                events.extend(self._change(change))
        return events or [Ignored("whatsapp notification without changes")]

    def _change(self, change: dict[str, Any]) -> list[InboundEvent]:
        field, value = change.get("field"), as_dict(change.get("value"))
        if field != "messages":
            return [Ignored(f"whatsapp {field} notification")]
        events = [self._message(m) for m in dicts(value.get("messages"))]
        events += [self._status(s) for s in dicts(value.get("statuses"))]
        return events or [Ignored("whatsapp messages notification without messages")]

    def _message(self, message: dict[str, Any]) -> InboundEvent:
        kind, sender, message_id = message.get("type"), message.get("from"), message.get("id")
        if not isinstance(sender, str) or not isinstance(message_id, str):
            return Ignored("whatsapp message without sender or id")
        at = from_timestamp(message.get("timestamp"), self._clock())
        common = Origin(sender=sender, provider_message_id=message_id, chat_id=sender, at=at)
        if kind == "text":
            body = as_dict(message.get("text")).get("body")
            if isinstance(body, str):
                return keyword_event(text=body, **common)
        elif kind == "interactive":
            interactive = as_dict(message.get("interactive"))
            reply = as_dict(interactive.get(str(interactive.get("type"))))
            if interactive.get("type") in ("button_reply", "list_reply") and "id" in reply:
                title = optional_str(reply.get("title"))
                return ButtonPressed(button_id=str(reply["id"]), title=title, **common)
            return Ignored(f"whatsapp interactive {interactive.get('type')}", message_id)
        elif kind == "button":
            button = as_dict(message.get("button"))
            if "payload" in button:
                title = optional_str(button.get("text"))
                return ButtonPressed(button_id=str(button["payload"]), title=title, **common)
        return Ignored(f"whatsapp {kind} message", message_id)

    def _status(self, status: dict[str, Any]) -> InboundEvent:
        message_id, state = status.get("id"), _STATUSES.get(str(status.get("status")))
        if status.get("type") == "call" or state is None or not isinstance(message_id, str):
            return Ignored(f"whatsapp status {status.get('status')}", status.get("id"))
        errors = dicts(status.get("errors"))
        error = None
        if errors:
            first = errors[0]
            error = f"{first.get('code')} {first.get('title') or first.get('message') or ''}"
        return DeliveryStatus(
            provider_message_id=message_id,
            status=state,
            error=error.strip() if error else None,
            recipient=optional_str(status.get("recipient_id")),
            at=from_timestamp(status.get("timestamp"), self._clock()),
        )


def _interactive_content(body: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    replies = [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": replies}},
    }


def _template_content(template: Template, buttons: tuple[Button, ...]) -> dict[str, Any]:
    """A template message; buttons set the payloads of the template's quick-reply buttons."""
    components: list[dict[str, Any]] = []
    if template.params:
        parameters = [{"type": "text", "text": p} for p in template.params]
        components.append({"type": "body", "parameters": parameters})
    for index, button in enumerate(buttons):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": button.id}],
            }
        )
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if components:
        body["components"] = components
    return {"type": "template", "template": body}
