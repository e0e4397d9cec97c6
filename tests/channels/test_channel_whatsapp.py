"""WhatsApp Cloud API: requests as documented, window rules, Meta signatures and every envelope."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels import (
    Button,
    ButtonPressed,
    DeliveryState,
    DeliveryStatus,
    FailureReason,
    HandshakeResponse,
    Ignored,
    InboundRequest,
    OptOut,
    OutboundMessage,
    PermanentError,
    RateLimited,
    SignatureError,
    Template,
    TextReceived,
    TransientError,
    WhatsAppChannel,
    WhatsAppSettings,
)

SETTINGS = WhatsAppSettings(
    access_token="EAAG-token",
    phone_number_id="1122334455667",
    app_secret="meta-app-secret",
    verify_token="verify-me",
    graph_base_url="https://graph.test",
    api_version="v23.0",
)
URL = "https://graph.test/v23.0/1122334455667/messages"


def signed(body: bytes, key: str = "meta-app-secret") -> InboundRequest:
    digest = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}
    return InboundRequest("POST", "https://bot.test/hooks/whatsapp", headers, body)


def envelopes(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every notification envelope in the fixture files, however deeply it is nested."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if "entry" in value and "object" in value:
                found.append((path, value))
            for key, child in value.items():
                walk(child, f"{path}/{key}")

    for file in sorted(folder.glob("*.json")):
        walk(json.loads(file.read_text()), file.stem)
    return found


@pytest.fixture
def provider(fake_provider: Any) -> Any:
    body = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "972987654321", "wa_id": "972987654321"}],
        "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI="}],
    }
    return fake_provider(lambda request: httpx.Response(200, json=body))


@pytest.mark.anyio
async def test_text_message_request(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    result = await channel.send(OutboundMessage("972987654321", "Your bill is ready."))
    request = provider.requests[-1]
    assert str(request.url) == URL
    assert request.headers["Authorization"] == "Bearer EAAG-token"
    assert provider.last_json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "972987654321",
        "type": "text",
        "text": {"preview_url": False, "body": "Your bill is ready."},
    }
    assert result.provider_message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI="


@pytest.mark.anyio
async def test_reply_buttons_are_an_interactive_message(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    buttons = (Button("pay", "Pay the full statement balance"), Button("later", "Later"))
    await channel.send(OutboundMessage("972987654321", "Due Friday.", buttons=buttons))
    assert provider.last_json["interactive"] == {
        "type": "button",
        "body": {"text": "Due Friday."},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "pay", "title": "Pay the full statem…"}},
                {"type": "reply", "reply": {"id": "later", "title": "Later"}},
            ]
        },
    }


@pytest.mark.anyio
async def test_long_text_with_buttons_keeps_the_interactive_body_under_1024(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    text = "A sentence about your spending this week. " * 60  # ~2,500 characters
    await channel.send(OutboundMessage("1", text, buttons=(Button("ok", "OK"),)))
    bodies = [json.loads(r.content) for r in provider.requests]
    assert [b["type"] for b in bodies][-1] == "interactive"
    assert all(b["type"] == "text" for b in bodies[:-1])
    assert len(bodies[-1]["interactive"]["body"]["text"]) <= 1024


@pytest.mark.anyio
async def test_four_buttons_become_numbered_text(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    buttons = tuple(Button(str(n), f"Choice {n}") for n in range(4))
    await channel.send(OutboundMessage("1", "Pick one.", buttons=buttons))
    assert provider.last_json["type"] == "text"
    assert provider.last_json["text"]["body"].endswith("4 for Choice 3.")


@pytest.mark.anyio
async def test_template_message_with_parameters_and_quick_reply_payloads(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    message = OutboundMessage(
        "972987654321",
        "ignored when a template is given",
        template=Template("bill_due_reminder", "en_US", ("Ana", "120.00 EUR", "14 March")),
        buttons=(Button("pay", "Pay"), Button("stop", "Stop reminders")),
    )
    await channel.send(message)
    assert provider.last_json["type"] == "template"
    assert provider.last_json["template"] == {
        "name": "bill_due_reminder",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "120.00 EUR"},
                    {"type": "text", "text": "14 March"},
                ],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "pay"}],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "1",
                "parameters": [{"type": "payload", "payload": "stop"}],
            },
        ],
    }


@pytest.mark.anyio
async def test_template_without_parameters_has_no_components(provider: Any) -> None:
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    await channel.send(OutboundMessage("1", "", template=Template("hello_world", "en_US")))
    assert provider.last_json["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def graph_error(code: int, status: int = 400, **extra: Any) -> httpx.Response:
    error = {"message": f"(#{code}) something", "type": "OAuthException", "code": code} | extra
    return httpx.Response(status, json={"error": error})


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "expected", "reason"),
    [
        (
            graph_error(
                131047,
                error_data={
                    "messaging_product": "whatsapp",
                    "details": "Message failed to send because more than 24 hours have passed",
                },
            ),
            PermanentError,
            "outside_session_window",
        ),
        (graph_error(131026), PermanentError, FailureReason.INVALID_RECIPIENT),
        (graph_error(132001, 404), PermanentError, FailureReason.INVALID_MESSAGE),
        (graph_error(190, 401), PermanentError, FailureReason.UNAUTHORIZED),
        (graph_error(130429), RateLimited, None),
        (graph_error(80007), RateLimited, None),
        (graph_error(131056), RateLimited, None),
        (graph_error(131000, 500), TransientError, None),
        (graph_error(2, 503), TransientError, None),
        (httpx.Response(502, text="Bad Gateway"), TransientError, None),
    ],
)
async def test_graph_errors_are_classified(
    fake_provider: Any, response: httpx.Response, expected: type[Exception], reason: str | None
) -> None:
    provider = fake_provider(lambda request: response)
    channel = WhatsAppChannel(SETTINGS, client=provider.client())
    with pytest.raises(expected) as caught:
        await channel.send(OutboundMessage("1", "hi"))
    if reason is not None:
        assert isinstance(caught.value, PermanentError) and caught.value.reason == reason
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after is None


def test_window_rules(now: Any) -> None:
    channel = WhatsAppChannel(SETTINGS)
    assert channel.requires_template(None, now)
    assert not channel.requires_template(now - timedelta(hours=23, minutes=59), now)
    assert channel.requires_template(now - timedelta(hours=24), now)
    caps = channel.capabilities
    assert caps.can_send(now - timedelta(days=3), now, template=True)
    assert not caps.can_send(now - timedelta(days=3), now, template=False)


def test_handshake_echoes_the_challenge_for_the_right_token() -> None:
    channel = WhatsAppChannel(SETTINGS)
    url = "https://bot.test/hooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"
    assert channel.handshake(InboundRequest("GET", url)) == HandshakeResponse(200, "1158201444")
    with pytest.raises(SignatureError):
        channel.handshake(InboundRequest("GET", url.replace("verify-me", "guess")))
    assert channel.handshake(InboundRequest("POST", "https://bot.test/hooks/whatsapp")) is None


def test_signature_over_the_raw_body() -> None:
    channel = WhatsAppChannel(SETTINGS)
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    channel.verify(signed(body))
    upper = signed(body)
    header = upper.headers["X-Hub-Signature-256"]
    channel.verify(InboundRequest("POST", upper.url, {"X-Hub-Signature-256": header.upper()}, body))
    rejected = [
        signed(body, key="other-secret"),
        InboundRequest("POST", upper.url, {"X-Hub-Signature-256": header}, body + b" "),
        InboundRequest(
            "POST", upper.url, {"X-Hub-Signature-256": header}, body.replace(b":", b": ")
        ),
        InboundRequest("POST", upper.url, {}, body),
        InboundRequest("POST", upper.url, {"X-Hub-Signature-256": "sha1=" + "0" * 40}, body),
        InboundRequest("POST", upper.url, {"X-Hub-Signature-256": "sha256=ünïcode"}, body),
    ]
    for request in rejected:
        with pytest.raises(SignatureError):
            channel.verify(request)


def test_every_fixture_envelope_parses_without_raising(webhook_fixtures: Path) -> None:
    channel = WhatsAppChannel(SETTINGS)
    found = envelopes(webhook_fixtures / "whatsapp")
    assert len(found) > 60
    for name, envelope in found:
        events = channel.parse(signed(json.dumps(envelope).encode()))
        assert events, name


def events_of(webhook_fixtures: Path, file: str, key: str) -> list[Any]:
    envelope = json.loads((webhook_fixtures / "whatsapp" / file).read_text())[key]
    return WhatsAppChannel(SETTINGS).parse(signed(json.dumps(envelope).encode()))


def test_meaningful_envelopes_become_the_right_events(webhook_fixtures: Path) -> None:
    (text,) = events_of(webhook_fixtures, "message.json", "text")
    assert text == TextReceived(
        sender="972987654321",
        text="Body Text",
        provider_message_id="wamid.xyzxyz",
        chat_id="972987654321",
        at=text.at,
    )
    assert text.at.timestamp() == 1697043223
    (reply,) = events_of(webhook_fixtures, "callback_button.json", "button")
    assert isinstance(reply, ButtonPressed) and reply.button_id == "callback_data"
    (quick,) = events_of(webhook_fixtures, "callback_button.json", "quick_reply")
    assert isinstance(quick, ButtonPressed) and quick.title == "title"
    (listed,) = events_of(webhook_fixtures, "callback_selection.json", "callback")
    assert isinstance(listed, ButtonPressed)
    (failed,) = events_of(webhook_fixtures, "message_status.json", "failed")
    assert failed == DeliveryStatus(
        provider_message_id="wamid.xyzxyz",
        status=DeliveryState.FAILED,
        error="130472 User's number is part of an experiment",
        recipient="972987654321",
        at=failed.at,
    )
    statuses = [
        events_of(webhook_fixtures, "message_status.json", k)[0].status
        for k in ("sent", "delivered", "read", "played")
    ]
    assert statuses == ["sent", "delivered", "read", "read"]


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("edited_message.json", "image"),
        ("deleted_message.json", "revoke"),
        ("message.json", "reaction"),
        ("message.json", "image"),
        ("message.json", "unsupported"),
        ("call_status.json", "call_status"),
        ("call_connect.json", "user_initiated"),
        ("template_status_update.json", "rejected"),
        ("account_update.json", "account_violation"),
        ("outgoing_message.json", "text"),
        ("system.json", "phone_number_change"),
        ("flow_completion.json", "completion"),
        ("user_marketing_preferences.json", "resume"),
    ],
)
def test_everything_else_is_ignored(webhook_fixtures: Path, file: str, key: str) -> None:
    events = events_of(webhook_fixtures, file, key)
    assert events and all(isinstance(e, Ignored) for e in events)


def test_stop_keyword_in_a_text_is_an_opt_out(webhook_fixtures: Path) -> None:
    envelope = json.loads((webhook_fixtures / "whatsapp/message.json").read_text())["text"]
    message = envelope["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = " 退订 "
    (event,) = WhatsAppChannel(SETTINGS).parse(signed(json.dumps(envelope).encode()))
    assert isinstance(event, OptOut) and event.keyword == "退订"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1,2]",
        b'{"object": "page"}',
        b'{"object": "whatsapp_business_account", "entry": "x"}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", '
        b'"value": {"messages": [{"type": "text"}, 7], "statuses": [{"status": "sent"}]}}]}]}',
    ],
)
def test_malformed_envelopes_are_ignored(body: bytes) -> None:
    events = WhatsAppChannel(SETTINGS).parse(signed(body))
    assert events and all(isinstance(e, Ignored) for e in events)
