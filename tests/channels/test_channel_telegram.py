"""Telegram: the exact Bot API requests, error mapping, secret-token check and real updates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels import (
    Button,
    ButtonPressed,
    FailureReason,
    Ignored,
    InboundRequest,
    Markup,
    OptOut,
    OutboundMessage,
    PermanentError,
    RateLimited,
    SignatureError,
    TelegramChannel,
    TelegramSettings,
    TextReceived,
)

SETTINGS = TelegramSettings(
    bot_token="123456:ABC-DEF", webhook_secret="hook-secret_1", api_base_url="https://tg.test"
)


def ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


def update(body: dict[str, Any], header: str | None = "hook-secret_1") -> InboundRequest:
    headers = {} if header is None else {"X-Telegram-Bot-Api-Secret-Token": header}
    return InboundRequest(
        "POST", "https://bot.test/hooks/telegram", headers, json.dumps(body).encode()
    )


@pytest.fixture
def provider(fake_provider: Any) -> Any:
    return fake_provider(lambda request: ok({"message_id": 42, "chat": {"id": 1111111}}))


@pytest.mark.anyio
async def test_send_message_with_an_inline_keyboard(provider: Any) -> None:
    channel = TelegramChannel(SETTINGS, client=provider.client())
    message = OutboundMessage(
        "1111111",
        "<b>Bill due</b> on Friday",
        buttons=(Button("pay:2025-03", "Pay now"), Button("snooze", "Later")),
        markup=Markup.TELEGRAM_HTML,
    )
    result = await channel.send(message)
    request = provider.requests[-1]
    assert request.method == "POST"
    assert str(request.url) == "https://tg.test/bot123456:ABC-DEF/sendMessage"
    assert provider.last_json == {
        "chat_id": "1111111",
        "text": "<b>Bill due</b> on Friday",
        "parse_mode": "HTML",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Pay now", "callback_data": "pay:2025-03"}],
                [{"text": "Later", "callback_data": "snooze"}],
            ]
        },
    }
    assert result.provider_message_id == "42"


@pytest.mark.anyio
async def test_long_text_is_split_and_the_keyboard_rides_on_the_last_part(provider: Any) -> None:
    channel = TelegramChannel(SETTINGS, client=provider.client())
    text = "\n\n".join(["word " * 600] * 3)
    result = await channel.send(OutboundMessage("1", text, buttons=(Button("ok", "OK"),)))
    bodies = [json.loads(r.content) for r in provider.requests]
    assert len(bodies) == 3 and len(result.part_ids) == 3
    assert all(len(b["text"]) <= 4096 and "parse_mode" not in b for b in bodies)
    assert ["reply_markup" in b for b in bodies] == [False, False, True]


@pytest.mark.anyio
async def test_callback_data_longer_than_64_bytes_is_rejected_before_sending(
    provider: Any,
) -> None:
    channel = TelegramChannel(SETTINGS, client=provider.client())
    message = OutboundMessage("1", "Pick", buttons=(Button("账" * 22, "Go"),))  # 66 bytes
    with pytest.raises(PermanentError) as caught:
        await channel.send(message)
    assert caught.value.reason == FailureReason.INVALID_MESSAGE
    assert provider.requests == []


@pytest.mark.anyio
async def test_slack_markup_is_refused(provider: Any) -> None:
    channel = TelegramChannel(SETTINGS, client=provider.client())
    with pytest.raises(PermanentError):
        await channel.send(OutboundMessage("1", "*hi*", markup=Markup.SLACK_MRKDWN))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "description", "reason"),
    [
        (403, "Forbidden: bot was blocked by the user", FailureReason.RECIPIENT_BLOCKED),
        (403, "Forbidden: user is deactivated", FailureReason.RECIPIENT_BLOCKED),
        (400, "Bad Request: chat not found", FailureReason.INVALID_RECIPIENT),
        (
            400,
            "Bad Request: can't parse entities: Unsupported start tag",
            FailureReason.INVALID_MESSAGE,
        ),
        (401, "Unauthorized", FailureReason.UNAUTHORIZED),
        (409, "Conflict: something new", FailureReason.REJECTED),
    ],
)
async def test_errors_map_to_permanent_reasons(
    fake_provider: Any, status: int, description: str, reason: FailureReason
) -> None:
    body = {"ok": False, "error_code": status, "description": description}
    provider = fake_provider(lambda request: httpx.Response(status, json=body))
    with pytest.raises(PermanentError) as caught:
        await TelegramChannel(SETTINGS, client=provider.client()).send(OutboundMessage("1", "x"))
    assert caught.value.reason == reason
    assert caught.value.provider_code == str(status)


@pytest.mark.anyio
async def test_group_migration_names_the_new_chat(fake_provider: Any) -> None:
    body = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1001234567890},
    }
    provider = fake_provider(lambda request: httpx.Response(400, json=body))
    with pytest.raises(PermanentError, match="-1001234567890"):
        await TelegramChannel(SETTINGS, client=provider.client()).send(OutboundMessage("1", "x"))


@pytest.mark.anyio
async def test_flood_control_without_parameters_uses_the_header(fake_provider: Any) -> None:
    body = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    response = httpx.Response(429, json=body, headers={"Retry-After": "3"})
    provider = fake_provider(lambda request: response)
    with pytest.raises(RateLimited) as caught:
        await TelegramChannel(SETTINGS, client=provider.client()).send(OutboundMessage("1", "x"))
    assert caught.value.retry_after == 3.0


@pytest.mark.anyio
async def test_answer_callback_query_and_set_webhook(provider: Any) -> None:
    provider.answer(ok(True), ok(True))
    channel = TelegramChannel(SETTINGS, client=provider.client())
    await channel.answer_callback_query("4382bfdwdsb323b2d9", "Noted")
    await channel.set_webhook("https://bot.test/hooks/telegram")
    first, second = (json.loads(r.content) for r in provider.requests)
    assert provider.requests[0].url.path.endswith("/answerCallbackQuery")
    assert first == {
        "callback_query_id": "4382bfdwdsb323b2d9",
        "show_alert": False,
        "text": "Noted",
    }
    assert second["secret_token"] == "hook-secret_1"
    assert "callback_query" in second["allowed_updates"]


@pytest.mark.anyio
async def test_an_expired_callback_query_is_permanent(fake_provider: Any) -> None:
    body = {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"}
    provider = fake_provider(lambda request: httpx.Response(400, json=body))
    with pytest.raises(PermanentError):
        await TelegramChannel(SETTINGS, client=provider.client()).answer_callback_query("q")


def test_verify_accepts_the_secret_and_rejects_anything_else() -> None:
    channel = TelegramChannel(SETTINGS)
    channel.verify(update({"update_id": 1}))
    for header in (None, "", "hook-secret_2", "HOOK-SECRET_1", "hook-secret_1 "):
        with pytest.raises(SignatureError):
            channel.verify(update({"update_id": 1}, header=header))


def test_verify_reads_the_header_case_insensitively() -> None:
    request = InboundRequest(
        "POST", "https://bot.test/", {"x-telegram-bot-api-secret-token": "hook-secret_1"}, b"{}"
    )
    TelegramChannel(SETTINGS).verify(request)


def test_settings_refuse_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        TelegramSettings(bot_token="1:a", webhook_secret="")


def test_every_documented_update_parses(webhook_fixtures: Path) -> None:
    samples = json.loads(
        (webhook_fixtures / "telegram/core_telegram_org_webhooks_examples.json").read_text()
    )
    channel = TelegramChannel(SETTINGS)
    kinds = {name: type(channel.parse(update(body))[0]) for name, body in samples.items()}
    assert kinds == {
        "message_text_no_chat_type": TextReceived,
        "message_text": TextReceived,
        "forwarded_message": TextReceived,
        "forwarded_channel_message": TextReceived,
        "message_with_reply": TextReceived,
        "edited_message": Ignored,
        "message_with_entities": TextReceived,
        "message_with_audio": Ignored,
        "voice_message": Ignored,
        "message_with_document": Ignored,
        "inline_query": Ignored,
        "chosen_inline_result": Ignored,
        "callback_query": ButtonPressed,
    }


def test_text_and_callback_fields(webhook_fixtures: Path) -> None:
    samples = json.loads(
        (webhook_fixtures / "telegram/core_telegram_org_webhooks_examples.json").read_text()
    )
    channel = TelegramChannel(SETTINGS)
    (text,) = channel.parse(update(samples["message_text_no_chat_type"]))
    assert isinstance(text, TextReceived)
    assert (text.sender, text.chat_id, text.text) == ("1111111", "1111111", "/start")
    assert text.provider_message_id == "1111111:1365"
    assert text.at.timestamp() == 1441645532
    (pressed,) = channel.parse(update(samples["callback_query"]))
    assert pressed == ButtonPressed(
        sender="1111111",
        button_id="Data from button callback",
        provider_message_id="4382bfdwdsb323b2d9",
        chat_id="1111111",
        at=pressed.at,
        callback_id="4382bfdwdsb323b2d9",
    )
    (voice,) = channel.parse(update(samples["voice_message"]))
    assert voice == Ignored("telegram voice message", "1111111:1365")


def test_stop_and_blocking_the_bot_are_opt_outs(now: Any) -> None:
    channel = TelegramChannel(SETTINGS, clock=lambda: now)
    message = {
        "message_id": 9,
        "date": 1441645532,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False},
        "text": "stop",
    }
    (stop,) = channel.parse(update({"update_id": 2, "message": message}))
    assert isinstance(stop, OptOut) and stop.keyword == "STOP"
    blocked = {
        "update_id": 3,
        "my_chat_member": {
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False},
            "date": 1441645600,
            "old_chat_member": {"status": "member", "user": {"id": 99}},
            "new_chat_member": {"status": "kicked", "user": {"id": 99}, "until_date": 0},
        },
    }
    (opt_out,) = channel.parse(update(blocked))
    assert isinstance(opt_out, OptOut) and opt_out.keyword == "BLOCKED"
    assert opt_out.provider_message_id == "update:3"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"update_id": 1}',
        b'{"message": "oops"}',
        b'{"message": {"chat": null, "text": 5}}',
        b'{"callback_query": {"id": "1"}}',
        b'{"update_id": 4, "message_reaction": {"chat": {"id": 1}}}',
    ],
)
def test_malformed_or_unknown_updates_are_ignored(body: bytes) -> None:
    request = InboundRequest("POST", "https://bot.test/", {}, body)
    events = TelegramChannel(SETTINGS).parse(request)
    assert len(events) == 1 and isinstance(events[0], Ignored)


def test_messages_from_bots_are_ignored() -> None:
    message = {"message_id": 1, "chat": {"id": 5}, "from": {"id": 7, "is_bot": True}, "text": "hi"}
    (event,) = TelegramChannel(SETTINGS).parse(update({"update_id": 1, "message": message}))
    assert isinstance(event, Ignored)
