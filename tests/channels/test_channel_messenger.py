"""Messenger: Send API requests, window errors, shared Meta signature, documented webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
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
    MessengerChannel,
    MessengerSettings,
    OptIn,
    OutboundMessage,
    PermanentError,
    SignatureError,
    TextReceived,
)

SETTINGS = MessengerSettings(
    page_access_token="EAAPage",
    app_secret="page-app-secret",
    verify_token="verify-me",
    graph_base_url="https://graph.test",
)
PSID, PAGE = "1254477777772919", "106540352242922"


def signed(payload: dict[str, Any], key: str = "page-app-secret") -> InboundRequest:
    body = json.dumps(payload).encode()
    digest = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return InboundRequest(
        "POST",
        "https://bot.test/hooks/messenger",
        {"X-Hub-Signature-256": f"sha256={digest}"},
        body,
    )


def page(*messaging: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1458692752478, "messaging": list(messaging)}],
    }


def event(**kind: Any) -> dict[str, Any]:
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1458692752478} | kind


@pytest.mark.anyio
async def test_send_uses_messaging_type_response_and_quick_replies(fake_provider: Any) -> None:
    provider = fake_provider(
        lambda request: httpx.Response(200, json={"recipient_id": PSID, "message_id": "m_AG5Hz2"})
    )
    channel = MessengerChannel(SETTINGS, client=provider.client())
    buttons = (Button("PAY_NOW", "Pay now"), Button("LATER", "Remind me tomorrow morning"))
    result = await channel.send(OutboundMessage(PSID, "Your bill is due Friday.", buttons=buttons))
    request = provider.requests[-1]
    assert str(request.url) == "https://graph.test/v23.0/me/messages"
    assert request.headers["Authorization"] == "Bearer EAAPage"
    assert provider.last_json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Your bill is due Friday.",
            "quick_replies": [
                {"content_type": "text", "title": "Pay now", "payload": "PAY_NOW"},
                {"content_type": "text", "title": "Remind me tomorrow…", "payload": "LATER"},
            ],
        },
    }
    assert result.provider_message_id == "m_AG5Hz2"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            {
                "code": 10,
                "error_subcode": 2018278,
                "message": "(#10) This message is sent outside of allowed window.",
            },
            FailureReason.OUTSIDE_SESSION_WINDOW,
        ),
        (
            {
                "code": 551,
                "error_subcode": 1545041,
                "message": "This person isn't available right now.",
            },
            FailureReason.RECIPIENT_BLOCKED,
        ),
        (
            {"code": 100, "error_subcode": 2018001, "message": "No matching user found"},
            FailureReason.INVALID_RECIPIENT,
        ),
        ({"code": 190, "message": "Invalid OAuth access token."}, FailureReason.UNAUTHORIZED),
    ],
)
async def test_permanent_errors(fake_provider: Any, error: dict[str, Any], reason: str) -> None:
    response = httpx.Response(400, json={"error": error | {"type": "OAuthException"}})
    provider = fake_provider(lambda request: response)
    with pytest.raises(PermanentError) as caught:
        await MessengerChannel(SETTINGS, client=provider.client()).send(OutboundMessage(PSID, "hi"))
    assert caught.value.reason == reason
    assert caught.value.provider_code and caught.value.provider_code.startswith(str(error["code"]))


def test_window_is_declared_without_templates(now: Any) -> None:
    caps = MessengerChannel.capabilities
    assert caps.session_window == timedelta(hours=24)
    assert not caps.can_send(now - timedelta(hours=25), now, template=True)
    assert caps.can_send(now - timedelta(hours=1), now, template=False)
    assert not caps.requires_template(now - timedelta(hours=25), now)


def test_handshake_and_signature_share_the_meta_scheme() -> None:
    channel = MessengerChannel(SETTINGS)
    url = "https://bot.test/hooks/messenger?hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=verify-me"
    assert channel.handshake(InboundRequest("GET", url)) == HandshakeResponse(
        200, "CHALLENGE_ACCEPTED"
    )
    with pytest.raises(SignatureError):
        channel.handshake(InboundRequest("GET", url.replace("subscribe", "unsubscribe")))
    channel.verify(signed(page()))
    with pytest.raises(SignatureError):
        channel.verify(signed(page(), key="whatsapp-secret"))


def test_documented_events_parse() -> None:
    channel = MessengerChannel(SETTINGS)
    payload = page(
        event(message={"mid": "m_1", "text": "hello, world!"}),
        event(message={"mid": "m_2", "text": "Pay now", "quick_reply": {"payload": "PAY_NOW"}}),
        event(postback={"mid": "m_3", "title": "Get Started", "payload": "GET_STARTED"}),
        event(message={"mid": "m_4", "text": "Start"}),
        {
            "sender": {"id": PSID},
            "recipient": {"id": PAGE},
            "delivery": {"mids": ["m_sent_1", "m_sent_2"], "watermark": 1458668856253},
        },
        event(read={"watermark": 1458668856253}),
        event(message={"mid": "m_5", "is_echo": True, "app_id": 1517776481860111, "text": "ours"}),
        event(message={"mid": "m_6", "attachments": [{"type": "image", "payload": {"url": "u"}}]}),
        event(reaction={"reaction": "love", "emoji": "❤", "action": "react", "mid": "m_1"}),
    )
    events = channel.parse(signed(payload))
    text, quick, postback, start, delivered, delivered_2, *ignored = events
    assert text == TextReceived(PSID, "hello, world!", "m_1", PSID, text.at)
    assert text.at.timestamp() == pytest.approx(1458692752.478)
    assert isinstance(quick, ButtonPressed) and quick.button_id == "PAY_NOW"
    assert isinstance(postback, ButtonPressed) and postback.title == "Get Started"
    assert isinstance(start, OptIn)
    assert delivered == DeliveryStatus(
        "m_sent_1", DeliveryState.DELIVERED, recipient=PSID, at=delivered.at
    )
    assert isinstance(delivered_2, DeliveryStatus) and delivered_2.provider_message_id == "m_sent_2"
    assert len(ignored) == 4 and all(isinstance(e, Ignored) for e in ignored)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"object": "instagram", "entry": []},
        {"object": "page", "entry": [{"messaging": "x"}]},
        page({"message": {"text": "no sender"}}),
        page(event(message={"text": "no mid"})),
        page(event(delivery={"mids": "not a list"})),
        {"object": "page", "entry": [{"standby": []}]},
    ],
)
def test_odd_payloads_are_ignored(payload: dict[str, Any]) -> None:
    events = MessengerChannel(SETTINGS).parse(signed(payload))
    assert events and all(isinstance(e, Ignored) for e in events)
