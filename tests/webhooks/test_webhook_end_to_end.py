"""End to end per adapter: a due-soon nudge reaches a fake provider with its buttons, the
borrower answers through the webhook, the bot's reply arrives; provider failures are handled."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.preferences import update_preferences
from billbot.scheduler import run_sweeps

ADDRESSES = {
    "telegram": "4242",
    "whatsapp": "972987654321",
    "messenger": "PSID77",
    "slack": "U0ANA",
    "sms": "+15557654321",
}


def _owing_borrower(chat: Any, make_user: Any, make_account: Any, operator_headers: Any) -> Any:
    """A borrower whose statement (closed 5 November) is due on 25 November."""
    user = make_user("ana@example.com", time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20)
    purchase = {
        "external_id": "buy",
        "posted_at": "2026-10-20T12:00:00+00:00",
        "amount_minor": 50_000,
        "merchant": "TESCO",
    }
    response = chat.client.post(
        f"/operator/v1/accounts/{account.id}/transactions",
        json={"transactions": [purchase]},
        headers=operator_headers,
    )
    assert response.status_code == 200, response.text
    chat.clock.set(datetime(2026, 11, 22, 12, tzinfo=UTC))  # three days before it is due
    return user


def _prefer(chat: Any, user_id: int, channel: str) -> None:
    with Session(chat.engine) as session:
        update_preferences(
            session, user_id=user_id, changes={"channel_order": [channel]}, now=chat.clock.now()
        )
        session.commit()


def _dispatch(chat: Any) -> Any:
    return asyncio.run(Dispatcher(chat.engine, chat.app.state.channels, chat.clock).run_once())


def _nudge(chat: Any) -> OutboxMessage:
    (nudge,) = [m for m in chat.outbox() if m.scenario == "due_soon"]
    return nudge


def _buttons_sent(channel: str, body: dict[str, Any]) -> list[str]:
    """The button ids a provider request carries, in each provider's own shape."""
    if channel == "telegram":
        return [row[0]["callback_data"] for row in body["reply_markup"]["inline_keyboard"]]
    if channel == "whatsapp":
        return [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]]
    if channel == "messenger":
        return [q["payload"] for q in body["message"]["quick_replies"]]
    if channel == "slack":
        return [e["value"] for e in body["blocks"][1]["elements"]]
    return []


def _answer(
    chat: Any,
    wire: Any,
    channel: str,
    *,
    text: str | None = None,
    button: str | None = None,
    n: int = 1,
) -> httpx.Response:
    """The borrower writes or presses a button through the provider's webhook."""
    address = ADDRESSES[channel]
    now = int(chat.clock.now().timestamp())
    if channel == "telegram":
        body = (
            wire.telegram_button(int(address), button, f"cb{n}")
            if button
            else wire.telegram_text(int(address), text, n, update_id=n)
        )
        return chat.client.post("/webhooks/telegram", content=body, headers=wire.telegram_headers())
    if channel == "whatsapp":
        body = (
            wire.whatsapp_button(address, button, f"wamid.in{n}")
            if button
            else wire.whatsapp_text(address, text, f"wamid.in{n}")
        )
        return chat.client.post("/webhooks/whatsapp", content=body, headers=wire.meta_headers(body))
    if channel == "messenger":
        body = (
            wire.messenger_quick_reply(address, button, f"m_in{n}")
            if button
            else wire.messenger_text(address, text, f"m_in{n}")
        )
        return chat.client.post(
            "/webhooks/messenger", content=body, headers=wire.meta_headers(body)
        )
    if channel == "slack":
        if button:
            body = wire.slack_click(address, button, f"1763294400.{n}")
            headers = wire.slack_headers(
                body, now, content_type="application/x-www-form-urlencoded"
            )
            return chat.client.post("/webhooks/slack/interactivity", content=body, headers=headers)
        body = wire.slack_message(address, text, f"Ev{n}")
        return chat.client.post(
            "/webhooks/slack/events", content=body, headers=wire.slack_headers(body, now)
        )
    return wire.twilio_post(chat.client, wire.sms_params(address, text, f"SM{n:032d}"))


