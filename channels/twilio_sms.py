"""SMS channel through Twilio's Programmable Messaging (Messages API, signed form webhooks).

Credentials: in the Twilio Console copy the Account SID and Auth Token from *Account Info*, buy or
port an SMS-capable number (or create a Messaging Service and use its `MG...` SID). Under the
number's *Messaging Configuration* set "A message comes in" to the webhook URL (HTTP POST). Twilio
signs each webhook with the Auth Token over the exact public URL it called, so behind a proxy set
`webhook_url` to that public URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from channels._base import Clock, HttpChannel, http_status_error, response_json, utc_now
from channels._capabilities import (
    ButtonFallback,
    ButtonLimits,
    Capabilities,
    Overflow,
    RateLimits,
    TextMeasure,
)
from channels._inbound import (
    DeliveryState,
    DeliveryStatus,
    HelpRequested,
    Ignored,
    InboundEvent,
    InboundRequest,
    OptIn,
    OptOut,
    Origin,
)
from channels._keywords import keyword_event
from channels._messages import Markup, OutboundMessage, SendResult
from channels.errors import (
    DeliveryError,
    FailureReason,
    PermanentError,
    RateLimited,
    SignatureError,
    TransientError,
)

__all__ = ["TwilioSmsChannel", "TwilioSmsSettings"]

SIGNATURE_HEADER = "X-Twilio-Signature"

_R = FailureReason
_PERMANENT_CODES = {
    21610: _R.RECIPIENT_UNSUBSCRIBED,  # recipient replied STOP
    21211: _R.INVALID_RECIPIENT,  # invalid 'To' number
    21612: _R.INVALID_RECIPIENT,  # 'To' number unreachable from this sender
    21614: _R.INVALID_RECIPIENT,  # 'To' number is not SMS-capable
    21408: _R.INVALID_RECIPIENT,  # region not enabled
    21608: _R.INVALID_RECIPIENT,  # unverified number on a trial account
    21617: _R.INVALID_MESSAGE,  # body too long
    21602: _R.INVALID_MESSAGE,  # body required
    20003: _R.UNAUTHORIZED,
    20404: _R.UNAUTHORIZED,  # account SID not found
}
_STATUSES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "undelivered": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
}
_OPT_OUT_TYPES: dict[str, type[OptOut | OptIn | HelpRequested]] = {
    "STOP": OptOut,
    "START": OptIn,
    "HELP": HelpRequested,
}


@dataclass(frozen=True, slots=True)
class TwilioSmsSettings:
    """Account credentials and the sender: a phone number or a Messaging Service SID."""

    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    status_callback_url: str | None = None
    webhook_url: str | None = None
    api_base_url: str = "https://api.twilio.com"

    def __post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if not (self.from_number or self.messaging_service_sid):
            raise ValueError("Twilio needs a from number or a messaging service SID")


class TwilioSmsChannel(HttpChannel):
    """SMS via Twilio: at most three segments, buttons as numbered replies, carrier keywords."""

    name = "sms"
    settings_class = TwilioSmsSettings
    capabilities = Capabilities(
        max_text_length=1600,
        overflow=Overflow.TRUNCATE,
        measure=TextMeasure.SMS_SEGMENTS,
        max_segments=3,
        ellipsis="...",  # "…" is not in GSM-7 and would double the cost of the message
        buttons=ButtonLimits(max_count=0, fallback=ButtonFallback.NUMBERED_TEXT),
        markup=Markup.PLAIN,
        rate_limits=RateLimits(global_=1.0),  # a US long code sends one segment per second
    )

    def __init__(
        self,
        settings: TwilioSmsSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(client=client, clock=clock)
        self.settings = settings

    async def send(self, message: OutboundMessage) -> SendResult:
        """Create a Message resource; the body is truncated to the segment budget."""
        s = self.settings
        (body,) = self.render(message).parts
        form = {"To": message.recipient, "Body": body}
        if s.messaging_service_sid:
            form["MessagingServiceSid"] = s.messaging_service_sid
        else:
            form["From"] = s.from_number or ""
        if s.status_callback_url:
            form["StatusCallback"] = s.status_callback_url
        url = f"{s.api_base_url.rstrip('/')}/2010-04-01/Accounts/{s.account_sid}/Messages.json"
        response = await self._request("POST", url, data=form, auth=(s.account_sid, s.auth_token))
        payload = response_json(response)
        if not response.is_success:
            raise self._error(response, payload)
        return SendResult(provider_message_id=str(payload.get("sid", "")))

    def _error(self, response: httpx.Response, payload: dict[str, Any]) -> DeliveryError:
        code = payload.get("code")
        detail = str(payload.get("message") or response.reason_phrase)
        provider_code = None if code is None else str(code)
        if code == 20429 or response.status_code == 429:
            return RateLimited(self._retry_after(response), detail, provider_code=provider_code)
        if response.status_code >= 500:
            return TransientError(detail, provider_code=provider_code)
        if isinstance(code, int) and code in _PERMANENT_CODES:
            return PermanentError(_PERMANENT_CODES[code], detail, provider_code=provider_code)
        retry_after = self._retry_after(response)
        return http_status_error(response, detail, retry_after=retry_after, code=provider_code)

    def verify(self, request: InboundRequest) -> None:
        """Check `X-Twilio-Signature`: base64 HMAC-SHA1 of the URL plus the sorted POST params."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise SignatureError(f"missing {SIGNATURE_HEADER} header")
        params = request.form() if request.method == "POST" else []
        url = self.settings.webhook_url or request.url
        for candidate in _url_variants(url):
            expected = _signature(self.settings.auth_token, candidate, params)
            if hmac.compare_digest(signature.encode(), expected.encode()):
                return
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the request")

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """An incoming SMS (or keyword) or a status callback; anything else is ignored."""
        fields = dict(request.form())
        message_id = fields.get("MessageSid") or fields.get("SmsSid")
        sender = fields.get("From")
        if "Body" in fields and message_id and sender:
            origin = Origin(
                sender=sender, provider_message_id=message_id, chat_id=sender, at=self._clock()
            )
            opt_type = _OPT_OUT_TYPES.get(fields.get("OptOutType", "").upper())
            if opt_type is not None:
                # Twilio's Advanced Opt-Out already classified the keyword (custom ones too).
                return [opt_type(keyword=fields["Body"].strip().upper(), **origin)]
            if not fields["Body"].strip():
                return [Ignored("sms without text", message_id)]
            return [keyword_event(text=fields["Body"], carrier=True, **origin)]
        status = fields.get("MessageStatus") or fields.get("SmsStatus")
        if status and message_id:
            state = _STATUSES.get(status)
            if state is None:
                return [Ignored(f"sms status {status}", message_id)]
            error = fields.get("ErrorCode") or None
            return [
                DeliveryStatus(
                    provider_message_id=message_id,
                    status=state,
                    error=error,
                    recipient=fields.get("To"),
                    at=self._clock(),
                )
            ]
        return [Ignored("twilio request of an unknown kind")]


def _signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's scheme: URL, then each name followed by its values, names and values sorted."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    data = url + "".join(name + v for name in sorted(values) for v in sorted(values[name]))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given plus with/without the default port, as Twilio's own validator tries.

    The URL is never normalised otherwise: Twilio signs it exactly as it called it, host case
    included.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return [url]
    host, _, _ = parts.netloc.rpartition(":") if port is not None else (parts.netloc, "", "")
    if port is not None:
        other = urlunsplit(parts._replace(netloc=host))
    else:
        default = 443 if parts.scheme == "https" else 80
        other = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}"))
    return [url, other]
