"""Every captured payload is accepted or politely ignored; forged requests are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from billbot.clock import FrozenClock

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "webhooks"


def _envelopes(folder: str, marker: str) -> list[tuple[str, Any]]:
    """Every payload in a folder's files, however deeply nested, named by its path."""
    found: list[tuple[str, Any]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if marker in value:
                found.append((path, value))
                return
            for key, child in value.items():
                walk(child, f"{path}/{key}")

    for file in sorted((FIXTURES / folder).glob("*.json")):
        walk(json.loads(file.read_text()), f"{folder}/{file.stem}")
    return found


TELEGRAM = _envelopes("telegram", "update_id")
WHATSAPP = _envelopes("whatsapp", "entry")
SLACK_JSON = [
    (f"slack/{p.stem}", json.loads(p.read_text()))
    for p in sorted((FIXTURES / "slack").glob("*.json"))
    if "signing_secret" not in p.read_text()
]


def test_the_fixture_folders_were_found() -> None:
    assert len(TELEGRAM) >= 10 and len(WHATSAPP) >= 30 and len(SLACK_JSON) >= 2


@pytest.mark.parametrize(("name", "update"), TELEGRAM, ids=[n for n, _ in TELEGRAM])
def test_every_telegram_sample_is_accepted(chat: Any, wire: Any, name: str, update: Any) -> None:
    body = json.dumps(update).encode()
    response = chat.client.post("/webhooks/telegram", content=body, headers=wire.telegram_headers())
    assert response.status_code == 200, response.text
    again = chat.client.post("/webhooks/telegram", content=body, headers=wire.telegram_headers())
    assert again.status_code == 200
    assert chat.outbox() == []  # strangers' messages queue nothing for any borrower


@pytest.mark.parametrize(("name", "envelope"), WHATSAPP, ids=[n for n, _ in WHATSAPP])
def test_every_whatsapp_envelope_is_accepted(
    chat: Any, wire: Any, name: str, envelope: Any
) -> None:
    body = json.dumps(envelope).encode()
    response = chat.client.post("/webhooks/whatsapp", content=body, headers=wire.meta_headers(body))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("name", "payload"), SLACK_JSON, ids=[n for n, _ in SLACK_JSON])
def test_every_slack_payload_is_accepted(
    chat: Any, wire: Any, clock: FrozenClock, name: str, payload: Any
) -> None:
    body = json.dumps(payload).encode()
    headers = wire.slack_headers(body, int(clock.now().timestamp()))
    response = chat.client.post("/webhooks/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    if payload.get("type") == "url_verification":
        assert response.text == payload["challenge"]


def test_the_documented_slack_vector_verifies_at_its_time(chat: Any, clock: FrozenClock) -> None:
    vector = json.loads((FIXTURES / "slack/signature_vector_slash_command.json").read_text())
    clock.set(
        clock.now().fromtimestamp(int(vector["X-Slack-Request-Timestamp"]), tz=clock.now().tzinfo)
    )
    headers = {
        "X-Slack-Request-Timestamp": vector["X-Slack-Request-Timestamp"],
        "X-Slack-Signature": vector["X-Slack-Signature"],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = vector["raw_body"].encode()
    # The vector was signed with the documented secret, which the test app uses too.
    response = chat.client.post("/webhooks/slack/interactivity", content=body, headers=headers)
    assert response.status_code == 200
    tampered = body.replace(b"roadrunner", b"coyote")
    rejected = chat.client.post("/webhooks/slack/interactivity", content=tampered, headers=headers)
    assert rejected.status_code == 401


def test_the_documented_twilio_vector_and_an_independent_signer(wire: Any) -> None:
    from twilio.request_validator import RequestValidator

    vector = json.loads((FIXTURES / "twilio/signature_vector.json").read_text())
    ours = wire.twilio_signature(vector["url"], vector["params"], vector["auth_token"])
    assert ours == vector["X-Twilio-Signature"]
    theirs = RequestValidator("s3cret").compute_signature("https://x.test/sms", {"Body": "hi"})
    assert theirs == wire.twilio_signature("https://x.test/sms", {"Body": "hi"}, "s3cret")


def test_twilio_signed_by_request_validator_is_accepted_and_forgeries_are_not(
    chat: Any, wire: Any
) -> None:
    params = wire.sms_params("+15557654321", "hello", "SM1")
    assert wire.twilio_post(chat.client, params).status_code == 200
    assert wire.twilio_post(chat.client, params, token="wrong").status_code == 401
    content = urlencode({**params, "Body": "tampered"})
    good = wire.twilio_signature(wire.SMS_URL, params, wire.TWILIO_TOKEN)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    tampered = chat.client.post(
        "/webhooks/sms", content=content, headers={**form, "X-Twilio-Signature": good}
    )
    assert tampered.status_code == 401
    missing = chat.client.post("/webhooks/sms", content=urlencode(params), headers=form)
    assert missing.status_code == 401


def test_slack_rejects_wrong_secret_tampering_missing_headers_and_stale_time(
    chat: Any, wire: Any, clock: FrozenClock
) -> None:
    body = wire.slack_message("U1", "hi", "Ev1")
    now = int(clock.now().timestamp())
    post = lambda content, headers: chat.client.post(  # noqa: E731
        "/webhooks/slack/events", content=content, headers=headers
    )
    assert post(body, wire.slack_headers(body, now)).status_code == 200
    assert post(body, wire.slack_headers(body, now, secret="wrong")).status_code == 401
    assert post(body + b" ", wire.slack_headers(body, now)).status_code == 401
    assert post(body, {"Content-Type": "application/json"}).status_code == 401
    assert post(body, wire.slack_headers(body, now - 301)).status_code == 401
    assert post(body, wire.slack_headers(body, now - 299)).status_code == 200


def test_meta_and_telegram_reject_forgeries(chat: Any, wire: Any) -> None:
    body = wire.whatsapp_text("972987654321", "hi", "wamid.x")
    for path in ("/webhooks/whatsapp", "/webhooks/messenger"):
        assert (
            chat.client.post(
                path, content=body, headers=wire.meta_headers(body, "nope")
            ).status_code
            == 401
        )
        assert (
            chat.client.post(path, content=body + b"x", headers=wire.meta_headers(body)).status_code
            == 401
        )
        assert chat.client.post(path, content=body).status_code == 401
    tg = wire.telegram_text(1, "hi", 1)
    assert (
        chat.client.post(
            "/webhooks/telegram", content=tg, headers=wire.telegram_headers("nope")
        ).status_code
        == 401
    )
    assert chat.client.post("/webhooks/telegram", content=tg).status_code == 401
    assert chat.outbox() == [] and all(not p.requests for p in chat.providers.values())


def test_meta_handshakes(chat: Any, wire: Any) -> None:
    for path in ("/webhooks/whatsapp", "/webhooks/messenger"):
        ok = chat.client.get(
            path,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": wire.VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
        )
        assert (ok.status_code, ok.text) == (200, "1158201444")
        wrong = chat.client.get(
            path, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
        )
        assert wrong.status_code == 403


def test_a_disabled_channel_has_no_webhook(engine: Any, clock: FrozenClock, settings: Any) -> None:
    from fastapi.testclient import TestClient

    from billbot.app import create_app

    app = create_app(settings=settings, engine=engine, clock=clock, channels={})
    with TestClient(app) as client:
        assert client.post("/webhooks/telegram", content=b"{}").status_code == 404
