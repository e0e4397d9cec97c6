"""Linking a chat by sending a code, strangers, and the basic path of a linked borrower's text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from billbot.chat.linking import identity_for, issue_code


def _code(chat: Any, user_id: int) -> str:
    with Session(chat.engine) as session:
        code, _ = issue_code(
            session, user_id=user_id, now=chat.clock.now(), lifetime=timedelta(minutes=10)
        )
        session.commit()
    return code


def test_start_code_links_telegram_and_confirms(chat: Any, wire: Any, make_user: Any) -> None:
    ana = make_user("ana@example.com", display_name="Ana")
    code = _code(chat, ana.id)
    body = wire.telegram_text(4242, f"/start {code}", message_id=10)

    response = chat.client.post("/webhooks/telegram", content=body, headers=wire.telegram_headers())

    assert response.status_code == 200
    with Session(chat.engine) as session:
        identity = identity_for(session, channel="telegram", address="4242")
        assert identity is not None and identity.user_id == ana.id
        assert identity.consent_at == chat.clock.now()
    sent = chat.providers["telegram"].bodies()
    assert len(sent) == 1 and sent[0]["chat_id"] == "4242"
    assert "linked, Ana" in sent[0]["text"]


def test_a_used_or_wrong_code_is_refused_politely(chat: Any, wire: Any, make_user: Any) -> None:
    ana = make_user("ana@example.com")
    code = _code(chat, ana.id)
    headers = wire.telegram_headers()
    chat.client.post("/webhooks/telegram", content=wire.telegram_text(1, code, 1), headers=headers)
    again = wire.telegram_text(2, f"/start {code}", 2, update_id=2)

    assert chat.client.post("/webhooks/telegram", content=again, headers=headers).status_code == 200

    with Session(chat.engine) as session:
        assert identity_for(session, channel="telegram", address="2") is None
    last = chat.providers["telegram"].bodies()[-1]
    assert last["chat_id"] == "2" and "not valid any more" in last["text"]


def test_a_stranger_learns_nothing_and_nothing_is_queued(
    chat: Any, wire: Any, make_user: Any
) -> None:
    make_user("ana@example.com")
    body = wire.sms_params("+15557654321", "how much do I owe?", "SM1")

    response = wire.twilio_post(chat.client, body)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    assert chat.outbox() == []
    (sent,) = chat.providers["sms"].bodies()
    assert sent["To"] == "+15557654321" and "ana" not in sent["Body"].lower()


def test_linked_text_is_answered_on_the_same_channel(chat: Any, wire: Any, make_user: Any) -> None:
    ana = make_user("ana@example.com")
    chat.link(ana.id, "whatsapp", "972987654321")
    body = wire.whatsapp_text("972987654321", "how much did I spend", "wamid.in1")

    response = chat.client.post("/webhooks/whatsapp", content=body, headers=wire.meta_headers(body))

    assert response.status_code == 200
    (reply,) = chat.replies()
    assert (reply.channel, reply.sent_channel, reply.status) == ("whatsapp", "whatsapp", "sent")
    (sent,) = chat.providers["whatsapp"].bodies()
    assert sent["to"] == "972987654321"
