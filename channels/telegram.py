"""Telegram Bot API channel.

Credentials: open a chat with @BotFather in Telegram, send `/newbot`, and copy the bot token it
returns (`123456789:AA...`). Pick a random webhook secret (1-256 characters of A-Z, a-z, 0-9, `_`
and `-`) and register the webhook once with `TelegramChannel.set_webhook(url)`: Telegram then sends
the secret back in the `X-Telegram-Bot-Api-Secret-Token` header of every update.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import httpx

from channels._base import (
    Clock,
    HttpChannel,
    as_dict,
    from_timestamp,
    http_status_error,
    json_object,
    response_json,
    utc_now,
)
from channels._capabilities import ButtonLimits, Capabilities, RateLimits
from channels._inbound import ButtonPressed, Ignored, InboundEvent, InboundRequest, OptOut
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

__all__ = ["TelegramChannel", "TelegramSettings"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name

_PARSE_MODES = {
    Markup.PLAIN: None,
    Markup.TELEGRAM_HTML: "HTML",
    Markup.TELEGRAM_MARKDOWN_V2: "MarkdownV2",
}

# Fragments of Telegram's error descriptions, most specific first.
_PERMANENT_DESCRIPTIONS = (
    ("bot was blocked", FailureReason.RECIPIENT_BLOCKED),
    ("user is deactivated", FailureReason.RECIPIENT_BLOCKED),
    ("bot was kicked", FailureReason.RECIPIENT_BLOCKED),
    ("bot can't initiate conversation", FailureReason.RECIPIENT_BLOCKED),
    ("chat not found", FailureReason.INVALID_RECIPIENT),
    ("user not found", FailureReason.INVALID_RECIPIENT),
    ("peer_id_invalid", FailureReason.INVALID_RECIPIENT),
    ("group chat was upgraded", FailureReason.INVALID_RECIPIENT),
    ("message is too long", FailureReason.INVALID_MESSAGE),
    ("can't parse entities", FailureReason.INVALID_MESSAGE),
    ("message text is empty", FailureReason.INVALID_MESSAGE),
    ("button_data_invalid", FailureReason.INVALID_MESSAGE),
)

_NON_TEXT_KINDS = (
    "photo",
    "audio",
    "voice",
    "video",
    "video_note",
    "document",
    "sticker",
    "animation",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
)


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """Bot token from @BotFather and the secret echoed in the webhook header."""

    bot_token: str
    webhook_secret: str
    api_base_url: str = "https://api.telegram.org"

    def __post_init__(self) -> None:
        if not self.bot_token or not self.webhook_secret:
            raise ValueError("Telegram needs a bot token and a webhook secret")


class TelegramChannel(HttpChannel):
    """Telegram bot: `sendMessage` with inline keyboards, secret-token webhooks."""

    name = "telegram"
    settings_class = TelegramSettings
    capabilities = Capabilities(
        max_text_length=4096,
        buttons=ButtonLimits(max_count=10, max_title_length=64, max_id_bytes=64),
        markup=Markup.TELEGRAM_HTML,
        rate_limits=RateLimits(per_chat=1.0, global_=30.0),
    )

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(client=client, clock=clock)
        self.settings = settings
        self._urls: dict[str, httpx.URL] = {}

    def _method_url(self, method: str) -> httpx.URL:
        """The method's URL, parsed once (every message is a `sendMessage` call)."""
        url = self._urls.get(method)
        if url is None:
            base = self.settings.api_base_url.rstrip("/")
            url = self._urls[method] = httpx.URL(f"{base}/bot{self.settings.bot_token}/{method}")
        return url

    async def _call(self, method: str, payload: dict[str, Any]) -> Any:
        """Call a Bot API method and return its `result`, raising classified errors."""
        response = await self._request("POST", self._method_url(method), json=payload)
        body = response_json(response)
        if response.is_success and body.get("ok") is True:
            return body.get("result")
        raise self._error(response, body)

    def _error(self, response: httpx.Response, body: dict[str, Any]) -> DeliveryError:
        code = body.get("error_code", response.status_code)
        detail = str(body.get("description") or response.reason_phrase)
        parameters = as_dict(body.get("parameters"))
        provider_code = str(code)
        if code == 429 or response.status_code == 429:
            retry_after = parameters.get("retry_after")
            seconds = float(retry_after) if isinstance(retry_after, int | float) else None
            return RateLimited(
                seconds if seconds is not None else self._retry_after(response),
                detail,
                provider_code=provider_code,
            )
        if response.status_code >= 500:
            return TransientError(detail, provider_code=provider_code)
        if "migrate_to_chat_id" in parameters:
            detail = f"{detail} (new chat id {parameters['migrate_to_chat_id']})"
            reason = FailureReason.INVALID_RECIPIENT
            return PermanentError(reason, detail, provider_code=provider_code)
        lowered = detail.lower()
        for fragment, reason in _PERMANENT_DESCRIPTIONS:
            if fragment in lowered:
                return PermanentError(reason, detail, provider_code=provider_code)
        return http_status_error(
            response, detail, retry_after=self._retry_after(response), code=provider_code
        )

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send the text (split if needed) with an inline keyboard on the last part."""
        if message.markup not in _PARSE_MODES:
            raise PermanentError(FailureReason.INVALID_MESSAGE, f"unsupported {message.markup}")
        rendered = self.render(message)
        ids: list[str] = []
        for index, part in enumerate(rendered.parts):
            payload: dict[str, Any] = {"chat_id": message.recipient, "text": part}
            if parse_mode := _PARSE_MODES[message.markup]:
                payload["parse_mode"] = parse_mode
            if index == len(rendered.parts) - 1 and rendered.buttons:
                payload["reply_markup"] = _inline_keyboard(rendered.buttons)
            result = as_dict(await self._call("sendMessage", payload))
            ids.append(str(result.get("message_id", "")))
        return SendResult(provider_message_id=ids[-1], part_ids=tuple(ids))

    async def answer_callback_query(
        self, callback_id: str, text: str | None = None, *, show_alert: bool = False
    ) -> None:
        """Acknowledge a button press so the client stops its spinner (optionally with a toast)."""
        payload: dict[str, Any] = {"callback_query_id": callback_id, "show_alert": show_alert}
        if text:
            payload["text"] = text
        await self._call("answerCallbackQuery", payload)

    async def set_webhook(self, url: str) -> None:
        """Register `url` as the bot's webhook, with our secret token and the updates we parse."""
        await self._call(
            "setWebhook",
            {
                "url": url,
                "secret_token": self.settings.webhook_secret,
                "allowed_updates": ["message", "callback_query", "my_chat_member"],
            },
        )

    def verify(self, request: InboundRequest) -> None:
        """Check the `X-Telegram-Bot-Api-Secret-Token` header in constant time."""
        received = request.headers.get(SECRET_HEADER)
        if received is None:
            raise SignatureError(f"missing {SECRET_HEADER} header")
        if not hmac.compare_digest(received.encode(), self.settings.webhook_secret.encode()):
            raise SignatureError(f"{SECRET_HEADER} does not match")

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """Turn one Update into events: texts, button presses and blocks; the rest is ignored."""
        update = json_object(request.body)
        if "message" in update:
            return [self._message(as_dict(update["message"]))]
        if "callback_query" in update:
            return [self._callback(as_dict(update["callback_query"]))]
        if "my_chat_member" in update:
            return [self._membership(as_dict(update["my_chat_member"]), update.get("update_id"))]
        kinds = sorted(key for key in update if key != "update_id")
        return [Ignored(f"telegram update: {', '.join(kinds) or 'empty'}")]

    def _message(self, message: dict[str, Any]) -> InboundEvent:
        sender, chat = as_dict(message.get("from")), as_dict(message.get("chat"))
        chat_id = chat.get("id", sender.get("id"))
        message_id = f"{chat_id}:{message.get('message_id')}"
        if sender.get("is_bot"):
            return Ignored("telegram message from a bot", message_id)
        text = message.get("text")
        if chat_id is None:
            return Ignored("telegram message without chat or sender")
        if not isinstance(text, str):
            kind = next((k for k in _NON_TEXT_KINDS if k in message), "non-text")
            return Ignored(f"telegram {kind} message", message_id)
        return keyword_event(
            sender=str(sender.get("id", chat_id)),
            text=text,
            provider_message_id=message_id,
            chat_id=str(chat_id),
            at=from_timestamp(message.get("date"), self._clock()),
        )

    def _callback(self, query: dict[str, Any]) -> InboundEvent:
        data, callback_id = query.get("data"), query.get("id")
        sender = as_dict(query.get("from")).get("id")
        if not isinstance(data, str) or callback_id is None or sender is None:
            return Ignored("telegram callback query without data", callback_id)
        chat_id = as_dict(as_dict(query.get("message")).get("chat")).get("id", sender)
        return ButtonPressed(
            sender=str(sender),
            button_id=data,
            provider_message_id=str(callback_id),
            chat_id=str(chat_id),
            at=self._clock(),
            callback_id=str(callback_id),
        )

    def _membership(self, change: dict[str, Any], update_id: Any) -> InboundEvent:
        chat = as_dict(change.get("chat"))
        status = as_dict(change.get("new_chat_member")).get("status")
        sender = as_dict(change.get("from")).get("id", chat.get("id"))
        if status == "kicked" and chat.get("type") == "private" and sender is not None:
            return OptOut(
                sender=str(sender),
                keyword="BLOCKED",
                provider_message_id=f"update:{update_id}",
                chat_id=str(chat.get("id", sender)),
                at=from_timestamp(change.get("date"), self._clock()),
            )
        return Ignored(f"telegram membership change: {status}")


def _inline_keyboard(buttons: tuple[Button, ...]) -> dict[str, Any]:
    """One button per row so long titles stay readable."""
    return {"inline_keyboard": [[{"text": b.title, "callback_data": b.id}] for b in buttons]}