CASES = [
    # channel, the borrower's answer (text, button with {id} the statement), what the bot says
    ("telegram", None, "paid:{id}", "Thank you! Payments can take"),
    ("telegram", "remind me tomorrow", None, "I'll remind you again"),
    ("whatsapp", None, "snooze:{id}", "I'll remind you again"),
    ("whatsapp", "还款", None, "还款方式"),
    ("messenger", "paid", None, "Thank you! Payments can take"),
    ("messenger", None, "options:{id}", "Ways to pay"),
    ("slack", None, "paid:{id}", "Thank you! Payments can take"),
    ("slack", "本周花了多少", None, "本周"),
    ("sms", "2", None, "Thank you! Payments can take"),  # "2" is the numbered "I've paid"
    ("sms", "remind me tomorrow", None, "I'll remind you again"),
]


@pytest.mark.parametrize(("channel", "text", "button", "expected"), CASES)
def test_nudge_with_buttons_then_the_answer(
    chat: Any,
    wire: Any,
    make_user: Any,
    make_account: Any,
    operator_headers: Any,
    channel: str,
    text: str | None,
    button: str | None,
    expected: str,
) -> None:
    user = _owing_borrower(chat, make_user, make_account, operator_headers)
    chat.link(user.id, channel, ADDRESSES[channel])
    _prefer(chat, user.id, channel)
    run_sweeps(chat.engine, chat.clock)
    nudge = _nudge(chat)
    statement_id = nudge.debt_key.split(":")[-1] if nudge.debt_key else ""
    provider = chat.providers[channel]

    _dispatch(chat)

    nudge = _nudge(chat)
    assert (nudge.status, nudge.sent_channel) == ("sent", channel)
    ids = [i["id"] for i in json.loads(nudge.buttons)]
    assert ids == [f"options:{statement_id}", f"paid:{statement_id}", f"snooze:{statement_id}"]
    (sent,) = provider.bodies()
    if channel == "sms":
        assert "1" in sent["Body"] and "2" in sent["Body"]  # buttons as numbered replies
    else:
        assert _buttons_sent(channel, sent) == ids

    chat.clock.advance(timedelta(minutes=5))
    pressed = button.format(id=statement_id) if button else None
    response = _answer(chat, wire, channel, text=text, button=pressed)

    assert response.status_code == 200, response.text
    (reply,) = chat.replies()
    assert (reply.status, reply.sent_channel) == ("sent", channel), reply.explanation
    assert expected in reply.body
    assert len(provider.requests) == 2 and expected in provider.texts()[-1]
    if channel == "telegram" and button:
        assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "cb1"}


def test_web_chat_end_to_end(
    chat: Any, make_user: Any, make_account: Any, operator_headers: Any, login: Any
) -> None:
    user = _owing_borrower(chat, make_user, make_account, operator_headers)
    headers = login(user.email)
    _prefer(chat, user.id, "webchat")
    run_sweeps(chat.engine, chat.clock)
    _dispatch(chat)

    shown = chat.client.get("/v1/chat/messages", headers=headers).json()
    (nudge,) = shown["messages"]
    assert nudge["direction"] == "out" and len(nudge["buttons"]) == 3
    paid = next(b for b in nudge["buttons"] if b["id"].startswith("paid:"))

    answer = chat.client.post("/v1/chat/messages", json={"button_id": paid["id"]}, headers=headers)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["message"]["text"] == paid["title"] and body["message"]["button_id"] == paid["id"]
    (reply,) = body["replies"]
    assert "Thank you! Payments can take" in reply["text"]
    asked = chat.client.post("/v1/chat/messages", json={"text": "本周花了多少"}, headers=headers)
    assert "本周" in asked.json()["replies"][0]["text"]
    later = chat.client.get(
        "/v1/chat/messages", params={"after": shown["next_after"]}, headers=headers
    ).json()
    assert [m["direction"] for m in later["messages"]] == ["in", "out", "in", "out"]
    assert (
        chat.client.get(
            "/v1/chat/messages", params={"after": later["next_after"]}, headers=headers
        ).json()["messages"]
        == []
    )
    for bad in ({}, {"text": "  "}, {"text": "x", "button_id": "paid:1"}, {"text": "x" * 2001}):
        assert chat.client.post("/v1/chat/messages", json=bad, headers=headers).status_code == 422


