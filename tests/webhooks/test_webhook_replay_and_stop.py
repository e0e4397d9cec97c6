"""Re-delivered webhooks answer once; STOP on one channel stops them all; delivery statuses;
WhatsApp's 24-hour window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from billbot.chat.linking import identity_for
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxAttempt
from billbot.outbox.preferences import update_preferences
from billbot.outbox.service import enqueue
from billbot.webhooks.models import InboundReceipt


def _enqueue_nudge(chat: Any, user_id: int, key: str) -> None:
    with Session(chat.engine) as session:
        enqueue(
            session,
            user_id=user_id,
            scenario="weekly_tip",
            dedupe_key=key,
            category="spending",
            body=f"tip {key}",
            now=chat.clock.now(),
        )
        session.commit()


def _dispatch(chat: Any) -> Any:
    return asyncio.run(Dispatcher(chat.engine, chat.app.state.channels, chat.clock).run_once())


def test_every_inbound_webhook_replayed_twice_gets_one_reply(
    chat: Any, wire: Any, make_user: Any
) -> None:
    ana = make_user("ana@example.com")
    for channel, address in [
        ("telegram", "4242"),
        ("whatsapp", "972987654321"),
        ("messenger", "PSID77"),
        ("slack", "U0ANA"),
        ("sms", "+15557654321"),
    ]:
        chat.link(ana.id, channel, address)
    now = int(chat.clock.now().timestamp())
    slack_body = wire.slack_message("U0ANA", "how much is left", "Ev1")
    slack_click = wire.slack_click("U0ANA", "menu:bill", "1763294400.5")
    wa = wire.whatsapp_text("972987654321", "my bill", "wamid.in1")
    ms = wire.messenger_text("PSID77", "my bill", "m_in1")
    form = "application/x-www-form-urlencoded"
    requests = [
        ("/webhooks/telegram", wire.telegram_text(4242, "my bill", 1), wire.telegram_headers()),
        (
            "/webhooks/telegram",
            wire.telegram_button(4242, "menu:bill", "cb1"),
            wire.telegram_headers(),
        ),
        ("/webhooks/whatsapp", wa, wire.meta_headers(wa)),
        ("/webhooks/messenger", ms, wire.meta_headers(ms)),
        ("/webhooks/slack/events", slack_body, wire.slack_headers(slack_body, now)),
        (
            "/webhooks/slack/interactivity",
            slack_click,
            wire.slack_headers(slack_click, now, content_type=form),
        ),
    ]
    for path, body, headers in requests:
        first = chat.client.post(path, content=body, headers=headers)
        retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        again = chat.client.post(path, content=body, headers=retry)
        assert first.status_code == again.status_code == 200
    sms = wire.sms_params("+15557654321", "my bill", "SM1")
    assert wire.twilio_post(chat.client, sms).status_code == 200
    assert wire.twilio_post(chat.client, sms).status_code == 200

    replies = chat.replies()
    assert len(replies) == 7 and all(r.status == "sent" for r in replies)
    sent = {name: len(p.requests) for name, p in chat.providers.items()}
    assert sent == {"telegram": 2, "whatsapp": 1, "messenger": 1, "slack": 2, "sms": 1}
    with Session(chat.engine) as session:
        receipts = session.exec(select(InboundReceipt)).all()
        assert len(receipts) == 7
        assert all(len(r.provider_key) == 64 and "4242" not in r.provider_key for r in receipts)


def test_stop_by_sms_stops_telegram_too_until_start(chat: Any, wire: Any, make_user: Any) -> None:
    ana = make_user("ana@example.com")
    chat.link(ana.id, "sms", "+15557654321")
    chat.link(ana.id, "telegram", "4242")
    with Session(chat.engine) as session:
        update_preferences(
            session, user_id=ana.id, changes={"channel_order": ["telegram"]}, now=chat.clock.now()
        )
        session.commit()
    telegram, sms = chat.providers["telegram"], chat.providers["sms"]

    stop = wire.sms_params("+15557654321", "STOP", "SM1")
    assert wire.twilio_post(chat.client, stop).status_code == 200

    assert [b["Body"] for b in sms.bodies()] == [sms.bodies()[0]["Body"]]
    assert "won't get any more messages" in sms.bodies()[0]["Body"]
    _enqueue_nudge(chat, ana.id, "tip-1")
    _dispatch(chat)
    assert telegram.requests == []  # the nudge is not sent anywhere
    tip = next(m for m in chat.outbox() if m.dedupe_key == "tip-1")
    assert (tip.status, tip.reason) == ("suppressed", "stopped")
    asked = wire.telegram_text(4242, "how much do I owe", 5, update_id=5)
    chat.client.post("/webhooks/telegram", content=asked, headers=wire.telegram_headers())
    assert len(telegram.texts()) == 1 and "Send START" in telegram.texts()[0]

    start = wire.sms_params("+15557654321", "START", "SM2")
    wire.twilio_post(chat.client, start)
    assert "Welcome back" in sms.texts()[-1]
    _enqueue_nudge(chat, ana.id, "tip-2")
    _dispatch(chat)
    assert telegram.texts()[-1] == "tip tip-2"


def test_a_telegram_block_opts_out_that_chat_only(chat: Any, wire: Any, make_user: Any) -> None:
    import json

    ana = make_user("ana@example.com")
    chat.link(ana.id, "telegram", "4242")
    blocked = {
        "update_id": 7,
        "my_chat_member": {
            "chat": {"id": 4242, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
            "date": 1763294400,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True}},
            "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True}},
        },
    }
    body = json.dumps(blocked).encode()
    assert (
        chat.client.post(
            "/webhooks/telegram", content=body, headers=wire.telegram_headers()
        ).status_code
        == 200
    )
    with Session(chat.engine) as session:
        identity = identity_for(session, channel="telegram", address="4242")
        assert identity is not None and identity.opted_out_at == chat.clock.now()
    assert chat.outbox() == [] and chat.providers["telegram"].requests == []


def test_whatsapp_statuses_update_the_delivery_record(chat: Any, wire: Any, make_user: Any) -> None:
    ana = make_user("ana@example.com")
    chat.link(ana.id, "whatsapp", "972987654321")
    with Session(chat.engine) as session:
        update_preferences(
            session, user_id=ana.id, changes={"channel_order": ["whatsapp"]}, now=chat.clock.now()
        )
        session.commit()
    _enqueue_nudge(chat, ana.id, "tip-1")
    _enqueue_nudge(chat, ana.id, "tip-2")
    _dispatch(chat)
    chat.clock.advance(timedelta(seconds=10))  # WhatsApp: one message every 6 s to a user
    _dispatch(chat)
    first, second = sorted(
        (m for m in chat.outbox() if m.scenario == "weekly_tip"), key=lambda m: m.id or 0
    )
    assert first.provider_message_id and second.provider_message_id

    def post(body: bytes) -> None:
        response = chat.client.post(
            "/webhooks/whatsapp", content=body, headers=wire.meta_headers(body)
        )
        assert response.status_code == 200

    post(wire.whatsapp_status(first.provider_message_id, "delivered"))
    post(wire.whatsapp_status(first.provider_message_id, "read"))
    post(wire.whatsapp_status(first.provider_message_id, "delivered"))  # late: no step back
    post(wire.whatsapp_status(second.provider_message_id, "failed", "Message undeliverable"))
    post(wire.whatsapp_status(second.provider_message_id, "failed", "Message undeliverable"))
    post(wire.whatsapp_status("wamid.unknown", "read"))

    by_key = {m.dedupe_key: m for m in chat.outbox()}
    read, failed = by_key["tip-1"], by_key["tip-2"]
    at = datetime.fromtimestamp(1763294500, UTC)
    assert (read.delivery_status, read.delivered_at, read.read_at) == ("read", at, at)
    assert failed.delivery_status == "failed"
    assert failed.delivery_error == "131026 Message undeliverable"
    with Session(chat.engine) as session:
        audits = session.exec(
            select(OutboxAttempt).where(col(OutboxAttempt.outcome) == "delivery_failed")
        ).all()
        assert [a.message_id for a in audits] == [failed.id]


def test_outside_the_whatsapp_window_only_a_template_is_sent(
    chat: Any, wire: Any, make_user: Any
) -> None:
    ana = make_user("ana@example.com", time_zone="Europe/London")
    chat.link(ana.id, "whatsapp", "972987654321")
    with Session(chat.engine) as session:
        update_preferences(
            session, user_id=ana.id, changes={"channel_order": ["whatsapp"]}, now=chat.clock.now()
        )
        session.commit()
    provider = chat.providers["whatsapp"]
    chat.clock.advance(timedelta(hours=23))  # inside the window: free-form text with buttons
    _enqueue_nudge(chat, ana.id, "inside")
    _dispatch(chat)
    assert provider.bodies()[-1]["type"] == "text"

    chat.clock.advance(timedelta(hours=2))  # 25 hours since the borrower last wrote
    _enqueue_nudge(chat, ana.id, "outside")
    _dispatch(chat)

    (outside,) = [m for m in chat.outbox() if m.dedupe_key == "outside"]
    assert outside.status == "sent"
    body = provider.bodies()[-1]
    assert body["type"] == "template" and "text" not in body and "interactive" not in body
    assert body["template"]["components"][0]["parameters"][0]["text"] == "tip outside"

    # The borrower writes again: the window reopens and the answer is free-form.
    chat.clock.advance(timedelta(minutes=1))
    text = wire.whatsapp_text("972987654321", "my bill", "wamid.in9")
    chat.client.post("/webhooks/whatsapp", content=text, headers=wire.meta_headers(text))
    assert provider.bodies()[-1]["type"] in ("text", "interactive")
