"""Fixtures for the webhook endpoints: the app wired to fake provider servers, signing helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.app import create_app
from billbot.chat.linking import issue_code, link
from billbot.clock import FrozenClock
from billbot.outbox.models import OutboxMessage
from billbot.settings import Settings
from channels import (
    Channel,
    MessengerChannel,
    MessengerSettings,
    SlackChannel,
    SlackSettings,
    TelegramChannel,
    TelegramSettings,
    TwilioSmsChannel,
    TwilioSmsSettings,
    WebChatChannel,
    WebChatSettings,
    WhatsAppChannel,
    WhatsAppSettings,
)

WEBHOOK_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "webhooks"

TELEGRAM_SECRET = "tg-webhook-secret"
META_SECRET = "meta-app-secret"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TWILIO_TOKEN = "twilio-auth-token"
VERIFY_TOKEN = "verify-me"
SMS_URL = "http://testserver/webhooks/sms"

Responder = Callable[[httpx.Request], httpx.Response]


class FakeProvider:
    """A provider endpoint behind `httpx.MockTransport`: records requests, answers as scripted."""

    def __init__(self, default: Responder) -> None:
        self.default = default
        self.requests: list[httpx.Request] = []
        self.script: deque[httpx.Response] = deque()

    def answer(self, *responses: httpx.Response) -> None:
        """Answer the next requests with these responses, then the default again."""
        self.script.extend(responses)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.script.popleft() if self.script else self.default(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def bodies(self) -> list[Any]:
        """Every request body, as JSON (or a form as a dict)."""
        found: list[Any] = []
        for request in self.requests:
            if request.headers.get("content-type", "").startswith("application/json"):
                found.append(json.loads(request.content))
            else:
                found.append(dict(httpx.QueryParams(request.content.decode())))
        return found

    def texts(self) -> list[str]:
        """The message texts sent, whatever the provider's shape."""
        return [_text_of(body) for body in self.bodies()]


def _text_of(body: dict[str, Any]) -> str:
    if "text" in body and isinstance(body["text"], str):
        return body["text"]
    if isinstance(body.get("text"), dict):
        return str(body["text"]["body"])
    if "interactive" in body:
        return str(body["interactive"]["body"]["text"])
    if "message" in body:
        return str(body["message"].get("text", ""))
    if "template" in body:
        return f"[template {body['template']['name']}]"
    return str(body.get("Body", ""))


def _counter() -> Callable[[], int]:
    state = {"n": 0}

    def next_id() -> int:
        state["n"] += 1
        return state["n"]

    return next_id


def _responders() -> dict[str, Responder]:
    n = _counter()
    return {
        "telegram": lambda r: httpx.Response(200, json={"ok": True, "result": {"message_id": n()}}),
        "whatsapp": lambda r: httpx.Response(
            200, json={"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out{n()}"}]}
        ),
        "messenger": lambda r: httpx.Response(200, json={"message_id": f"m_out{n()}"}),
        "slack": lambda r: httpx.Response(200, json={"ok": True, "ts": f"1700000000.{n():06d}"}),
        "sms": lambda r: httpx.Response(201, json={"sid": f"SM{n():032d}"}),
    }


@dataclass
class Chat:
    """The app wired to fake providers, and what was sent through them."""

    client: TestClient
    app: Any
    engine: Engine
    clock: FrozenClock
    providers: dict[str, FakeProvider]
    webchat: list[Any] = field(default_factory=list)

    def link(self, user_id: int, channel: str, address: str) -> None:
        """Bind `address` on `channel` to the borrower, as sending a link code would."""
        with Session(self.engine) as session:
            code, _ = issue_code(
                session, user_id=user_id, now=self.clock.now(), lifetime=timedelta(minutes=10)
            )
            link(session, channel=channel, address=address, code=code, now=self.clock.now())
            session.commit()

    def outbox(self) -> list[OutboxMessage]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())

    def replies(self) -> list[OutboxMessage]:
        return [m for m in self.outbox() if m.category == "reply"]


@pytest.fixture
def chat(engine: Engine, clock: FrozenClock, settings: Settings) -> Iterator[Chat]:
    providers = {name: FakeProvider(responder) for name, responder in _responders().items()}
    now = clock.now
    webchat: list[Any] = []
    adapters: dict[str, Channel] = {
        "telegram": TelegramChannel(
            TelegramSettings("123:ABC", TELEGRAM_SECRET, api_base_url="https://tg.test"),
            client=providers["telegram"].client(),
            clock=now,
        ),
        "whatsapp": WhatsAppChannel(
            WhatsAppSettings(
                "wa-token", "1122334455667", META_SECRET, VERIFY_TOKEN, "https://graph.test"
            ),
            client=providers["whatsapp"].client(),
            clock=now,
        ),
        "messenger": MessengerChannel(
            MessengerSettings("page-token", META_SECRET, VERIFY_TOKEN, "https://graph.test"),
            client=providers["messenger"].client(),
            clock=now,
        ),
        "slack": SlackChannel(
            SlackSettings("xoxb-1", SLACK_SECRET, api_base_url="https://slack.test/api"),
            client=providers["slack"].client(),
            clock=now,
        ),
        "sms": TwilioSmsChannel(
            TwilioSmsSettings(
                "AC123", TWILIO_TOKEN, from_number="+15550000000", api_base_url="https://tw.test"
            ),
            client=providers["sms"].client(),
            clock=now,
        ),
        "webchat": WebChatChannel(
            WebChatSettings(store=lambda message_id, message: webchat.append(message)), clock=now
        ),
    }
    app = create_app(settings=settings, engine=engine, clock=clock, channels=adapters)
    with TestClient(app) as client:
        yield Chat(client, app, engine, clock, providers, webchat)


