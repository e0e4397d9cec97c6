"""Channels without a provider: in-app web chat, the console and the fake used by core tests."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from channels import (
    Button,
    ButtonPressed,
    ConsoleChannel,
    ConsoleSettings,
    DeliveryState,
    DeliveryStatus,
    FailureReason,
    FakeChannel,
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
    WebChatChannel,
    WebChatSettings,
)

MESSAGE = OutboundMessage(
    "user-42",
    "Your bill is 1,204.50.",
    buttons=(Button("pay", "Pay now"), Button("later", "Later")),
)


@pytest.mark.anyio
async def test_webchat_hands_messages_to_a_sync_store() -> None:
    stored: list[tuple[str, OutboundMessage]] = []
    channel = WebChatChannel(WebChatSettings(store=lambda mid, m: stored.append((mid, m))))
    first = await channel.send(MESSAGE)
    second = await channel.send(OutboundMessage("user-42", "x" * 50_000))
    assert [mid for mid, _ in stored] == [first.provider_message_id, second.provider_message_id]
    assert first.provider_message_id != second.provider_message_id
    assert stored[0][1] is MESSAGE  # buttons and all, unsplit


@pytest.mark.anyio
async def test_webchat_awaits_an_async_store_and_lets_its_errors_through() -> None:
    stored: list[str] = []

    async def store(message_id: str, message: OutboundMessage) -> None:
        if message.text == "boom":
            raise RuntimeError("database is down")
        stored.append(message_id)

    channel = WebChatChannel(WebChatSettings(store=store))
    result = await channel.send(MESSAGE)
    assert stored == [result.provider_message_id]
    with pytest.raises(RuntimeError, match="database"):
        await channel.send(OutboundMessage("u", "boom"))


@pytest.mark.anyio
async def test_console_prints_a_readable_rendering(now: Any) -> None:
    stream = io.StringIO()
    channel = ConsoleChannel(ConsoleSettings(stream=stream), clock=lambda: now)
    result = await channel.send(MESSAGE)
    await channel.send(
        OutboundMessage("+1", "Reminder", subject="Due", template=Template("due", "en", ("Ana",)))
    )
    assert stream.getvalue().split("\n\n")[0] == (
        "--- to user-42 at 2025-03-14 09:30:00 UTC ---\n"
        "Your bill is 1,204.50.\n"
        "  [1] Pay now  (pay)\n"
        "  [2] Later  (later)"
    )
    assert "Subject: Due\n[template due/en: Ana]\nReminder" in stream.getvalue()
    assert result.provider_message_id == "console-1"


@pytest.mark.anyio
async def test_console_can_log_instead(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("billbot.demo.console")
    with caplog.at_level(logging.INFO, logger=logger.name):
        await ConsoleChannel(ConsoleSettings(logger=logger)).send(MESSAGE)
    assert "Your bill is 1,204.50." in caplog.text


@pytest.mark.anyio
async def test_fake_records_and_follows_its_script() -> None:
    channel = FakeChannel()
    channel.fail_next(
        RateLimited(30), TransientError("503"), PermanentError(FailureReason.RECIPIENT_BLOCKED)
    )
    outcomes: list[Any] = []
    for _ in range(4):
        try:
            outcomes.append(await channel.send(MESSAGE))
        except (RateLimited, TransientError, PermanentError) as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes[:3] == ["RateLimited", "TransientError", "PermanentError"]
    assert outcomes[3].provider_message_id == "fake-1"
    assert channel.sent == [MESSAGE] and len(channel.attempts) == 4


@pytest.mark.anyio
async def test_fake_validates_like_a_real_channel() -> None:
    channel = FakeChannel()
    with pytest.raises(PermanentError):
        await channel.send(OutboundMessage("u", "  "))
    assert channel.sent == []


def test_fake_inbound_round_trip(now: Any) -> None:
    channel = FakeChannel(clock=lambda: now)

    def request(payload: dict[str, Any], signature: str = "fake-secret") -> InboundRequest:
        return InboundRequest(
            "POST",
            "https://bot.test/hooks/fake",
            {"X-Fake-Signature": signature},
            json.dumps(payload).encode(),
        )

    channel.verify(request({}))
    with pytest.raises(SignatureError):
        channel.verify(request({}, signature="nope"))
    assert channel.parse(request({"type": "text", "sender": "u1", "text": "hi", "id": "m1"})) == [
        TextReceived("u1", "hi", "m1", "u1", now)
    ]
    assert isinstance(
        channel.parse(request({"type": "text", "sender": "u1", "text": "STOP", "id": "m2"}))[0],
        OptOut,
    )
    assert channel.parse(
        request({"type": "button", "sender": "u1", "button_id": "pay", "id": "m3"})
    ) == [ButtonPressed("u1", "pay", "m3", "u1", now)]
    assert channel.parse(request({"type": "status", "id": "fake-1", "status": "read"})) == [
        DeliveryStatus("fake-1", DeliveryState.READ)
    ]
    for odd in ({"type": "status", "id": "x", "status": "exploded"}, {"type": "text"}, {}):
        assert isinstance(channel.parse(request(odd))[0], Ignored)
