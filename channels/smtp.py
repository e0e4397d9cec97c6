"""Email channel over SMTP (send only): text and HTML alternatives, headers like List-Unsubscribe.

Credentials: any SMTP relay works. From the mail provider (Amazon SES, SendGrid, Postmark, Mailgun,
the company relay ...) take the SMTP host, port and username/password; use port 587 with STARTTLS
or 465 with implicit TLS (`use_tls=True`). The from address must be one the relay lets you send as.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from channels._base import Channel, Clock, utc_now
from channels._capabilities import ButtonFallback, ButtonLimits, Capabilities
from channels._messages import Markup, OutboundMessage, SendResult
from channels.errors import DeliveryError, FailureReason, PermanentError, TransientError

__all__ = ["EmailChannel", "SmtpSettings", "compose_email"]

_AUTH_CODES = frozenset({530, 534, 535, 538})
_RECIPIENT_CODES = frozenset({550, 551, 553})


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the relay; `start_tls=None` upgrades when the server offers STARTTLS."""

    host: str
    from_address: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool | None = None
    timeout_seconds: float = 30.0
    validate_certs: bool = True

    def __post_init__(self) -> None:
        if self.use_tls and self.start_tls:
            raise ValueError("use either implicit TLS (use_tls) or STARTTLS, not both")


class EmailChannel(Channel):
    """Email: subject plus plain text and optional HTML alternative; no inbound."""

    name = "email"
    settings_class = SmtpSettings
    capabilities = Capabilities(
        max_text_length=None,
        buttons=ButtonLimits(max_count=0, fallback=ButtonFallback.DROP),
        markup=Markup.PLAIN,
        supports_subject=True,
        supports_html=True,
        inbound=False,
    )

    def __init__(self, settings: SmtpSettings, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self.settings = settings

    def build(self, message: OutboundMessage) -> EmailMessage:
        """The MIME message that `send` transmits."""
        return compose_email(message, from_address=self.settings.from_address, at=self._clock())

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send through the relay; the provider message id is the Message-ID header."""
        email = self.build(message)
        s = self.settings
        try:
            await aiosmtplib.send(
                email,
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password,
                use_tls=s.use_tls,
                start_tls=s.start_tls,
                timeout=s.timeout_seconds,
                validate_certs=s.validate_certs,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusal = exc.recipients[0] if exc.recipients else None
            raise _classify(refusal.code if refusal else 550, str(exc), recipient=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify(exc.code, exc.message) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            # The relay lacks what the settings demand (STARTTLS, AUTH): a configuration error.
            raise PermanentError(FailureReason.UNAUTHORIZED, str(exc)) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientError(f"smtp: {type(exc).__name__}: {exc}") from exc
        return SendResult(provider_message_id=str(email["Message-ID"]))


def compose_email(message: OutboundMessage, *, from_address: str, at: datetime) -> EmailMessage:
    """A MIME email: plain text, plus an HTML alternative when given (multipart/alternative).

    The message's own headers (List-Unsubscribe ...) are added after the standard ones; a header
    the standard library refuses (a line break in a value ...) is a permanent failure.
    """
    # A reminder written for chat has no subject: its first line titles the email.
    subject = message.subject or message.text.strip().split("\n", 1)[0][:78].strip()
    if not subject:
        raise PermanentError(FailureReason.INVALID_MESSAGE, "an email needs a subject or text")
    email = EmailMessage()
    domain = from_address.rpartition("@")[2].strip(">") or None
    try:
        email["From"] = from_address
        email["To"] = message.recipient
        email["Subject"] = subject
        email["Date"] = format_datetime(at)
        email["Message-ID"] = make_msgid(domain=domain)
        for name, value in message.headers.items():
            email[name] = value
    except (ValueError, TypeError) as exc:
        raise PermanentError(FailureReason.INVALID_MESSAGE, str(exc)) from exc
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def _classify(code: int, detail: str, *, recipient: bool = False) -> DeliveryError:
    """SMTP replies: 4xx is a temporary failure, 5xx a permanent one."""
    provider_code = str(code)
    if 400 <= code < 500:
        return TransientError(detail, provider_code=provider_code)
    if code in _AUTH_CODES:
        return PermanentError(FailureReason.UNAUTHORIZED, detail, provider_code=provider_code)
    if recipient or code in _RECIPIENT_CODES:
        return PermanentError(FailureReason.INVALID_RECIPIENT, detail, provider_code=provider_code)
    return PermanentError(FailureReason.REJECTED, detail, provider_code=provider_code)