FAILURES: dict[str, dict[str, Callable[[], httpx.Response]]] = {
    "telegram": {
        "429": lambda: httpx.Response(
            429,
            json={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        ),
        "5xx": lambda: httpx.Response(
            502, json={"ok": False, "error_code": 502, "description": "Bad Gateway"}
        ),
        "dead": lambda: httpx.Response(
            403,
            json={
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        ),
    },
    "whatsapp": {
        "429": lambda: httpx.Response(
            429,
            headers={"Retry-After": "7"},
            json={"error": {"code": 130429, "message": "Rate limit hit"}},
        ),
        "5xx": lambda: httpx.Response(
            500, json={"error": {"code": 131000, "message": "Something went wrong"}}
        ),
        "dead": lambda: httpx.Response(
            400, json={"error": {"code": 131026, "message": "Message undeliverable"}}
        ),
    },
    "messenger": {
        "429": lambda: httpx.Response(
            429,
            headers={"Retry-After": "7"},
            json={"error": {"code": 613, "message": "Calls exceeded"}},
        ),
        "5xx": lambda: httpx.Response(503, json={"error": {"code": 1200, "message": "Temporary"}}),
        "dead": lambda: httpx.Response(
            400, json={"error": {"code": 551, "message": "This person isn't available"}}
        ),
    },
    "slack": {
        "429": lambda: httpx.Response(
            429, headers={"Retry-After": "7"}, json={"ok": False, "error": "ratelimited"}
        ),
        "5xx": lambda: httpx.Response(500, json={"ok": False, "error": "internal_error"}),
        "dead": lambda: httpx.Response(200, json={"ok": False, "error": "channel_not_found"}),
    },
    "sms": {
        "429": lambda: httpx.Response(
            429, headers={"Retry-After": "7"}, json={"code": 20429, "message": "Too Many Requests"}
        ),
        "5xx": lambda: httpx.Response(
            500, json={"code": 20500, "message": "Internal Server Error"}
        ),
        "dead": lambda: httpx.Response(
            400, json={"code": 21211, "message": "Invalid 'To' Phone Number"}
        ),
    },
}


@pytest.mark.parametrize("channel", sorted(FAILURES))
def test_rate_limit_is_honoured_server_errors_retried_permanent_errors_dead(
    chat: Any, make_user: Any, make_account: Any, operator_headers: Any, channel: str
) -> None:
    user = _owing_borrower(chat, make_user, make_account, operator_headers)
    chat.link(user.id, channel, ADDRESSES[channel])
    _prefer(chat, user.id, channel)
    run_sweeps(chat.engine, chat.clock)
    provider, failures = chat.providers[channel], FAILURES[channel]
    provider.answer(failures["429"](), failures["5xx"]())
    start = chat.clock.now()

    _dispatch(chat)
    limited = _nudge(chat)
    assert limited.status == "pending" and limited.not_before == start + timedelta(seconds=7)
    chat.clock.advance(timedelta(seconds=6))
    assert _dispatch(chat).claimed == 0  # not before the provider said
    chat.clock.advance(timedelta(seconds=1))
    _dispatch(chat)
    retried = _nudge(chat)
    assert retried.status == "pending" and retried.not_before > chat.clock.now()
    chat.clock.set(retried.not_before)
    _dispatch(chat)
    assert _nudge(chat).status == "sent" and len(provider.requests) == 3

    # A second borrower's nudge meets a permanent refusal: dead, with the reason, not retried.
    other = make_user("bo@example.com", time_zone="Europe/London")
    chat.link(other.id, channel, ADDRESSES[channel] + "9")
    _prefer(chat, other.id, channel)
    with Session(chat.engine) as session:
        from billbot.outbox.service import enqueue

        enqueue(
            session,
            user_id=other.id,
            scenario="weekly_tip",
            dedupe_key="tip",
            category="spending",
            body="A tip",
            now=chat.clock.now(),
        )
        session.commit()
    provider.answer(failures["dead"]())
    _dispatch(chat)
    dead = next(m for m in chat.outbox() if m.dedupe_key == "tip")
    assert dead.status == "dead" and dead.reason in (
        "recipient_blocked",
        "invalid_recipient",
        "rejected",
    )
    chat.clock.advance(timedelta(days=1))
    before = len(provider.requests)
    _dispatch(chat)
    assert len(provider.requests) == before