# Signing, the way each provider does it.


def telegram_headers(secret: str = TELEGRAM_SECRET) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}


def meta_headers(body: bytes, secret: str = META_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def slack_headers(
    body: bytes, timestamp: int, secret: str = SLACK_SECRET, content_type: str = "application/json"
) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def twilio_post(
    client: TestClient, params: dict[str, str], token: str = TWILIO_TOKEN
) -> httpx.Response:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(token).compute_signature(SMS_URL, params)
    return client.post(
        "/webhooks/sms",
        content=urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def twilio_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's scheme, written out: base64 HMAC-SHA1 of the URL and the sorted parameters."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def telegram_text(chat_id: int, text: str, message_id: int, update_id: int = 1) -> bytes:
    update = {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1763294400,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }
    return json.dumps(update).encode()


def telegram_button(chat_id: int, data: str, callback_id: str) -> bytes:
    update = {
        "update_id": 99,
        "callback_query": {
            "id": callback_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "message": {"message_id": 1, "chat": {"id": chat_id, "type": "private"}},
            "data": data,
        },
    }
    return json.dumps(update).encode()


def whatsapp_text(sender: str, text: str, message_id: str) -> bytes:
    return _whatsapp_message(sender, {"id": message_id, "type": "text", "text": {"body": text}})


def whatsapp_button(sender: str, button_id: str, message_id: str) -> bytes:
    reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": "t"}}
    return _whatsapp_message(
        sender, {"id": message_id, "type": "interactive", "interactive": reply}
    )


def _whatsapp_message(sender: str, message: dict[str, Any]) -> bytes:
    message = {"from": sender, "timestamp": "1763294400", **message}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "1122334455667"},
        "messages": [message],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope).encode()


def whatsapp_status(provider_id: str, status: str, error: str | None = None) -> bytes:
    entry: dict[str, Any] = {
        "id": provider_id,
        "status": status,
        "timestamp": "1763294500",
        "recipient_id": "972987654321",
    }
    if error:
        entry["errors"] = [{"code": 131026, "title": error}]
    value = {"messaging_product": "whatsapp", "statuses": [entry]}
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope).encode()


def messenger_text(sender: str, text: str, mid: str) -> bytes:
    return _messenger({"sender": {"id": sender}, "message": {"mid": mid, "text": text}})


def messenger_quick_reply(sender: str, payload: str, mid: str) -> bytes:
    message = {"mid": mid, "text": "t", "quick_reply": {"payload": payload}}
    return _messenger({"sender": {"id": sender}, "message": message})


def _messenger(item: dict[str, Any]) -> bytes:
    item = {"recipient": {"id": "PAGE"}, "timestamp": 1763294400000, **item}
    return json.dumps({"object": "page", "entry": [{"id": "PAGE", "messaging": [item]}]}).encode()


def slack_message(user: str, text: str, event_id: str) -> bytes:
    event = {
        "type": "message",
        "channel": "D0BILLBOT",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1763294400.000100",
    }
    return json.dumps({"type": "event_callback", "event_id": event_id, "event": event}).encode()


def slack_click(user: str, value: str, action_ts: str) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": "D0BILLBOT"},
        "actions": [{"type": "button", "action_id": value, "value": value, "action_ts": action_ts}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def sms_params(sender: str, body: str, sid: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "From": sender, "To": "+15550000000", "Body": body}


_HELPERS = (
    "telegram_headers",
    "meta_headers",
    "slack_headers",
    "twilio_post",
    "twilio_signature",
    "telegram_text",
    "telegram_button",
    "whatsapp_text",
    "whatsapp_button",
    "whatsapp_status",
    "messenger_text",
    "messenger_quick_reply",
    "slack_message",
    "slack_click",
    "sms_params",
)


@pytest.fixture
def wire() -> SimpleNamespace:
    """The signing and payload helpers above, and the test secrets."""
    helpers = {name: globals()[name] for name in _HELPERS}
    secrets = {
        "TELEGRAM_SECRET": TELEGRAM_SECRET,
        "META_SECRET": META_SECRET,
        "SLACK_SECRET": SLACK_SECRET,
        "TWILIO_TOKEN": TWILIO_TOKEN,
        "VERIFY_TOKEN": VERIFY_TOKEN,
        "SMS_URL": SMS_URL,
        "FIXTURES": WEBHOOK_FIXTURES,
    }
    return SimpleNamespace(**helpers, **secrets)
