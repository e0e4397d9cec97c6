"""Slack: chat.postMessage with Block Kit, both rate-limit shapes, v0 signatures and webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from channels import (
    Button,
    ButtonPressed,
    FailureReason,
    HandshakeResponse,
    Ignored,
    InboundRequest,
    Markup,
    OptOut,
    OutboundMessage,
    PermanentError,
    RateLimited,
    SignatureError,
    SlackChannel,
    SlackSettings,
    TextReceived,
    TransientError,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SETTINGS = SlackSettings(
    bot_token="xoxb-test", signing_secret=SECRET, api_base_url="https://slack.test/api"
)
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def channel_at(moment: datetime = NOW, **kwargs: Any) -> SlackChannel:
    return SlackChannel(SETTINGS, clock=lambda: moment, **kwargs)


def signed(
    body: bytes, *, at: datetime = NOW, secret: str = SECRET, **headers: str
) -> InboundRequest:
    """A request signed by Slack's own SDK, the independent peer."""
    timestamp = str(int(at.timestamp()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    all_headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature} | headers
    return InboundRequest("POST", "https://bot.test/hooks/slack", all_headers, body)


def dm(text: str, **event: Any) -> bytes:
    payload = {
        "token": "XXYYZZ",
        "team_id": "T123ABC456",
        "api_app_id": "A123ABC456",
        "event": {
            "type": "message",
            "channel": "D024BE91L",
            "user": "U2147483697",
            "text": text,
            "ts": "1355517523.000005",
            "event_ts": "1355517523.000005",
            "channel_type": "im",
        }
        | event,
        "type": "event_callback",
        "event_id": "Ev08MFMKH6",
        "event_time": 1355517523,
    }
    return json.dumps(payload).encode()


BLOCK_ACTIONS = {
    "type": "block_actions",
    "user": {"id": "U0CA5", "username": "Amy McGee", "team_id": "T3MDE"},
    "api_app_id": "A0CA5",
    "container": {"type": "message", "message_ts": "1548261231.000200", "channel_id": "D0CA5"},
    "trigger_id": "12466734323.1395872398",
    "channel": {"id": "D0CA5", "name": "directmessage"},
    "response_url": "https://hooks.slack.com/actions/T3MDE/1/abc",
    "actions": [
        {
            "action_id": "pay",
            "block_id": "=qXel",
            "text": {"type": "plain_text", "text": "Pay now"},
            "value": "pay",
            "type": "button",
            "action_ts": "1548426417.840180",
        }
    ],
}


@pytest.fixture
def provider(fake_provider: Any) -> Any:
    return fake_provider(
        lambda request: httpx.Response(
            200, json={"ok": True, "channel": "D024BE91L", "ts": "1503435956.000247"}
        )
    )


@pytest.mark.anyio
async def test_post_message_with_action_buttons(provider: Any) -> None:
    channel = SlackChannel(SETTINGS, client=provider.client())
    message = OutboundMessage(
        "U2147483697",
        "*Bill due* Friday",
        buttons=(Button("pay", "Pay now"),),
        markup=Markup.SLACK_MRKDWN,
    )
    result = await channel.send(message)
    request = provider.requests[-1]
    assert str(request.url) == "https://slack.test/api/chat.postMessage"
    assert request.headers["Authorization"] == "Bearer xoxb-test"
    assert provider.last_json == {
        "channel": "U2147483697",
        "text": "*Bill due* Friday",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Bill due* Friday"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Pay now"},
                        "action_id": "pay",
                        "value": "pay",
                    }
                ],
            },
        ],
    }
    assert result.provider_message_id == "1503435956.000247"


