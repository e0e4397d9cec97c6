"""Slack channel: `chat.postMessage` with Block Kit buttons, Events API and interactivity webhooks.

Credentials: create an app at api.slack.com/apps, add the `chat:write` and `im:history` bot scopes
under *OAuth & Permissions*, install it to the workspace and copy the Bot User OAuth Token
(`xoxb-...`). The Signing Secret is under *Basic Information > App Credentials*. Point both
*Event Subscriptions* (subscribe to `message.im`) and *Interactivity* at the webhook URL.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
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
    HandshakeResponse,
    Ignored,
    InboundEvent,
    InboundRequest,
    Origin,
)
from channels._keywords import keyword_event
from channels._messages import Button, Markup, OutboundMessage, SendResult
from channels.errors import (
    DeliveryError,
    FailureReason,
    PermanentError,
    RateLimited,
    SignatureError,
    TransientError,
)
from channels.text import escape_text

__all__ = ["SlackChannel", "SlackSettings"]

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
RETRY_HEADER = "X-Slack-Retry-Num"

_R = FailureReason
_PERMANENT_ERRORS = {
    "channel_not_found": _R.INVALID_RECIPIENT,
    "user_not_found": _R.INVALID_RECIPIENT,
    "is_archived": _R.INVALID_RECIPIENT,
    "not_in_channel": _R.INVALID_RECIPIENT,
    "cannot_dm_bot": _R.INVALID_RECIPIENT,
    "user_disabled": _R.RECIPIENT_BLOCKED,
    "messages_tab_disabled": _R.RECIPIENT_BLOCKED,
    "msg_too_long": _R.INVALID_MESSAGE,
    "no_text": _R.INVALID_MESSAGE,
    "invalid_blocks": _R.INVALID_MESSAGE,
    "invalid_blocks_format": _R.INVALID_MESSAGE,
    "too_many_attachments": _R.INVALID_MESSAGE,
    "invalid_auth": _R.UNAUTHORIZED,
    "not_authed": _R.UNAUTHORIZED,
    "account_inactive": _R.UNAUTHORIZED,
    "token_revoked": _R.UNAUTHORIZED,
    "token_expired": _R.UNAUTHORIZED,
    "missing_scope": _R.UNAUTHORIZED,
    "no_permission": _R.UNAUTHORIZED,
}
_TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Bot token and signing secret; the replay window is Slack's documented 5 minutes."""

    bot_token: str
    signing_secret: str
    api_base_url: str = "https://slack.com/api"
    replay_window_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not self.bot_token or not self.signing_secret:
            raise ValueError("Slack needs a bot token and a signing secret")


