"""The weekly digest end to end: the sweep queues it, the outbox sends it over real SMTP."""

from __future__ import annotations

import asyncio
import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.digests.tokens import read_token
from billbot.money import format_money
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.scheduler import run_sweeps
from billbot.settings import Settings
from channels import EmailChannel, SmtpSettings

SUNDAY_EVENING = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
MONDAY_8AM_SHANGHAI = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def _deliver(
    engine: Engine, clock: FrozenClock, settings: Settings, port: int
) -> list[OutboxMessage]:
    clock.set(SUNDAY_EVENING)
    run_sweeps(engine, clock, settings)  # enrols the borrower: first digest next Monday 08:00
    clock.set(MONDAY_8AM_SHANGHAI)
    run_sweeps(engine, clock, settings)
    smtp = EmailChannel(
        SmtpSettings(
            host="127.0.0.1", port=port, from_address="digest@billbot.test", start_tls=False
        )
    )
    report = asyncio.run(Dispatcher(engine, {"email": smtp}, clock).run_once())
    assert report.outcomes["sent"] >= 1, report
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(col(OutboxMessage.scenario) == "weekly_digest")
            ).all()
        )


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_digest_arrives_over_smtp_with_both_parts_and_one_click_headers(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
    login: Any,
    spend_week: Any,
    smtp_server: Any,
) -> None:
    port, inbox = smtp_server
    user = make_user("mei@example.com", time_zone="Asia/Shanghai", locale="zh-CN", currency="CNY")
    clock.set(SUNDAY_EVENING)
    spend_week(user)
    messages = _deliver(engine, clock, settings, port)
    assert [(m.status, m.category, m.channel) for m in messages] == [("sent", "digest", "email")]

    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert sender == "digest@billbot.test" and recipients == ["mei@example.com"]
    mail = _parse(raw)
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()

    # RFC 8058: https one-click first, then a mailto; and the one-click POST marker.
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    targets = [part.strip().strip("<>") for part in str(mail["List-Unsubscribe"]).split(",")]
    assert targets[0].startswith(settings.public_base_url + "/v1/digest/unsubscribe?token=")
    assert targets[1].startswith("mailto:" + settings.digest_unsubscribe_mailto)
    token = parse_qs(urlparse(targets[0]).query)["token"][0]
    assert read_token(settings.secret_key, token) == user.id
    assert "/v1/digest/manage?token=" in markup  # the visible manage-preferences link

    # The totals are the API's report, formatted for zh-CN: Chinese labels and ¥ amounts.
    headers = login(user.email)
    api = client.get("/v1/reports/weekly/2026-W46", headers=headers).json()
    cny = api["currencies"][0]
    assert cny["total_spent_minor"] == 3200 + 4580 + 18990 + 2350
    total = format_money(cny["total_spent_minor"], "CNY", "zh-CN")
    assert total == "¥291.20"
    assert f"本周消费：{total}" in text and total in markup
    assert "本周消费" in markup and "钱花在了哪里" in markup and "退订消费周报" in markup
    assert "CN¥" not in text and "消费周报" in str(mail["Subject"])


def test_english_digest_and_a_failed_send_is_retried(
    engine: Engine,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
    spend_week: Any,
    smtp_server: Any,
) -> None:
    port, inbox = smtp_server
    user = make_user("ana@example.com", time_zone="Asia/Shanghai", locale="en", currency="USD")
    clock.set(SUNDAY_EVENING)
    spend_week(user, currency="USD")
    clock.set(SUNDAY_EVENING)
    run_sweeps(engine, clock, settings)
    clock.set(MONDAY_8AM_SHANGHAI)
    run_sweeps(engine, clock, settings)
    # The relay is down at first: nothing listens on this port.
    down = EmailChannel(SmtpSettings(host="127.0.0.1", port=1, from_address="d@b.test"))
    first = asyncio.run(Dispatcher(engine, {"email": down}, clock).run_once())
    assert first.outcomes["transient"] == 1
    clock.set(datetime(2026, 11, 16, 2, tzinfo=UTC))
    up = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=port, from_address="d@b.test", start_tls=False)
    )
    second = asyncio.run(Dispatcher(engine, {"email": up}, clock).run_once())
    assert second.outcomes["sent"] == 1
    mail = _parse(inbox.messages[0][2])
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "SPENT THIS WEEK: $291.20" in text and "Unsubscribe from the weekly digest" in text