@pytest.mark.anyio
async def test_plain_text_is_escaped_and_not_formatted(provider: Any) -> None:
    channel = SlackChannel(SETTINGS, client=provider.client())
    await channel.send(OutboundMessage("D1", "Spent <100> & *more*"))
    assert provider.last_json == {
        "channel": "D1",
        "text": "Spent &lt;100&gt; &amp; *more*",
        "mrkdwn": False,
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "retry_after"),
    [
        (httpx.Response(200, json={"ok": False, "error": "ratelimited"}), None),
        (
            httpx.Response(
                200, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "30"}
            ),
            30.0,
        ),
        (httpx.Response(429, text="", headers={"Retry-After": "12"}), 12.0),
        (
            httpx.Response(429, text="", headers={"Retry-After": "Fri, 14 Mar 2025 09:31:00 GMT"}),
            60.0,
        ),
    ],
)
async def test_both_rate_limit_shapes(
    fake_provider: Any, response: httpx.Response, retry_after: float | None
) -> None:
    provider = fake_provider(lambda request: response)
    with pytest.raises(RateLimited) as caught:
        await channel_at(client=provider.client()).send(OutboundMessage("D1", "hi"))
    assert caught.value.retry_after == retry_after


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        ("channel_not_found", FailureReason.INVALID_RECIPIENT),
        ("invalid_auth", FailureReason.UNAUTHORIZED),
        ("msg_too_long", FailureReason.INVALID_MESSAGE),
        ("something_new", FailureReason.REJECTED),
        ("internal_error", None),
    ],
)
async def test_ok_false_errors(fake_provider: Any, error: str, outcome: str | None) -> None:
    provider = fake_provider(
        lambda request: httpx.Response(200, json={"ok": False, "error": error})
    )
    channel = SlackChannel(SETTINGS, client=provider.client())
    if outcome is None:
        with pytest.raises(TransientError):
            await channel.send(OutboundMessage("D1", "hi"))
        return
    with pytest.raises(PermanentError) as caught:
        await channel.send(OutboundMessage("D1", "hi"))
    assert caught.value.reason == outcome and caught.value.provider_code == error


def test_signatures_from_the_slack_sdk_verify() -> None:
    body = dm("hello")
    channel_at().verify(signed(body))
    # Four minutes of clock skew either way is still inside the window.
    channel_at().verify(signed(body, at=NOW - timedelta(minutes=4)))
    channel_at().verify(signed(body, at=NOW + timedelta(minutes=4)))


def test_the_documented_vector_verifies_with_a_2018_clock(webhook_fixtures: Path) -> None:
    vector = json.loads(
        (webhook_fixtures / "slack/signature_vector_slash_command.json").read_text()
    )
    request = InboundRequest(
        "POST",
        "https://bot.test/hooks/slack",
        {
            "X-Slack-Request-Timestamp": vector["X-Slack-Request-Timestamp"],
            "X-Slack-Signature": vector["X-Slack-Signature"],
            "Content-Type": "application/x-www-form-urlencoded",
        },
        vector["raw_body"].encode(),
    )
    sent_at = datetime.fromtimestamp(int(vector["X-Slack-Request-Timestamp"]), UTC)
    SlackChannel(
        SlackSettings(bot_token="x", signing_secret=vector["signing_secret"]),
        clock=lambda: sent_at + timedelta(seconds=30),
    ).verify(request)
    with pytest.raises(SignatureError, match="replay window"):
        SlackChannel(SlackSettings(bot_token="x", signing_secret=vector["signing_secret"])).verify(
            request
        )
    (command,) = SlackChannel(
        SlackSettings(bot_token="x", signing_secret="s"), clock=lambda: sent_at
    ).parse(request)
    assert command == TextReceived(
        sender="U2CERLKJA",
        text="/webhook-collect",
        provider_message_id="398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        chat_id="G8PSS9T3V",
        at=sent_at,
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: InboundRequest(r.method, r.url, r.headers, r.body + b" "),
        lambda r: InboundRequest(r.method, r.url, r.headers, r.body.replace(b"hello", b"hellO")),
        lambda r: InboundRequest(
            r.method, r.url, {"X-Slack-Signature": r.headers["X-Slack-Signature"]}, r.body
        ),
        lambda r: InboundRequest(
            r.method,
            r.url,
            {"X-Slack-Request-Timestamp": r.headers["X-Slack-Request-Timestamp"]},
            r.body,
        ),
        lambda r: InboundRequest(
            r.method, r.url, dict(r.headers) | {"X-Slack-Request-Timestamp": "soon"}, r.body
        ),
        lambda r: InboundRequest(
            r.method,
            r.url,
            dict(r.headers) | {"X-Slack-Request-Timestamp": str(int(NOW.timestamp()) + 1)},
            r.body,
        ),
        lambda r: InboundRequest(
            r.method,
            r.url,
            dict(r.headers) | {"X-Slack-Signature": "v1=" + r.headers["X-Slack-Signature"][3:]},
            r.body,
        ),
    ],
)
def test_tampered_requests_are_rejected(tamper: Any) -> None:
    with pytest.raises(SignatureError):
        channel_at().verify(tamper(signed(dm("hello"))))