class SlackChannel(HttpChannel):
    """Slack app: direct messages with action buttons, signed webhooks (v0 scheme)."""

    name = "slack"
    settings_class = SlackSettings
    capabilities = Capabilities(
        max_text_length=3000,  # one section block
        buttons=ButtonLimits(max_count=25, max_title_length=75, max_id_bytes=255),
        markup=Markup.SLACK_MRKDWN,
        rate_limits=RateLimits(per_chat=1.0),
    )

    def __init__(
        self,
        settings: SlackSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(client=client, clock=clock)
        self.settings = settings

    async def send(self, message: OutboundMessage) -> SendResult:
        """Post each part; the last carries an actions block when there are buttons."""
        if message.markup not in (Markup.PLAIN, Markup.SLACK_MRKDWN):
            raise PermanentError(FailureReason.INVALID_MESSAGE, f"unsupported {message.markup}")
        rendered = self.render(message)
        ids = []
        for index, part in enumerate(rendered.parts):
            last = index == len(rendered.parts) - 1
            ids.append(await self._post(message, part, rendered.buttons if last else ()))
        return SendResult(provider_message_id=ids[-1], part_ids=tuple(ids))

    async def _post(self, message: OutboundMessage, text: str, buttons: tuple[Button, ...]) -> str:
        plain = message.markup is Markup.PLAIN
        payload: dict[str, Any] = {
            "channel": message.recipient,
            "text": escape_text(text, Markup.SLACK_MRKDWN) if plain else text,
        }
        if plain:
            payload["mrkdwn"] = False
        if buttons:
            text_type = "plain_text" if plain else "mrkdwn"
            payload["blocks"] = [
                {"type": "section", "text": {"type": text_type, "text": text}},
                {"type": "actions", "elements": [_button(b) for b in buttons]},
            ]
        response = await self._request(
            "POST",
            f"{self.settings.api_base_url.rstrip('/')}/chat.postMessage",
            json=payload,
            headers={"Authorization": f"Bearer {self.settings.bot_token}"},
        )
        body = response_json(response)
        if response.is_success and body.get("ok") is True:
            return str(body.get("ts", ""))
        raise self._error(response, body)

    def _error(self, response: httpx.Response, body: dict[str, Any]) -> DeliveryError:
        error = str(body.get("error") or response.reason_phrase or response.status_code)
        if response.status_code == 429 or error == "ratelimited":
            return RateLimited(self._retry_after(response), error, provider_code=error)
        if response.status_code >= 500 or error in _TRANSIENT_ERRORS:
            return TransientError(error, provider_code=error)
        reason = _PERMANENT_ERRORS.get(error, FailureReason.REJECTED)
        return PermanentError(reason, error, provider_code=error)

    @staticmethod
    def retry_number(request: InboundRequest) -> int:
        """How many times Slack has re-sent this event (0 for the first delivery), for logs."""
        try:
            return int(request.headers.get(RETRY_HEADER, "0"))
        except ValueError:
            return 0

    def verify(self, request: InboundRequest) -> None:
        """Check the v0 signature over `v0:{timestamp}:{raw body}` and the 5-minute window."""
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not timestamp or not signature:
            raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise SignatureError(f"{TIMESTAMP_HEADER} is not a Unix time") from None
        if abs(self._clock().timestamp() - sent_at) > self.settings.replay_window_seconds:
            raise SignatureError("Slack request timestamp is outside the replay window")
        base = b"v0:" + timestamp.encode() + b":" + request.body
        digest = hmac.new(self.settings.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.encode(), f"v0={digest}".encode()):
            raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")

    def handshake(self, request: InboundRequest) -> HandshakeResponse | None:
        """Answer the Events API `url_verification` challenge (after checking its signature)."""
        payload = json_object(request.body)
        if payload.get("type") != "url_verification":
            return None
        self.verify(request)
        return HandshakeResponse(status=200, body=str(payload.get("challenge", "")))

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """Direct messages, button clicks and slash commands become events; the rest is ignored."""
        payload = json_object(request.body)
        if payload:
            return [self._event_callback(payload)]
        form = dict(request.form())
        if "payload" in form:
            return self._interaction(json_object(form["payload"].encode()))
        if "command" in form and form.get("user_id") and form.get("trigger_id"):
            origin = Origin(
                sender=form["user_id"],
                provider_message_id=form["trigger_id"],
                chat_id=form.get("channel_id") or form["user_id"],
                at=self._clock(),
            )
            return [keyword_event(text=form.get("text", "").strip() or form["command"], **origin)]
        return [Ignored("slack request of an unknown kind")]

    def _event_callback(self, payload: dict[str, Any]) -> InboundEvent:
        if payload.get("type") != "event_callback":
            return Ignored(f"slack {payload.get('type')}")
        event, event_id = as_dict(payload.get("event")), payload.get("event_id")
        kind = event.get("type")
        if kind != "message" or "subtype" in event or "bot_id" in event:
            return Ignored(f"slack {kind} event {event.get('subtype', '')}".strip(), event_id)
        channel, user, text = event.get("channel"), event.get("user"), event.get("text")
        is_direct = event.get("channel_type", "im" if str(channel).startswith("D") else "") == "im"
        if not is_direct:
            # Bill details are private: the bot only converses in direct messages.
            return Ignored("slack message outside a direct message", event_id)
        if not (isinstance(user, str) and isinstance(text, str) and isinstance(channel, str)):
            return Ignored("slack message without user, channel or text", event_id)
        # Slack retries (X-Slack-Retry-Num) repeat the event_id, so it is the de-duplication key.
        message_id = str(event_id or event.get("client_msg_id") or event.get("ts"))
        at = from_timestamp(event.get("ts"), self._clock())
        origin = Origin(sender=user, provider_message_id=message_id, chat_id=channel, at=at)
        return keyword_event(text=text, **origin)

    def _interaction(self, payload: dict[str, Any]) -> list[InboundEvent]:
        if payload.get("type") != "block_actions":
            return [Ignored(f"slack interaction {payload.get('type')}")]
        user = as_dict(payload.get("user")).get("id")
        container = as_dict(payload.get("container"))
        channel = as_dict(payload.get("channel")).get("id") or container.get("channel_id") or user
        events: list[InboundEvent] = []
        for action in dicts(payload.get("actions")):
            button_id = action.get("value") or action.get("action_id")
            if action.get("type") != "button" or not isinstance(button_id, str) or user is None:
                events.append(Ignored(f"slack {action.get('type')} action"))
                continue
            action_ts = action.get("action_ts")
            origin = Origin(
                sender=str(user),
                provider_message_id=str(action_ts or payload.get("trigger_id")),
                chat_id=str(channel),
                at=from_timestamp(action_ts, self._clock()),
            )
            title = optional_str(as_dict(action.get("text")).get("text"))
            events.append(ButtonPressed(button_id=button_id, title=title, **origin))
        return events or [Ignored("slack block_actions without actions")]


def _button(button: Button) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": button.title},
        "action_id": button.id,
        "value": button.id,
    }
