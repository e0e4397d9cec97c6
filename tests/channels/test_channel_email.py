"""Email over SMTP against a real aiosmtpd server on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from channels import (
    Button,
    EmailChannel,
    FailureReason,
    InboundRequest,
    OutboundMessage,
    PermanentError,
    SignatureError,
    SmtpSettings,
    TransientError,
)


@dataclass
class MailServer:
    """Records accepted mail; `rcpt_reply` / `data_reply` script refusals."""

    port: int = 0
    received: list[Envelope] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"app-password", handled=False)

    def message(self) -> Message:
        content = self.received[-1].content
        assert isinstance(content, bytes)
        return email.message_from_bytes(content)


async def serve(mail: MailServer, **smtp_options: Any) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mail, hostname="mail.test", **smtp_options), "127.0.0.1", 0
    )
    mail.port = server.sockets[0].getsockname()[1]
    return server


@pytest.fixture
async def mail(anyio_backend: str) -> AsyncIterator[MailServer]:
    recorder = MailServer()
    server = await serve(recorder)
    yield recorder
    server.close()
    await server.wait_closed()


def channel_for(mail: MailServer, **overrides: Any) -> EmailChannel:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=mail.port,
        from_address="Billbot <digest@billbot.example>",
        start_tls=False,
        timeout_seconds=5,
    )
    return EmailChannel(dataclasses.replace(settings, **overrides))


DIGEST = OutboundMessage(
    recipient="ana@example.com",
    text="You spent 412.30 this week, 12% under your ideal bill.",
    subject="Your weekly bill digest",
    html="<p>You spent <b>412.30</b> this week.</p>",
    headers={
        "List-Unsubscribe": "<https://app.billbot.example/unsubscribe/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)


@pytest.mark.anyio
async def test_multipart_digest_with_unsubscribe_headers(mail: MailServer) -> None:
    result = await channel_for(mail).send(DIGEST)
    envelope = mail.received[-1]
    assert envelope.mail_from == "digest@billbot.example"
    assert envelope.rcpt_tos == ["ana@example.com"]
    message = mail.message()
    assert message["Subject"] == "Your weekly bill digest"
    assert message["To"] == "ana@example.com"
    assert message["List-Unsubscribe"] == "<https://app.billbot.example/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == result.provider_message_id
    assert result.provider_message_id.endswith("@billbot.example>")
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode() for p in message.get_payload()
    }
    assert parts["text/plain"].strip() == DIGEST.text
    assert "<b>412.30</b>" in parts["text/html"]


@pytest.mark.anyio
async def test_text_only_and_buttons_dropped(mail: MailServer) -> None:
    message = OutboundMessage(
        "bo@example.com", "Statement ready.", subject="Statement", buttons=(Button("a", "A"),)
    )
    await channel_for(mail).send(message)
    sent = mail.message()
    assert sent.get_content_type() == "text/plain"
    assert sent.get_payload(decode=True).decode().strip() == "Statement ready."


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("where", "reply", "expected", "reason"),
    [
        ("rcpt", "550 5.1.1 No such user here", PermanentError, FailureReason.INVALID_RECIPIENT),
        ("rcpt", "450 4.2.1 Mailbox busy, try later", TransientError, None),
        ("data", "451 4.3.0 Local error in processing", TransientError, None),
        ("data", "554 5.7.1 Message rejected as spam", PermanentError, FailureReason.REJECTED),
    ],
)
async def test_smtp_replies_are_classified(
    mail: MailServer, where: str, reply: str, expected: type[Exception], reason: str | None
) -> None:
    setattr(mail, f"{where}_reply", reply)
    with pytest.raises(expected) as caught:
        await channel_for(mail).send(DIGEST)
    assert caught.value.provider_code == reply[:3]  # type: ignore[attr-defined]
    if reason is not None:
        assert isinstance(caught.value, PermanentError) and caught.value.reason == reason
    assert mail.received == []


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_login_and_refused_credentials(anyio_backend: str) -> None:
    mail = MailServer()
    server = await serve(mail, authenticator=mail.authenticate, auth_require_tls=False)
    try:
        await channel_for(mail, username="digest", password="app-password").send(DIGEST)
        assert len(mail.received) == 1
        with pytest.raises(PermanentError) as caught:
            await channel_for(mail, username="digest", password="wrong").send(DIGEST)
        assert caught.value.reason == FailureReason.UNAUTHORIZED
        assert mail.logins[0] == (b"digest", b"app-password")
        assert set(mail.logins[1:]) == {(b"digest", b"wrong")}  # tried with each mechanism
        assert len(mail.received) == 1
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.anyio
async def test_a_closed_port_is_transient(anyio_backend: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientError):
        await channel_for(MailServer(port=port)).send(DIGEST)


@pytest.mark.anyio
async def test_invalid_messages_are_permanent_and_never_sent(mail: MailServer) -> None:
    no_subject = OutboundMessage("ana@example.com", "  \n ")
    injected = OutboundMessage(
        "ana@example.com", "Hi", subject="Hi", headers={"X-Note": "a\r\nBcc: eve@example.com"}
    )
    for message in (no_subject, injected):
        with pytest.raises(PermanentError) as caught:
            await channel_for(mail).send(message)
        assert caught.value.reason == FailureReason.INVALID_MESSAGE
    assert mail.received == []


@pytest.mark.anyio
async def test_a_message_without_subject_is_titled_by_its_first_line(mail: MailServer) -> None:
    reminder = OutboundMessage(
        "ana@example.com", "Your bill is due tomorrow.\nPay 120.00 by Friday."
    )
    await channel_for(mail).send(reminder)
    assert len(mail.received) == 1
    assert mail.message()["Subject"] == "Your bill is due tomorrow."


def test_email_has_no_inbound_webhooks() -> None:
    channel = EmailChannel(SmtpSettings(host="localhost", from_address="a@b.c"))
    assert not channel.capabilities.inbound
    with pytest.raises(SignatureError):
        channel.verify(InboundRequest("POST", "https://bot.test/hooks/email"))