@pytest.mark.parametrize(
    "request_",
    [
        signed(dm("hello"), secret="another-secret"),
        signed(dm("hello"), at=NOW - timedelta(minutes=5, seconds=1)),
        signed(dm("hello"), at=NOW + timedelta(minutes=6)),
    ],
)
def test_wrong_secret_and_stale_timestamps_are_rejected(request_: InboundRequest) -> None:
    with pytest.raises(SignatureError):
        channel_at().verify(request_)


def test_url_verification_handshake_is_signed(webhook_fixtures: Path) -> None:
    body = (webhook_fixtures / "slack/url_challenge.json").read_bytes()
    assert channel_at().handshake(signed(body)) == HandshakeResponse(200, "valid_challenge_token")
    with pytest.raises(SignatureError):
        channel_at().handshake(signed(body, secret="forged"))
    assert channel_at().handshake(signed(dm("hi"))) is None


def test_direct_messages_are_text_and_retries_keep_the_event_id() -> None:
    first = channel_at().parse(signed(dm("How much did I spend?")))
    retry_request = signed(
        dm("How much did I spend?"),
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    retry = channel_at().parse(retry_request)
    assert first == retry
    (event,) = first
    assert isinstance(event, TextReceived)
    assert (event.sender, event.chat_id, event.provider_message_id) == (
        "U2147483697",
        "D024BE91L",
        "Ev08MFMKH6",
    )
    assert SlackChannel.retry_number(retry_request) == 1
    assert SlackChannel.retry_number(signed(b"{}")) == 0


def test_unsubscribe_in_a_dm_is_an_opt_out() -> None:
    (event,) = channel_at().parse(signed(dm("Unsubscribe")))
    assert isinstance(event, OptOut) and event.keyword == "UNSUBSCRIBE"


@pytest.mark.parametrize(
    "body",
    [
        dm("edited", subtype="message_changed"),
        dm("from a bot", bot_id="B123"),
        dm("in public", channel="C024BE91L", channel_type="channel"),
        dm("no user", user=None),
        json.dumps({"type": "app_rate_limited", "minute_rate_limited": 1518467820}).encode(),
        b"",
        b"token=abc",
        b"payload=not-json",
    ],
)
def test_other_events_are_ignored(body: bytes) -> None:
    events = channel_at().parse(signed(body))
    assert events and all(isinstance(e, Ignored) for e in events)


def test_the_reaction_fixture_is_ignored(webhook_fixtures: Path) -> None:
    body = (webhook_fixtures / "slack/reaction_added.json").read_bytes()
    (event,) = channel_at().parse(signed(body))
    assert isinstance(event, Ignored) and "reaction_added" in event.reason


def test_block_actions_interactivity_payload_is_a_button_press() -> None:
    body = urlencode({"payload": json.dumps(BLOCK_ACTIONS)}).encode()
    request = signed(body, **{"Content-Type": "application/x-www-form-urlencoded"})
    channel_at().verify(request)
    (pressed,) = channel_at().parse(request)
    assert pressed == ButtonPressed(
        sender="U0CA5",
        button_id="pay",
        provider_message_id="1548426417.840180",
        chat_id="D0CA5",
        at=datetime.fromtimestamp(1548426417.840180, UTC),
        title="Pay now",
    )


def test_other_interactions_are_ignored() -> None:
    body = urlencode(
        {"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}})}
    ).encode()
    (event,) = channel_at().parse(signed(body))
    assert isinstance(event, Ignored)
