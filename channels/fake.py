"""A fake channel for the core's tests: records what was sent and fails when scripted to.

Credentials: none. Inbound requests are JSON objects describing one event (see `FakeChannel.parse`)
signed by an `X-Fake-Signature` header equal to the configured secret.
"""

from __future__ import annotations

import hmac
import itertools
from collections import deque
from dataclasses import dataclass, field

from channels._base import Channel, Clock, json_object, utc_now
from channels._capabilities import ButtonLimits, Capabilities
from channels._inbound import (
    ButtonPressed,
    DeliveryState,
    DeliveryStatus,
    Ignored,
    InboundEvent,
    InboundRequest,
    Origin,
)
from channels._keywords import keyword_event
from channels._messages import OutboundMessage, SendResult
from channels.errors import DeliveryError, SignatureError

__all__ = ["FakeChannel", "FakeSettings"]

SIGNATURE_HEADER = "X-Fake-Signature"


@dataclass(frozen=True, slots=True)
class FakeSettings:
    """The capabilities to pretend to have and the inbound shared secret."""

    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(
            max_text_length=1000, buttons=ButtonLimits(max_count=3, max_title_length=20)
        )
    )
    secret: str = "fake-secret"  # noqa: S105 - a test double's fixed secret


class FakeChannel(Channel):
    """Records sent messages in `sent`; `fail_next(...)` makes the next sends raise."""

    name = "fake"
    settings_class = FakeSettings
    capabilities = FakeSettings().capabilities

    def __init__(self, settings: FakeSettings | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self.settings = settings or FakeSettings()
        self.capabilities = self.settings.capabilities
        self.sent: list[OutboundMessage] = []
        self.attempts: list[OutboundMessage] = []
        self._failures: deque[DeliveryError] = deque()
        self._counter = itertools.count(1)
        self._by_key: dict[str, SendResult] = {}

    def fail_next(self, *errors: DeliveryError) -> None:
        """Make the next `len(errors)` sends raise these errors, in order."""
        self._failures.extend(errors)

    async def send(self, message: OutboundMessage) -> SendResult:
        """Raise the next scripted error, or record the message and return `fake-<n>`."""
        self.attempts.append(message)
        if self._failures:
            raise self._failures.popleft()
        key = message.idempotency_key
        if key is not None and key in self._by_key:
            return self._by_key[key]  # an idempotent provider: the same answer, no second delivery
        self.render(message)
        self.sent.append(message)
        result = SendResult(provider_message_id=f"fake-{next(self._counter)}")
        if key is not None:
            self._by_key[key] = result
        return result

    def verify(self, request: InboundRequest) -> None:
        """Accept requests whose `X-Fake-Signature` equals the secret."""
        received = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(received.encode(), self.settings.secret.encode()):
            raise SignatureError(f"{SIGNATURE_HEADER} does not match")

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """`{"type": "text"|"button"|"status", "sender", "text", "button_id", "id", "status"}`."""
        data = json_object(request.body)
        kind, sender, message_id = data.get("type"), data.get("sender"), str(data.get("id", ""))
        if kind == "status" and message_id:
            status = str(data.get("status", "delivered"))
            if status not in {state.value for state in DeliveryState}:
                return [Ignored(f"fake status {status}", message_id)]
            return [DeliveryStatus(message_id, DeliveryState(status), error=data.get("error"))]
        if not isinstance(sender, str) or not message_id:
            return [Ignored(f"fake {kind} event")]
        origin = Origin(
            sender=sender,
            provider_message_id=message_id,
            chat_id=str(data.get("chat_id", sender)),
            at=self._clock(),
        )
        if kind == "text":
            return [keyword_event(text=str(data.get("text", "")), **origin)]
        if kind == "button":
            return [ButtonPressed(button_id=str(data.get("button_id", "")), **origin)]
        return [Ignored(f"fake {kind} event")]
